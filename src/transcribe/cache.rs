//! The recognition cache: one small JSON file per recognised sample under
//! `<out>/.cameo/asr/<split>/`, keyed by what the text depends on — the sample's audio
//! (file_id), the model (its SHA-256), the forced language and where decoding may stop — so a
//! rerun or a killed build resumes where it stopped, and another model recognises everything
//! again. `cameo merge` carries these files from the shards like the conversion cache.
use super::{Decoding, Transcript};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Bumped whenever what is given to the recogniser changes (decoding, scaling). 2: silence
/// trimmed, encoder context cut to the clip, loops and extra sentences stopped.
pub const ASR_CACHE_VERSION: &str = "cameo-asr-2";

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
    max_sentences: Option<usize>,
    text: String,
    looped: bool,
}

#[derive(Debug)]
pub struct AsrCache {
    folder: PathBuf,
}

impl AsrCache {
    pub fn new(out: &Path, split: &str) -> Self {
        AsrCache { folder: cache_root(out).join(split) }
    }

    fn path(&self, file_id: &str, model: &str, language: &str, decoding: Decoding) -> PathBuf {
        let stop = decoding.max_sentences.map_or_else(|| "-".to_string(), |n| n.to_string());
        let key = format!("{ASR_CACHE_VERSION}\n{model}\n{language}\n{stop}\n{file_id}");
        self.folder.join(format!("{}.json", hex::encode(&Sha256::digest(key.as_bytes())[..16])))
    }

    /// What was recognised earlier for this sample, model, language and decoding.
    pub fn get(&self, file_id: &str, model: &str, language: &str, decoding: Decoding) -> Option<Transcript> {
        let text = std::fs::read_to_string(self.path(file_id, model, language, decoding)).ok()?;
        let entry: Entry = serde_json::from_str(&text).ok()?;
        let matches = entry.version == ASR_CACHE_VERSION
            && entry.file_id == file_id
            && entry.model == model
            && entry.language == language
            && entry.max_sentences == decoding.max_sentences;
        matches.then_some(Transcript { text: entry.text, looped: entry.looped })
    }

    pub fn put(
        &self,
        file_id: &str,
        model: &str,
        language: &str,
        decoding: Decoding,
        transcript: &Transcript,
    ) -> std::io::Result<()> {
        let entry = Entry {
            version: ASR_CACHE_VERSION.into(),
            file_id: file_id.into(),
            model: model.into(),
            language: language.into(),
            max_sentences: decoding.max_sentences,
            text: transcript.text.clone(),
            looped: transcript.looped,
        };
        let bytes = serde_json::to_vec(&entry).expect("plain struct serialises");
        crate::fsutil::write_atomic(&self.path(file_id, model, language, decoding), &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: Decoding = Decoding { max_sentences: Some(1) };

    fn heard(text: &str) -> Transcript {
        Transcript { text: text.into(), looped: false }
    }

    #[test]
    fn an_entry_is_found_only_for_its_sample_model_language_and_decoding() {
        let dir = tempfile::tempdir().unwrap();
        let cache = AsrCache::new(dir.path(), "crema_d");
        assert_eq!(cache.get("a.flac", "m1", "en", ONE), None);
        cache.put("a.flac", "m1", "en", ONE, &heard("Don't forget a jacket.")).unwrap();
        assert_eq!(cache.get("a.flac", "m1", "en", ONE), Some(heard("Don't forget a jacket.")));
        assert_eq!(cache.get("a.flac", "m2", "en", ONE), None);
        assert_eq!(cache.get("a.flac", "m1", "fr", ONE), None);
        assert_eq!(cache.get("a.flac", "m1", "en", Decoding::default()), None);
        assert_eq!(cache.get("b.flac", "m1", "en", ONE), None);
        assert_eq!(AsrCache::new(dir.path(), "cafe").get("a.flac", "m1", "en", ONE), None);
        let looped = Transcript { text: "nothing, nothing,".into(), looped: true };
        cache.put("c.flac", "m1", "en", ONE, &looped).unwrap();
        assert_eq!(cache.get("c.flac", "m1", "en", ONE), Some(looped));
    }

    #[test]
    fn a_damaged_or_foreign_entry_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = AsrCache::new(dir.path(), "crema_d");
        cache.put("a.flac", "m1", "en", ONE, &heard("text")).unwrap();
        let path = cache.path("a.flac", "m1", "en", ONE);
        std::fs::write(&path, b"{\"version\":").unwrap();
        assert_eq!(cache.get("a.flac", "m1", "en", ONE), None);
        // Another sample's entry under this name (a copied or renamed file).
        let other = serde_json::json!({"version": ASR_CACHE_VERSION, "file_id": "b.flac", "model": "m1",
            "language": "en", "max_sentences": 1, "text": "x", "looped": false});
        std::fs::write(&path, other.to_string()).unwrap();
        assert_eq!(cache.get("a.flac", "m1", "en", ONE), None);
    }
}
