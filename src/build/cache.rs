//! The resume cache: one small JSON file per converted item under `<out>/.cameo/cache/<split>/`,
//! keyed by the source bytes' hash, the item's place in the source and the pipeline version,
//! so a rerun skips every item whose FLAC is already built.
use crate::audio::ConvertedAudio;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Bumped whenever decoding, resampling, quantisation, encoding or the records change output.
/// 4: the `source` of a file whose name on disk is not UTF-8, cp1252 mojibake or NFD is its
/// decoded NFC name (corpora::names), so CaFE's `ColŠre/…` and `De\u{301}gou\u{302}t/…` became
/// `Colère/…` and `Dégoût/…`; the FLAC bytes did not change.
pub const PIPELINE_VERSION: &str = "cameo-pipeline-4";

pub struct ItemCache {
    folder: PathBuf,
}

impl ItemCache {
    pub fn new(out: &Path, split: &str) -> Self {
        ItemCache { folder: out.join(".cameo").join("cache").join(split) }
    }

    /// The key of an item: what its output depends on and nothing else.
    pub fn key(source_sha256: &str, source: &str) -> String {
        let digest = Sha256::digest(format!("{PIPELINE_VERSION}\n{source_sha256}\n{source}").as_bytes());
        hex::encode(&digest[..16])
    }

    /// A cached conversion whose FLAC file still exists.
    pub fn get(&self, key: &str, audio_folder: &Path) -> Option<ConvertedAudio> {
        let text = std::fs::read_to_string(self.folder.join(format!("{key}.json"))).ok()?;
        let converted: ConvertedAudio = serde_json::from_str(&text).ok()?;
        audio_folder.join(&converted.file_id).is_file().then_some(converted)
    }

    pub fn put(&self, key: &str, converted: &ConvertedAudio) -> std::io::Result<()> {
        let text = serde_json::to_vec(converted).expect("plain struct serialises");
        crate::fsutil::write_atomic(&self.folder.join(format!("{key}.json")), &text)
    }
}
