//! What a build tells about itself: per-split reports (counts, duplicates, rejects, skipped
//! junk, source checksums, formats seen, warnings), `build.json`, and the summary table.
use crate::corpora::{Reject, Skipped};
use crate::record::Record;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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

    /// Replaces the count warning with one for the current `built` (which changes when the
    /// collection-wide de-duplication drops samples after the split was built).
    pub fn refresh_count_warning(&mut self) {
        self.warnings.retain(|warning| !warning.starts_with(COUNT_WARNING_START));
        if !self.count_matches() {
            self.warnings
                .push(format!("{COUNT_WARNING_START} {} samples, the manifest expects {}", self.built, self.expected));
        }
    }
}

const COUNT_WARNING_START: &str = "built";

/// The state a build keeps per split in `.cameo/splits/<split>.json`; every sink is made
/// from these, so building one more corpus into an existing folder keeps the others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitState {
    pub report: SplitReport,
    /// Sorted by file_id.
    pub records: Vec<Record>,
    /// What `--transcribe` found in this split (absent when it did not run on it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcription: Option<crate::transcribe::report::TranscriptionReport>,
}

/// Facts about one run that legitimately differ between runs (kept apart in build.json).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunFacts {
    pub jobs: usize,
    pub seconds: f64,
    pub converted: usize,
    pub reused_from_cache: usize,
    pub audio_seconds: f64,
    /// Samples recognised by `--transcribe` in this run, and those whose text came from the
    /// recognition cache.
    #[serde(default)]
    pub recognised: usize,
    #[serde(default)]
    pub recognised_from_cache: usize,
    /// Seconds of audio recognised in this run, and the wall-clock seconds of the stage.
    #[serde(default)]
    pub recognised_audio_seconds: f64,
    #[serde(default)]
    pub recognition_seconds: f64,
    /// Splits this run could not build (their raw tree or adapter failed); the others were built
    /// and written. An earlier build of a failed split, if any, is kept as it was.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<FailedSplit>,
}

/// A split that failed on its own (an unreadable or malformed table, a missing recording, an
/// unreadable folder): the build went on with the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedSplit {
    pub split: String,
    /// One line: what went wrong, naming the file.
    pub reason: String,
    /// One line: what to do about it.
    pub fix: String,
}

/// The summary table printed at the end of a build.
pub fn summary_table(reports: &[&SplitReport]) -> String {
    let mut out = format!(
        "{:<15} {:>7} {:>7} {:>10} {:>7} {:>7} {:>8}  {}\n",
        "split", "found", "built", "duplicates", "rejects", "skipped", "expected", "status"
    );
    for report in reports {
        let status = if report.count_matches() {
            "ok".to_string()
        } else {
            format!("COUNT MISMATCH ({:+})", report.built as i64 - report.expected as i64)
        };
        out.push_str(&format!(
            "{:<15} {:>7} {:>7} {:>10} {:>7} {:>7} {:>8}  {}\n",
            report.split,
            report.found,
            report.built,
            report.duplicates.len(),
            report.rejects.len(),
            report.skipped.len(),
            report.expected,
            status
        ));
    }
    out
}
