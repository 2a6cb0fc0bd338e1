//! `cameo scan`: what a raw tree holds against the manifests, without decoding any audio. Per
//! corpus: the items the adapter finds against the manifest's expected count, the files it
//! skipped and rejected, and for whatever looks wrong (see [`layout`] and [`contents`]) the
//! problem with its fix.
pub mod contents;
pub mod layout;
pub mod render;

use crate::corpora::{CorpusEntry, Registry, Reject, Skipped};
use crate::manifest::ManifestError;
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ScanCommandError {
    /// The command line is wrong (unknown corpus id, --raw inside a corpus folder): exit 2.
    #[error("{0}")]
    Usage(String),
    /// The raw folder is missing or holds no corpus folder.
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Manifest(#[from] ManifestError),
}

#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// The folder holding one folder per corpus (`raw/<split>/`).
    pub raw: PathBuf,
    /// Split ids; empty = every corpus whose folder is under `raw` (as `cameo build` picks).
    pub corpora: Vec<String>,
    /// Read manifests from this folder instead of the embedded copies.
    pub manifests: Option<PathBuf>,
}

/// Whether a corpus can be built as it lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    /// Buildable, but something deserves a look (count, rejects, stubs among real files).
    Warning,
    /// Missing, no usable item, or the adapter cannot read the tree.
    Unusable,
}

/// What kind of problem a diagnosis describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    Missing,
    ArchiveNotExtracted,
    TooDeep,
    TooShallow,
    LfsPointers,
    ScanError,
    NoItems,
    CountMismatch,
    Rejects,
}

/// One thing that looks wrong, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    pub kind: Finding,
    pub problem: String,
    pub fix: String,
}

/// The scan of one corpus.
#[derive(Debug, Serialize)]
pub struct CorpusReport {
    pub id: String,
    pub name: String,
    /// `raw/<split>/`.
    pub folder: PathBuf,
    pub status: Status,
    /// Items the adapter found whose label the manifest maps (Git LFS stubs included, see
    /// `lfs_pointers`).
    pub found: usize,
    /// The manifest's `expected_count`.
    pub expected: usize,
    pub skipped: usize,
    pub rejects: usize,
    /// Files below the folder that are Git LFS pointer texts instead of their content.
    pub lfs_pointers: usize,
    pub diagnoses: Vec<Diagnosis>,
    pub skipped_files: Vec<Skipped>,
    pub rejected_files: Vec<Reject>,
}

/// The scan of a raw tree.
#[derive(Debug, Serialize)]
pub struct ScanReport {
    pub raw: PathBuf,
    /// No selected corpus is unusable.
    pub usable: bool,
    pub corpora: Vec<CorpusReport>,
    /// Folders under the raw folder that no manifest describes (not scanned).
    pub unknown_folders: Vec<String>,
}

impl ScanReport {
    /// The ids of the unusable corpora.
    pub fn unusable(&self) -> Vec<&str> {
        self.corpora.iter().filter(|c| c.status == Status::Unusable).map(|c| c.id.as_str()).collect()
    }
}

/// Runs `cameo scan`.
pub fn run_scan(options: &ScanOptions) -> Result<ScanReport, ScanCommandError> {
    if !options.raw.is_dir() {
        return Err(ScanCommandError::Input(format!("{}: raw folder not found", options.raw.display())));
    }
    let registry = crate::corpora::Registry::load(options.manifests.as_deref())?;
    let selection =
        crate::selection::select_in_raw(&registry, &options.raw, &options.corpora).map_err(|error| match error {
            crate::selection::RawSelectionError::Usage(message) => ScanCommandError::Usage(message),
            crate::selection::RawSelectionError::Empty(message) => ScanCommandError::Input(message),
        })?;
    let corpora: Vec<CorpusReport> =
        selection.entries.iter().map(|entry| scan_corpus(&registry, &options.raw, entry)).collect();
    let usable = corpora.iter().all(|c| c.status != Status::Unusable);
    Ok(ScanReport { raw: options.raw.clone(), usable, corpora, unknown_folders: selection.unknown_folders })
}

/// Scans one corpus folder and diagnoses what looks wrong.
pub fn scan_corpus(registry: &Registry, raw: &Path, entry: &CorpusEntry) -> CorpusReport {
    let manifest = &entry.manifest;
    let root = raw.join(&entry.id);
    let mut report = CorpusReport {
        id: entry.id.to_string(),
        name: manifest.name.clone(),
        folder: root.clone(),
        status: Status::Unusable,
        found: 0,
        expected: manifest.expected_count,
        skipped: 0,
        rejects: 0,
        lfs_pointers: 0,
        diagnoses: Vec::new(),
        skipped_files: Vec::new(),
        rejected_files: Vec::new(),
    };
    if !root.is_dir() {
        report.diagnoses = layout::missing_folder(registry, raw, entry);
        return report;
    }
    let stubs = contents::lfs_pointer_files(&root);
    report.lfs_pointers = stubs.len();
    let mut readable = true;
    let mut stub_items = 0;
    match entry.adapter.scan(&root, manifest) {
        Ok(scan) => {
            report.rejected_files = scan.rejects;
            // The build's labelling step: an item whose label the manifest does not map is a reject.
            let items = crate::corpora::label_items(manifest, scan.items, |item| item, &mut report.rejected_files);
            report.found = items.len();
            stub_items = items.iter().filter(|(item, _)| stubs.contains(item.location.file())).count();
            report.skipped_files = scan.skipped;
        }
        Err(error) => {
            readable = false;
            report.diagnoses.push(contents::scan_error(&error, manifest));
        }
    }
    report.skipped = report.skipped_files.len();
    report.rejects = report.rejected_files.len();
    let usable_items = report.found - stub_items;
    if usable_items == 0 {
        let misplaced = layout::layout_when_empty(registry, raw, entry);
        if misplaced.is_empty() && readable && stubs.is_empty() {
            report.diagnoses.push(contents::no_items(&root, manifest));
        }
        report.diagnoses.extend(misplaced);
    }
    if !stubs.is_empty() {
        report.diagnoses.push(contents::lfs_pointers(&root, &stubs, manifest));
    }
    if usable_items > 0 && report.found != report.expected {
        report.diagnoses.push(contents::count_mismatch(report.found, report.expected, manifest));
    }
    report.diagnoses.extend(contents::rejects(&report.rejected_files));
    report.status = if !readable || usable_items == 0 {
        Status::Unusable
    } else if report.diagnoses.is_empty() {
        Status::Ok
    } else {
        Status::Warning
    };
    report
}
