//! The recognition cache: one small JSON file per recognised sample under
//! `<out>/.cameo/asr/<split>/`, keyed by what the text depends on — the sample's audio
//! (file_id), the model (its SHA-256) and the forced language — so a rerun or a killed build
//! resumes where it stopped, and another model recognises everything again. `cameo merge`
//! carries these files from the shards like the conversion cache.
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Bumped whenever what is given to the recogniser changes (decoding, scaling).
pub const ASR_CACHE_VERSION: &str = "cameo-asr-1";

/// The folder of a build holding the recognition cache (one folder per split below it).
pub fn cache_root(out: &Path) -> PathBuf {
    out.join(".cameo").join("asr")
}

/// One cached result; the key's inputs are stored too and checked on reading, so a stale or
/// foreign file is never taken for another sample's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    version: String,
    file_id: String,
    model: String,
    language: String,
    text: String,
}

pub struct AsrCache {
    folder: PathBuf,
}

impl AsrCache {
    pub fn new(out: &Path, split: &str) -> Self {
        AsrCache { folder: cache_root(out).join(split) }
    }

    fn path(&self, file_id: &str, model: &str, language: &str) -> PathBuf {
        let digest = Sha256::digest(format!("{ASR_CACHE_VERSION}\n{model}\n{language}\n{file_id}").as_bytes());
        self.folder.join(format!("{}.json", hex::encode(&digest[..16])))
    }

    /// The text recognised earlier for this sample, model and language.
    pub fn get(&self, file_id: &str, model: &str, language: &str) -> Option<String> {
        let text = std::fs::read_to_string(self.path(file_id, model, language)).ok()?;
        let entry: Entry = serde_json::from_str(&text).ok()?;
        let matches = entry.version == ASR_CACHE_VERSION
            && entry.file_id == file_id
            && entry.model == model
            && entry.language == language;
        matches.then_some(entry.text)
    }

    pub fn put(&self, file_id: &str, model: &str, language: &str, text: &str) -> std::io::Result<()> {
        let entry = Entry {
            version: ASR_CACHE_VERSION.into(),
            file_id: file_id.into(),
            model: model.into(),
            language: language.into(),
            text: text.into(),
        };
        let bytes = serde_json::to_vec(&entry).expect("plain struct serialises");
        crate::fsutil::write_atomic(&self.path(file_id, model, language), &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_found_only_for_its_sample_model_and_language() {
        let dir = tempfile::tempdir().unwrap();
        let cache = AsrCache::new(dir.path(), "crema_d");
        assert_eq!(cache.get("a.flac", "m1", "en"), None);
        cache.put("a.flac", "m1", "en", "Don't forget a jacket.").unwrap();
        assert_eq!(cache.get("a.flac", "m1", "en").as_deref(), Some("Don't forget a jacket."));
        assert_eq!(cache.get("a.flac", "m2", "en"), None);
        assert_eq!(cache.get("a.flac", "m1", "fr"), None);
        assert_eq!(cache.get("b.flac", "m1", "en"), None);
        assert_eq!(AsrCache::new(dir.path(), "cafe").get("a.flac", "m1", "en"), None);
    }

    #[test]
    fn a_damaged_or_foreign_entry_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = AsrCache::new(dir.path(), "crema_d");
        cache.put("a.flac", "m1", "en", "text").unwrap();
        let path = cache.path("a.flac", "m1", "en");
        std::fs::write(&path, b"{\"version\":").unwrap();
        assert_eq!(cache.get("a.flac", "m1", "en"), None);
        // Another sample's entry under this name (a copied or renamed file).
        let other = serde_json::json!({"version": ASR_CACHE_VERSION, "file_id": "b.flac", "model": "m1", "language": "en", "text": "x"});
        std::fs::write(&path, other.to_string()).unwrap();
        assert_eq!(cache.get("a.flac", "m1", "en"), None);
    }
}
