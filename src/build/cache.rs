//! The resume cache: what each converted item became, so a rerun skips every item whose FLAC
//! is already built. An item's key is the hash of its source bytes, its place in the source
//! and the pipeline version. The entries of a split are lines appended to one log per writer,
//! `<out>/.cameo/cache/<split>/items.jsonl` (a shard writes `items.shard-K-of-N.jsonl`, so
//! `merge` can copy the shards' logs side by side): one `write` per converted item instead of
//! a file of its own (no open, rename or folder lookup per item). A line is appended only
//! after its FLAC is in place, and a line torn by a crash is skipped when the log is read, so
//! the cache never names a FLAC that is not whole.
use crate::audio::ConvertedAudio;
use crate::collection::PIPELINE_VERSION;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One line of a log.
#[derive(serde::Serialize, serde::Deserialize)]
struct Entry {
    key: String,
    #[serde(flatten)]
    audio: ConvertedAudio,
    /// The SHA-256 of the FLAC file, for SHA256SUMS.
    flac_sha256: Option<String>,
}

/// The cache of one split: the entries of every log in its folder, and the log this run
/// appends to (opened at the first entry).
#[derive(Debug)]
pub struct ItemCache {
    folder: PathBuf,
    log_name: String,
    known: HashMap<String, (ConvertedAudio, Option<String>)>,
    log: Mutex<Option<std::fs::File>>,
}

impl ItemCache {
    /// Reads the cache of `split` in the build folder `out`; `shard` names this run's log.
    pub fn open(out: &Path, split: &str, shard: Option<super::shard::Shard>) -> ItemCache {
        let folder = out.join(".cameo").join("cache").join(split);
        let log_name = match shard {
            Some(shard) => format!("items.shard-{}-of-{}.jsonl", shard.index, shard.count),
            None => "items.jsonl".to_string(),
        };
        let mut known = HashMap::new();
        let mut logs: Vec<PathBuf> = std::fs::read_dir(&folder)
            .map(|entries| entries.flatten().map(|entry| entry.path()).collect())
            .unwrap_or_default();
        logs.retain(|path| path.extension().is_some_and(|extension| extension == "jsonl"));
        logs.sort();
        for log in logs {
            // An unreadable log only means more work: its items are converted again.
            let Ok(text) = std::fs::read_to_string(&log) else { continue };
            for entry in text.lines().filter_map(|line| serde_json::from_str::<Entry>(line).ok()) {
                known.insert(entry.key, (entry.audio, entry.flac_sha256));
            }
        }
        ItemCache { folder, log_name, known, log: Mutex::new(None) }
    }

    /// The key of an item: what its output depends on and nothing else.
    pub fn key(source_sha256: &str, source: &str) -> String {
        let digest = Sha256::digest(format!("{PIPELINE_VERSION}\n{source_sha256}\n{source}").as_bytes());
        hex::encode(&digest[..16])
    }

    /// A cached conversion whose FLAC file still exists, with the FLAC's SHA-256.
    pub fn get(&self, key: &str, audio_folder: &Path) -> Option<(ConvertedAudio, Option<String>)> {
        let (converted, flac_sha256) = self.known.get(key)?;
        audio_folder.join(&converted.file_id).is_file().then(|| (converted.clone(), flac_sha256.clone()))
    }

    /// Records a conversion whose FLAC is in place: one appended line.
    pub fn put(&self, key: &str, converted: &ConvertedAudio, flac_sha256: &str) -> std::io::Result<()> {
        let entry =
            Entry { key: key.to_string(), audio: converted.clone(), flac_sha256: Some(flac_sha256.to_string()) };
        let mut line = serde_json::to_vec(&entry).expect("a cache entry serialises");
        line.push(b'\n');
        // A panic elsewhere while the log was held leaves it usable (whole lines only).
        let mut log = self.log.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if log.is_none() {
            std::fs::create_dir_all(&self.folder)?;
            let file = std::fs::OpenOptions::new().create(true).append(true).open(self.folder.join(&self.log_name))?;
            *log = Some(file);
        }
        log.as_mut().expect("opened above").write_all(&line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn audio(file_id: &str) -> ConvertedAudio {
        ConvertedAudio {
            file_id: file_id.to_string(),
            frames: 16_000,
            source_rate: 48_000,
            source_channels: 2,
            peak: 1000,
            clipped: 0,
        }
    }

    #[test]
    fn entries_survive_a_reopen_and_a_torn_line_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let audio_folder = dir.path().join("audio");
        std::fs::create_dir_all(&audio_folder).unwrap();
        std::fs::write(audio_folder.join("a.flac"), b"x").unwrap();
        let cache = ItemCache::open(dir.path(), "cafe", None);
        assert!(cache.get("k1", &audio_folder).is_none());
        cache.put("k1", &audio("a.flac"), "ab").unwrap();
        cache.put("k2", &audio("b.flac"), "cd").unwrap();
        let log = dir.path().join(".cameo/cache/cafe/items.jsonl");
        let mut text = std::fs::read_to_string(&log).unwrap();
        assert_eq!(text.lines().count(), 2);
        text.push_str("{\"key\":\"k3\",\"file_");
        std::fs::write(&log, text).unwrap();
        let again = ItemCache::open(dir.path(), "cafe", None);
        assert_eq!(again.get("k1", &audio_folder), Some((audio("a.flac"), Some("ab".to_string()))));
        assert!(again.get("k2", &audio_folder).is_none(), "its FLAC is gone");
        assert!(again.get("k3", &audio_folder).is_none(), "a torn line is no entry");
    }

    #[test]
    fn a_shard_writes_its_own_log_and_a_whole_build_reads_them_all() {
        let dir = tempfile::tempdir().unwrap();
        let audio_folder = dir.path().join("audio");
        std::fs::create_dir_all(&audio_folder).unwrap();
        for name in ["a.flac", "b.flac"] {
            std::fs::write(audio_folder.join(name), b"x").unwrap();
        }
        let shard = |text: &str| Some(text.parse::<super::super::shard::Shard>().unwrap());
        ItemCache::open(dir.path(), "cafe", shard("1/2")).put("k1", &audio("a.flac"), "ab").unwrap();
        ItemCache::open(dir.path(), "cafe", shard("2/2")).put("k2", &audio("b.flac"), "cd").unwrap();
        assert!(dir.path().join(".cameo/cache/cafe/items.shard-1-of-2.jsonl").is_file());
        let whole = ItemCache::open(dir.path(), "cafe", None);
        assert!(whole.get("k1", &audio_folder).is_some() && whole.get("k2", &audio_folder).is_some());
    }
}
