//! The samples side of the audit: every line of a build's metadata.jsonl read leniently (a
//! missing or empty license is a finding, not a parse error), each sample's `license` field
//! compared with its corpus' manifest, and the build's LICENSES/ folder checked for the full
//! text of every license used and an attribution for every corpus.
use super::AuditError;
use crate::manifest::Manifest;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// A sample whose license is missing or disagrees with its manifest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleIssue {
    /// 1-based line of metadata.jsonl.
    pub line: usize,
    pub file_id: String,
    pub split: String,
    /// What the sample says (null when the field is missing, null or empty).
    pub license: Option<String>,
    /// What its manifest says (null when its split has no manifest).
    pub expected: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SampleAudit {
    pub samples: usize,
    pub per_split: BTreeMap<String, usize>,
    pub without_license: Vec<SampleIssue>,
    pub mismatched: Vec<SampleIssue>,
    /// Splits of the build that no manifest describes.
    pub without_manifest: Vec<String>,
}

/// One line's fields the audit needs.
fn read_line(path: &Path, index: usize, line: &str) -> Result<(String, String, Option<String>), AuditError> {
    let at = |message: String| AuditError::File {
        path: path.to_path_buf(),
        message: format!("line {}: {message}", index + 1),
    };
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| at(format!("not JSON: {e}")))?;
    let file_id = value["file_id"].as_str().ok_or_else(|| at("no file_id".into()))?.to_string();
    let audio = value["audio"].as_str().ok_or_else(|| at(format!("{file_id}: no audio path")))?;
    let split = match audio.split('/').collect::<Vec<_>>().as_slice() {
        ["audio", split, _] if !split.is_empty() => split.to_string(),
        _ => return Err(at(format!("{file_id}: audio path '{audio}' is not audio/<split>/<file_id>"))),
    };
    let license = value["license"].as_str().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string);
    Ok((file_id, split, license))
}

/// The splits a build's `metadata.jsonl` holds, sorted.
pub fn splits_of(metadata: &Path) -> Result<Vec<String>, AuditError> {
    let text = std::fs::read_to_string(metadata)
        .map_err(|e| AuditError::File { path: metadata.to_path_buf(), message: format!("cannot read: {e}") })?;
    let mut splits = std::collections::BTreeSet::new();
    for (index, line) in text.lines().enumerate() {
        if !line.trim().is_empty() {
            splits.insert(read_line(metadata, index, line)?.1);
        }
    }
    Ok(splits.into_iter().collect())
}

/// Reads `metadata.jsonl` and checks every sample's license against the manifests.
pub fn audit_samples(metadata: &Path, manifests: &[Manifest]) -> Result<SampleAudit, AuditError> {
    let text = std::fs::read_to_string(metadata)
        .map_err(|e| AuditError::File { path: metadata.to_path_buf(), message: format!("cannot read: {e}") })?;
    let mut audit = SampleAudit::default();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (file_id, split, license) = read_line(metadata, index, line)?;
        audit.samples += 1;
        *audit.per_split.entry(split.clone()).or_default() += 1;
        let expected = manifests.iter().find(|m| m.id == split).map(|m| m.license.name.clone());
        let issue = SampleIssue { line: index + 1, file_id, split, license, expected };
        match (&issue.license, &issue.expected) {
            (None, _) => audit.without_license.push(issue),
            (Some(found), Some(expected)) if found != expected => audit.mismatched.push(issue),
            _ => {}
        }
    }
    audit.without_manifest =
        audit.per_split.keys().filter(|split| !manifests.iter().any(|m| &m.id == *split)).cloned().collect();
    Ok(audit)
}

/// Files of LICENSES/ that a build of these corpora lacks: a license text per SPDX id and
/// ATTRIBUTION.md naming every corpus.
pub fn missing_license_files(build: &Path, manifests: &[&Manifest]) -> Vec<String> {
    let folder = build.join("LICENSES");
    let mut missing = Vec::new();
    let mut ids: Vec<&str> = manifests.iter().map(|m| m.license.spdx.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        let path = folder.join(format!("{id}.txt"));
        if !path.is_file() {
            missing.push(format!("{} is missing (the license text of {id})", path.display()));
        }
    }
    let attribution = folder.join("ATTRIBUTION.md");
    match std::fs::read_to_string(&attribution) {
        Err(_) => missing.push(format!("{} is missing", attribution.display())),
        Ok(text) => {
            for manifest in manifests {
                if !text.lines().any(|line| line.trim() == format!("## {}", manifest.name)) {
                    missing.push(format!("{} does not credit {}", attribution.display(), manifest.name));
                }
            }
        }
    }
    missing
}
