//! What a build knows about one split: its report (counts, duplicates, rejects, skipped junk,
//! source checksums, formats seen, warnings) and its records, kept as the split's state. The
//! adapters report their skips and rejects in these types too ([`crate::corpora`] re-exports them).
use super::record::Record;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A file that is not an item, and why (junk, excluded material).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Skipped {
    pub source: String,
    pub reason: String,
}

/// A file that should have been an item but cannot be (bad name, unknown code).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Reject {
    pub source: String,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DuplicateKind {
    /// Byte-identical source files, found before decoding.
    SourceBytes,
    /// Different files with the same canonical PCM (same file_id).
    CanonicalPcm,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Duplicate {
    pub source: String,
    /// The source that was kept.
    pub kept: String,
    pub kind: DuplicateKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

/// Everything a build learned about one split.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SplitReport {
    pub split: String,
    pub dataset: String,
    pub expected: usize,
    /// Files that should become samples: items plus rejects.
    pub found: usize,
    pub built: usize,
    pub duplicates: Vec<Duplicate>,
    pub rejects: Vec<Reject>,
    pub skipped: Vec<Skipped>,
    /// `"<rate> Hz, <n> ch"` → how many sources had that format.
    pub formats: BTreeMap<String, usize>,
    pub warnings: Vec<String>,
    /// Samples that are digital silence (file_ids), worth a look.
    pub silent: Vec<String>,
    /// Samples with clipped (full-scale) samples (file_ids).
    pub clipped: Vec<String>,
    pub sources: Vec<SourceFile>,
    /// Source files whose names on disk are not their `source` (bytes that are not UTF-8,
    /// cp1252 mojibake, decomposed accents; see `corpora::names`): source → exact bytes, escaped.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub renamed_sources: BTreeMap<String, String>,
    /// Whose annotation the genders are, when `--third-party-genders` filled them from the
    /// manifest (absent otherwise, and in builds made before the option existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub third_party_genders: Option<String>,
}

impl SplitReport {
    pub fn count_matches(&self) -> bool {
        self.built == self.expected
    }

    /// Sets how many samples the split has, with the count warning that goes with it (the
    /// count changes when the collection-wide de-duplication drops samples after the split was
    /// built): the warning written for the old count is replaced, other warnings are kept.
    pub fn set_built(&mut self, built: usize) {
        let old = self.count_warning();
        self.warnings.retain(|warning| Some(warning) != old.as_ref());
        self.built = built;
        self.warnings.extend(self.count_warning());
    }

    /// The warning for a count that differs from the manifest's.
    fn count_warning(&self) -> Option<String> {
        (!self.count_matches()).then(|| format!("built {} samples, the manifest expects {}", self.built, self.expected))
    }
}

/// The state a build keeps per split in `.cameo/splits/<split>.json`; every sink is made
/// from these, so building one more corpus into an existing folder keeps the others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitState {
    pub report: SplitReport,
    /// Sorted by file_id.
    pub records: Vec<Record>,
    /// The SHA-256 of each record's FLAC file by file_id, taken when the file was written, so
    /// SHA256SUMS need not read the files back (absent in states of older builds).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub flac_sha256: BTreeMap<String, String>,
    /// What `--transcribe` found in this split (absent when it did not run on it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcription: Option<super::transcription::TranscriptionReport>,
}
