//! The adapter contract: a corpus adapter turns an extracted raw tree into a list of
//! [`SourceItem`]s (where the audio is + labels, speaker, text) and never decodes audio.
//! Adapters are registered in [`REGISTRY`] together with their embedded manifests.
pub mod cafe;
pub mod crema_d;
pub mod emns;
pub mod mesd;
pub mod nemo;
pub mod ravdess;
pub mod walk;

use crate::manifest::{Manifest, ManifestError};
use crate::record::Gender;
use std::path::{Path, PathBuf};

/// Where an item's audio is, relative to the corpus folder `raw/<split>/`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum AudioLocation {
    /// A whole file.
    File(String),
}

impl AudioLocation {
    /// The `source` column: the path, plus `#…` for a part of a file.
    pub fn source(&self) -> String {
        match self {
            AudioLocation::File(path) => path.clone(),
        }
    }

    /// The file holding the audio.
    pub fn file(&self) -> &str {
        match self {
            AudioLocation::File(path) => path,
        }
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
}

/// A registered corpus: its split id, embedded manifest and adapter.
pub struct CorpusEntry {
    pub id: &'static str,
    pub manifest_toml: &'static str,
    pub adapter: &'static dyn Corpus,
}

impl CorpusEntry {
    /// The manifest: from `dir/<id>.toml` when a folder is given, else the embedded copy.
    pub fn manifest(&self, dir: Option<&Path>) -> Result<Manifest, ManifestError> {
        let manifest = match dir {
            Some(dir) => Manifest::load(&dir.join(format!("{}.toml", self.id)))?,
            None => Manifest::parse(self.manifest_toml, &format!("manifests/{}.toml", self.id))?,
        };
        if manifest.id != self.id {
            return Err(ManifestError::Invalid {
                manifest: format!("manifests/{}.toml", self.id),
                key: "id".into(),
                message: format!("'{}' does not match the file name", manifest.id),
            });
        }
        Ok(manifest)
    }
}

/// Every corpus cameo can build, in split order.
pub static REGISTRY: &[CorpusEntry] = &[
    CorpusEntry { id: "cafe", manifest_toml: include_str!("../../manifests/cafe.toml"), adapter: &cafe::Cafe },
    CorpusEntry {
        id: "crema_d",
        manifest_toml: include_str!("../../manifests/crema_d.toml"),
        adapter: &crema_d::CremaD,
    },
    CorpusEntry { id: "emns", manifest_toml: include_str!("../../manifests/emns.toml"), adapter: &emns::Emns },
    CorpusEntry { id: "mesd", manifest_toml: include_str!("../../manifests/mesd.toml"), adapter: &mesd::Mesd },
    CorpusEntry { id: "nemo", manifest_toml: include_str!("../../manifests/nemo.toml"), adapter: &nemo::Nemo },
    CorpusEntry {
        id: "ravdess",
        manifest_toml: include_str!("../../manifests/ravdess.toml"),
        adapter: &ravdess::Ravdess,
    },
];

/// Looks a corpus up by split id.
pub fn find(id: &str) -> Option<&'static CorpusEntry> {
    REGISTRY.iter().find(|entry| entry.id == id)
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
