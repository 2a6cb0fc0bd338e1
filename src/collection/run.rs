//! Facts about one run of a build: what it converted, reused and recognised, how long it took,
//! and which splits failed on their own. They differ between runs, so build.json keeps them
//! apart and SHA256SUMS leaves build.json out.
use serde::{Deserialize, Serialize};

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
