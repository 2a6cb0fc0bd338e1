//! `cameo audit`: the license report an auditor signs off from. Per corpus the license (SPDX),
//! its permissions, how it was verified and which sources disagree; for the collection, which
//! uses are allowed for the whole and for each split; for a build, every sample whose license
//! field is missing or disagrees with its manifest, and the license texts and attributions its
//! LICENSES/ folder must hold. Problems (exit 1) are kept apart from warnings (reported only).
pub mod collection;
pub mod corpus;
mod render;
pub mod samples;

pub use collection::{collection_uses, CollectionUses};
pub use corpus::{audit_corpus, CorpusAudit, Verification};

pub use samples::{SampleAudit, SampleIssue};

use crate::manifest::{Manifest, ManifestError};
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("{}: {message}", path.display())]
    File { path: PathBuf, message: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// Where the manifests came from: `built-in` or the folder given.
    pub manifests: String,
    pub build: Option<String>,
    pub corpora: Vec<CorpusAudit>,
    pub collection: CollectionUses,
    pub samples: Option<SampleAudit>,
    /// What makes the audit fail: samples without a license or with another license than
    /// their manifest, manifests whose flags contradict their license, missing license files.
    pub problems: Vec<String>,
    /// What an auditor should read but that does not fail the audit.
    pub warnings: Vec<String>,
}

impl AuditReport {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Every `*.toml` in `dir` (or the one manifest file it names), or the built-in manifests of
/// every registered corpus.
pub fn load_manifests(dir: Option<&Path>) -> Result<Vec<Manifest>, AuditError> {
    let Some(dir) = dir else {
        return Ok(crate::corpora::Registry::builtin().iter().map(|entry| entry.manifest.clone()).collect());
    };
    let mut paths: Vec<PathBuf> = if dir.is_file() {
        vec![dir.to_path_buf()]
    } else {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| AuditError::File { path: dir.to_path_buf(), message: format!("cannot read: {e}") })?;
        entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "toml")).collect()
    };
    paths.sort();
    if paths.is_empty() {
        return Err(AuditError::File { path: dir.to_path_buf(), message: "no *.toml manifest".into() });
    }
    paths
        .iter()
        .map(|path| {
            let manifest = Manifest::load(path)?;
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            if manifest.id != stem {
                return Err(AuditError::File {
                    path: path.clone(),
                    message: format!("key `id`: '{}' does not match the file name", manifest.id),
                });
            }
            Ok(manifest)
        })
        .collect()
}

/// The manifests of the given splits: `dir/<split>.toml`, or the built-in copy. A split
/// without one is left out (the audit reports it); a manifest that does not load is an error.
fn manifests_of(splits: &[&str], dir: Option<&Path>) -> Result<Vec<Manifest>, AuditError> {
    let mut manifests = Vec::new();
    for split in splits {
        let manifest = match (dir, crate::corpora::find(split)) {
            (Some(dir), _) => {
                let path = match dir.is_file() {
                    true if dir.file_stem().is_some_and(|stem| stem == *split) => dir.to_path_buf(),
                    true => continue,
                    false => dir.join(format!("{split}.toml")),
                };
                if !path.is_file() {
                    continue;
                }
                Manifest::load(&path)?
            }
            (None, Some(entry)) => entry.manifest.clone(),
            (None, None) => continue,
        };
        manifests.push(manifest);
    }
    Ok(manifests)
}

/// Audits the manifests (from `manifests_dir` or built in) and, when given, a build folder:
/// then only the manifests of the splits the build holds are read.
pub fn audit(manifests_dir: Option<&Path>, build: Option<&Path>) -> Result<AuditReport, AuditError> {
    let (manifests, samples) = match build {
        Some(build) => {
            let metadata = build.join("metadata.jsonl");
            let splits = samples::splits_of(&metadata)?;
            let names: Vec<&str> = splits.iter().map(String::as_str).collect();
            let manifests = manifests_of(&names, manifests_dir)?;
            let found = samples::audit_samples(&metadata, &manifests)?;
            (manifests, Some(found))
        }
        None => (load_manifests(manifests_dir)?, None),
    };
    let audited: Vec<&Manifest> = manifests.iter().collect();
    let counts = samples.as_ref().map(|s| &s.per_split);
    let corpora: Vec<CorpusAudit> =
        audited.iter().map(|m| audit_corpus(m, counts.map(|c| c.get(&m.id).copied().unwrap_or(0)))).collect();
    let collection = collection_uses(&audited, counts);

    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    for corpus in &corpora {
        for contradiction in &corpus.contradictions {
            problems.push(format!("{}: {contradiction}", corpus.split));
        }
        for conflict in &corpus.conflicts {
            warnings.push(format!("{}: another source states a different license: {conflict}", corpus.split));
        }
        if !corpus.verification.is_verified() {
            warnings.push(format!(
                "{}: license {} is {} (not read from the corpus' own files)",
                corpus.split, corpus.spdx, corpus.verification.status
            ));
        }
        if !corpus.terms_known {
            warnings.push(format!(
                "{}: the terms of {} are not in cameo's table; flags unchecked",
                corpus.split, corpus.spdx
            ));
        }
        if !corpus.text_shipped {
            warnings.push(format!(
                "{}: no standard text of {} is shipped (not on the SPDX list)",
                corpus.split, corpus.spdx
            ));
        }
    }
    if let (Some(found), Some(build)) = (&samples, build) {
        for split in &found.without_manifest {
            problems.push(format!("split {split}: {} samples but no manifest", found.per_split[split]));
        }
        for issue in &found.without_license {
            problems.push(format!(
                "metadata.jsonl line {}: sample {} ({}) has no license",
                issue.line, issue.file_id, issue.split
            ));
        }
        for issue in &found.mismatched {
            problems.push(format!(
                "metadata.jsonl line {}: sample {} ({}) says license '{}', its manifest '{}'",
                issue.line,
                issue.file_id,
                issue.split,
                issue.license.as_deref().unwrap_or(""),
                issue.expected.as_deref().unwrap_or("")
            ));
        }
        problems.extend(samples::missing_license_files(build, &audited));
    }
    Ok(AuditReport {
        manifests: manifests_dir.map_or("built-in".to_string(), |d| d.display().to_string()),
        build: build.map(|b| b.display().to_string()),
        corpora,
        collection,
        samples,
        problems,
        warnings,
    })
}
