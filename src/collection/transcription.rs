//! How a corpus provides its text (a manifest's `[transcription] source`), and what the
//! transcription stage found in one split, kept in the split's state: mismatched
//! labels, unclear recognitions, samples not recognised. (The stage itself is
//! [`crate::transcribe`]; this is only its findings, which sinks and reports read.)
use serde::{Deserialize, Serialize};

/// How a corpus provides its text; see `crate::transcribe` for what each means for a build.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TranscriptionOrigin {
    /// Its own per-recording transcript (typed or machine-made); taken as is, never recognised.
    #[default]
    Corpus,
    /// One of a fixed list of sentences, picked by a sentence code, the file name or a sidecar:
    /// `--transcribe` checks each sample against the list.
    SentenceList,
    /// No text at all: `--transcribe` stores what the recogniser hears.
    None,
}

/// A sample whose spoken sentence is not the one its label implies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mismatch {
    pub file_id: String,
    pub source: String,
    /// The sentence the label (code, file name, sidecar) names.
    pub labelled: String,
    /// What the recogniser heard.
    pub heard: String,
    /// The candidate sentence heard, which the record now carries.
    pub chosen: String,
    pub labelled_distance: f64,
    pub chosen_distance: f64,
}

/// A sample whose recognised text is near no candidate; it keeps its corpus text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unclear {
    pub file_id: String,
    pub source: String,
    pub labelled: Option<String>,
    pub heard: String,
    /// The nearest candidate and its distance.
    pub nearest: Option<String>,
    pub distance: f64,
    /// The recogniser fell into a repetition loop (stopped early): `heard` is its start and no
    /// candidate was compared.
    #[serde(default)]
    pub looped: bool,
}

/// A sample that was not recognised, or whose recognition failed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unrecognised {
    pub file_id: String,
    pub source: String,
    pub reason: String,
}

/// The transcription stage's findings for one split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptionReport {
    pub origin: TranscriptionOrigin,
    /// The model's identity (SHA-256 of the model file).
    pub model: String,
    /// ISO 639-1 code the recogniser was forced to.
    pub language: String,
    /// Distinct candidate sentences (sentence-list corpora).
    pub candidates: usize,
    /// Samples with a recognised text.
    pub recognised: usize,
    /// Samples whose labelled sentence the recognised text confirmed.
    pub agreed: usize,
    /// Samples without a labelled sentence that got the nearest candidate.
    pub chosen: usize,
    pub mismatches: Vec<Mismatch>,
    pub unclear: Vec<Unclear>,
    /// Samples that now carry recognised text (corpora without text).
    pub asr_texts: usize,
    /// Samples in which the recogniser heard nothing (their transcription stays null).
    pub empty: Vec<Unrecognised>,
    /// Samples not recognised: digital silence, or a failed recognition.
    pub skipped: Vec<Unrecognised>,
}
