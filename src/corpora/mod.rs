//! The adapter contract: a corpus adapter turns an extracted raw tree into a list of
//! [`SourceItem`]s (where the audio is + labels, speaker, text) and never decodes audio.
//! The corpora are their manifests ([`registry`]): most need no code, since
//! [`declarative::Declarative`] reads them from their manifest's `[adapter]` section; the
//! others name a Rust adapter of [`RUST_ADAPTERS`] (a module here), and their manifest says why.
pub mod declarative;
pub mod emns;
pub mod enterface;
pub mod names;
pub mod oreau;
pub mod pavoque;
pub mod registry;
pub mod resd;
pub mod walk;

pub use crate::collection::split::{Reject, Skipped};
use crate::manifest::{Manifest, ManifestError};
use crate::record::{Emotion, Gender};
pub use registry::{CorpusEntry, Registry};
use std::path::{Path, PathBuf};

/// Where an item's audio is, relative to the corpus folder `raw/<split>/`.
#[derive(Debug, Clone, PartialEq)]
pub enum AudioLocation {
    /// A whole file.
    File(String),
    /// The span [start, end) of a long recording, in seconds as the corpus writes them; cut at
    /// frames round(t × rate) of the recording's own rate.
    Segment { file: String, start: f64, end: f64 },
    /// A complete audio file embedded in row `row` (0-based, over the whole file) of a parquet
    /// table, in the `struct<bytes, path>` column `column` (the Hugging Face `Audio` layout).
    TableRow { file: String, column: String, row: usize },
}

impl AudioLocation {
    /// The `source` column: the path, plus `#<start>-<end>` for a segment or `#<row>` for a row.
    pub fn source(&self) -> String {
        match self {
            AudioLocation::File(path) => path.clone(),
            AudioLocation::Segment { file, start, end } => format!("{file}#{start}-{end}"),
            AudioLocation::TableRow { file, row, .. } => format!("{file}#{row}"),
        }
    }

    /// The file holding the audio.
    pub fn file(&self) -> &str {
        match self {
            AudioLocation::File(file) | AudioLocation::Segment { file, .. } | AudioLocation::TableRow { file, .. } => {
                file
            }
        }
    }

    /// Whether other items may share this item's file (segments, table rows): such items are
    /// converted together from one pass over the file.
    pub fn shares_file(&self) -> bool {
        !matches!(self, AudioLocation::File(_))
    }
}

// Times are finite (adapters reject anything else), so `total_cmp` gives a true total order:
// items sort by file, then by place in the file.
impl Eq for AudioLocation {}

impl Ord for AudioLocation {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        fn place(location: &AudioLocation) -> (u8, f64, f64, usize, &str) {
            match location {
                AudioLocation::File(_) => (0, 0.0, 0.0, 0, ""),
                AudioLocation::Segment { start, end, .. } => (1, *start, *end, 0, ""),
                AudioLocation::TableRow { column, row, .. } => (2, 0.0, 0.0, *row, column),
            }
        }
        let (a, b) = (place(self), place(other));
        self.file()
            .cmp(other.file())
            .then(a.0.cmp(&b.0))
            .then(a.1.total_cmp(&b.1))
            .then(a.2.total_cmp(&b.2))
            .then(a.3.cmp(&b.3))
            .then(a.4.cmp(b.4))
    }
}

impl PartialOrd for AudioLocation {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// One utterance as the corpus describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceItem {
    pub location: AudioLocation,
    /// The label as the corpus writes it; the manifest's `[labels]` maps it to CAMEO.
    pub source_label: String,
    /// The corpus' own speaker id (the build prefixes the split).
    pub speaker: Option<String>,
    pub gender: Option<Gender>,
    pub age: Option<String>,
    pub transcription: Option<String>,
}

/// What an adapter found in a raw tree.
#[derive(Debug, Default)]
pub struct Scan {
    pub items: Vec<SourceItem>,
    pub skipped: Vec<Skipped>,
    pub rejects: Vec<Reject>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{path}: corpus folder not found ({hint})")]
    MissingFolder { path: PathBuf, hint: String },
    #[error("{path}: {message}")]
    Layout { path: PathBuf, message: String },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Manifest(#[from] ManifestError),
}

/// A corpus adapter.
pub trait Corpus: Send + Sync {
    /// Reads the extracted tree at `root` (= `raw/<split>/`).
    fn scan(&self, root: &Path, manifest: &Manifest) -> Result<Scan, ScanError>;

    /// Whether the adapter is [`declarative::Declarative`], which reads everything from the
    /// manifest's `[adapter]` section (the other adapters are Rust code).
    fn is_declarative(&self) -> bool {
        false
    }
}

/// The Rust adapters, by the name a manifest's `[adapter] rust` key gives. A corpus needs one
/// only where the declarative engine cannot express it (CONTRIBUTING.md says when).
pub const RUST_ADAPTERS: &[(&str, &dyn Corpus)] = &[
    ("emns", &emns::Emns),
    ("enterface", &enterface::Enterface),
    ("oreau", &oreau::Oreau),
    ("pavoque", &pavoque::Pavoque),
    ("resd", &resd::Resd),
];

/// The Rust adapter called `name`.
pub fn rust_adapter(name: &str) -> Option<&'static dyn Corpus> {
    RUST_ADAPTERS.iter().find(|(known, _)| *known == name).map(|(_, adapter)| *adapter)
}

/// The built-in corpus with split id `id` (see [`Registry::builtin`]).
pub fn find(id: &str) -> Option<&'static CorpusEntry> {
    Registry::builtin().find(id)
}

/// The labelling step of `scan` and `build` alike: each item whose corpus label the manifest
/// maps, with its CAMEO label; every other item becomes a reject naming the manifest. `item`
/// finds the [`SourceItem`] in whatever the caller keeps per item.
pub fn label_items<T>(
    manifest: &Manifest,
    items: impl IntoIterator<Item = T>,
    item: impl Fn(&T) -> &SourceItem,
    rejects: &mut Vec<Reject>,
) -> Vec<(T, Emotion)> {
    let mut labelled = Vec::new();
    for entry in items {
        match manifest.label_for(&item(&entry).source_label) {
            Ok(emotion) => labelled.push((entry, emotion)),
            Err(reason) => rejects.push(Reject { source: item(&entry).location.source(), reason }),
        }
    }
    labelled
}

/// An item whose speaker facts come from the manifest's `[speakers]` table and whose text is
/// the `[sentences]` entry of its sentence code; the error is the reject reason.
pub fn item_from_manifest_tables(
    manifest: &Manifest,
    relative: &str,
    source_label: &str,
    speaker: &str,
    sentence_code: &str,
) -> Result<SourceItem, String> {
    let facts = manifest
        .speakers
        .get(speaker)
        .ok_or_else(|| format!("actor {speaker} not in the [speakers] of the manifest"))?;
    let sentence =
        manifest.sentences.get(sentence_code).ok_or_else(|| format!("unknown sentence code {sentence_code}"))?;
    Ok(SourceItem {
        location: AudioLocation::File(relative.to_string()),
        source_label: source_label.to_string(),
        speaker: Some(speaker.to_string()),
        gender: facts.gender,
        age: facts.age.map(|age| age.to_string()),
        transcription: Some(sentence.clone()),
    })
}

/// Checks that a corpus folder exists before an adapter walks it.
pub fn require_folder(root: &Path, hint: &str) -> Result<(), ScanError> {
    if root.is_dir() {
        Ok(())
    } else {
        Err(ScanError::MissingFolder { path: root.to_path_buf(), hint: hint.to_string() })
    }
}
