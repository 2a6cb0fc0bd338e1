//! Turning items into canonical FLAC files, one work unit at a time: a whole-file item alone,
//! or every item that shares one file (segments of a long recording, rows of a parquet table)
//! together, so that file is read once, front to back. Each unit also hashes its file (the
//! hash keys source de-duplication, the cache and provenance): a whole file is read into
//! memory once, hashed, and decoded from those bytes. Cached items are not decoded again.
use super::cache::ItemCache;
use crate::audio::embedded::for_each_embedded_file;
use crate::audio::segment::{frame_at, SegmentCutter, SliceStream};
use crate::audio::{
    convert_to_flac_bytes, open_bytes, open_source, open_source_bytes, AudioError, ConvertedAudio, PcmStream,
};
use crate::corpora::{AudioLocation, Reject, SourceItem};
use crate::progress::Progress;
use crate::record::Emotion;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Segments cut before their conversion runs in parallel; PAVOQUE's are ~3 s, so a batch
/// holds some 10 MB of samples.
const SEGMENT_BATCH: usize = 32;

/// A whole-file source up to this size is read into memory once, hashed and decoded from
/// there; a larger one (a long video) is hashed and decoded in two streaming passes, so each
/// thread holds at most this much of a source (clips are a few MB).
const READ_WHOLE_LIMIT: u64 = 16 << 20;

/// How one item turned out.
pub enum ItemOutcome {
    Converted {
        item: SourceItem,
        emotion: Emotion,
        audio: ConvertedAudio,
        /// The SHA-256 of the FLAC file's bytes (None from a cache written before it was kept).
        flac_sha256: Option<String>,
        reused: bool,
    },
    Rejected(Reject),
    /// Its output could not be written; the split (and the build) stops with this error.
    OutputFailed(String),
    /// Not attempted because an earlier output failure stopped the build.
    Abandoned,
}

/// An item waiting for its unit: its place in the split's item order and its CAMEO label.
pub struct Pending<'a> {
    pub index: usize,
    pub item: &'a SourceItem,
    /// None when the label maps to no CAMEO emotion: the item is not converted, but its file
    /// is still hashed (a later copy of it is a duplicate, not a sample).
    pub emotion: Option<Emotion>,
}

/// The SHA-256 and size of a source file, or why it could not be read.
pub type FileHash = std::io::Result<(String, u64)>;

/// What one work unit gives: its file's hash and the outcome of each item it converted.
pub struct UnitOutcome<'a> {
    pub file: &'a str,
    pub hash: FileHash,
    pub outcomes: Vec<(usize, ItemOutcome)>,
}

/// Everything a conversion needs to know about the split.
pub struct Converter<'a> {
    pub audio_folder: &'a Path,
    pub cache: &'a ItemCache,
    pub progress: &'a Progress,
    /// Set by the first output failure (e.g. a full disk): converting more would only fail
    /// again, and the earlier build's outputs must be left as they are.
    pub stopped: &'a AtomicBool,
}

enum Prepared {
    // Boxed: an outcome is large and most items take the other way on a first build.
    Known(Box<ItemOutcome>),
    Convert { key: String },
}

/// An item with no cached result yet.
struct Todo<'a> {
    pending: &'a Pending<'a>,
    emotion: Emotion,
    key: String,
}

/// Reads a whole source file once when it is small enough: its hash, and its bytes for the
/// decoder (None for a larger file, which is hashed here and decoded from the file later).
fn read_and_hash(path: &Path) -> (FileHash, Option<Vec<u8>>) {
    let read = || -> std::io::Result<Option<Vec<u8>>> {
        let mut file = std::fs::File::open(path)?;
        let size = file.metadata()?.len();
        if size > READ_WHOLE_LIMIT {
            return Ok(None);
        }
        let mut bytes = Vec::with_capacity(size as usize);
        file.read_to_end(&mut bytes)?;
        Ok(Some(bytes))
    };
    match read() {
        Ok(Some(bytes)) => (Ok((hex::encode(Sha256::digest(&bytes)), bytes.len() as u64)), Some(bytes)),
        Ok(None) => (crate::fsutil::sha256_file(path), None),
        Err(error) => (Err(error), None),
    }
}

impl Converter<'_> {
    /// Hashes and converts one work unit (all items share a file when there is more than one)
    /// whose file is on disk at `path`; returns the file's hash and each converted item's
    /// outcome with its index.
    pub fn convert_group<'a>(&self, group: &[Pending<'a>], path: &Path) -> UnitOutcome<'a> {
        let location = &group[0].item.location;
        let file = location.file();
        let mut outcomes = Vec::with_capacity(group.len());
        if self.halted() {
            // The split ends in an error (an output failure or a signal); nothing more is read.
            for pending in group.iter().filter(|pending| pending.emotion.is_some()) {
                self.finish(&mut outcomes, pending, ItemOutcome::Abandoned);
            }
            return UnitOutcome { file, hash: Err(std::io::Error::other("not read: the build stopped")), outcomes };
        }
        let (hash, mut bytes) = match location {
            AudioLocation::File(_) => read_and_hash(path),
            _ => (crate::fsutil::sha256_file(path), None),
        };
        let Ok((source_sha, _)) = &hash else { return UnitOutcome { file, hash, outcomes } };
        let mut todo = Vec::new();
        for pending in group {
            let Some(emotion) = pending.emotion else { continue };
            match self.prepare(pending, emotion, source_sha) {
                Prepared::Known(outcome) => self.finish(&mut outcomes, pending, *outcome),
                Prepared::Convert { key } => todo.push(Todo { pending, emotion, key }),
            }
        }
        match location {
            _ if todo.is_empty() => {}
            AudioLocation::File(_) => {
                for job in &todo {
                    let stream = match bytes.take() {
                        Some(bytes) => open_source_bytes(bytes, path),
                        None => open_source(path),
                    };
                    let converted = stream.and_then(|mut stream| self.encode(stream.as_mut(), &job.key));
                    self.finish(&mut outcomes, job.pending, self.outcome(job, converted));
                }
            }
            AudioLocation::Segment { .. } => self.convert_segments(path, &todo, &mut outcomes),
            AudioLocation::TableRow { column, .. } => self.convert_rows(path, column, &todo, &mut outcomes),
        }
        UnitOutcome { file, hash, outcomes }
    }

    /// Whether an output failure or a signal stopped the build.
    fn halted(&self) -> bool {
        self.stopped.load(Ordering::Relaxed) || crate::interrupt::requested().is_some()
    }

    /// What can be known without decoding: a cached result, or that the build stopped.
    fn prepare(&self, pending: &Pending, emotion: Emotion, source_sha: &str) -> Prepared {
        let item = pending.item;
        if self.halted() {
            return Prepared::Known(Box::new(ItemOutcome::Abandoned));
        }
        let key = ItemCache::key(source_sha, &item.location.source());
        match self.cache.get(&key, self.audio_folder) {
            Some((audio, flac_sha256)) => Prepared::Known(Box::new(ItemOutcome::Converted {
                item: item.clone(),
                emotion,
                audio,
                flac_sha256,
                reused: true,
            })),
            None => Prepared::Convert { key },
        }
    }

    fn convert_segments(&self, file: &Path, todo: &[Todo], outcomes: &mut Vec<(usize, ItemOutcome)>) {
        let mut cutter = match open_source(file) {
            Ok(stream) => SegmentCutter::new(stream),
            Err(error) => return self.fail_all(todo, &error, outcomes),
        };
        let rate = cutter.sample_rate();
        // Items arrive sorted by start (the split sorts by location), as the cutter needs.
        let mut cut_batch = |batch: &[Todo]| -> Vec<Result<SliceStream, AudioError>> {
            batch
                .iter()
                .map(|job| match &job.pending.item.location {
                    AudioLocation::Segment { start, end, .. } => frame_at(*start, rate)
                        .and_then(|first| Ok((first, frame_at(*end, rate)?)))
                        .and_then(|(first, last)| cutter.cut(first, last)),
                    _ => Err(AudioError::Malformed("a whole-file item among the segments of one file".into())),
                })
                .collect()
        };
        // Decoding is sequential: while one batch of cut segments is resampled and encoded by
        // the other threads, this one decodes and cuts the next, so no core waits for the
        // decoder. Memory stays bounded by two batches of segments.
        let mut batches = todo.chunks(SEGMENT_BATCH);
        let mut current = batches.next().map(|batch| (batch, cut_batch(batch)));
        while let Some((batch, cuts)) = current.take() {
            let mut converted: Vec<Result<(ConvertedAudio, String), AudioError>> = Vec::new();
            rayon::in_place_scope(|scope| {
                scope.spawn(|_| {
                    converted = cuts
                        .into_par_iter()
                        .zip(batch.par_iter())
                        .map(|(cut, job)| cut.and_then(|mut segment| self.encode(&mut segment, &job.key)))
                        .collect();
                });
                current = batches.next().map(|next| (next, cut_batch(next)));
            });
            for (job, converted) in batch.iter().zip(converted) {
                self.finish(outcomes, job.pending, self.outcome(job, converted));
            }
        }
    }

    fn convert_rows(&self, file: &Path, column: &str, todo: &[Todo], outcomes: &mut Vec<(usize, ItemOutcome)>) {
        let row_of = |job: &Todo| match &job.pending.item.location {
            AudioLocation::TableRow { row, .. } => *row,
            _ => usize::MAX,
        };
        let wanted: BTreeSet<usize> = todo.iter().map(row_of).collect();
        let mut done = BTreeSet::new();
        let read = for_each_embedded_file(file, column, &wanted, |row, bytes| {
            // Rows are unique within a split (identical locations are duplicates by definition).
            if let Some(job) = todo.iter().find(|job| row_of(job) == row) {
                let converted =
                    bytes.and_then(open_bytes).and_then(|mut stream| self.encode(stream.as_mut(), &job.key));
                self.finish(outcomes, job.pending, self.outcome(job, converted));
            }
            done.insert(row);
        });
        if let Err(error) = read {
            let left: Vec<&Todo> = todo.iter().filter(|job| !done.contains(&row_of(job))).collect();
            for job in left {
                self.finish(outcomes, job.pending, self.outcome(job, Err(clone_error(&error))));
            }
        }
    }

    fn fail_all(&self, todo: &[Todo], error: &AudioError, outcomes: &mut Vec<(usize, ItemOutcome)>) {
        for job in todo {
            self.finish(outcomes, job.pending, self.outcome(job, Err(clone_error(error))));
        }
    }

    /// Encodes a stream in memory, stores the FLAC under its file_id and caches the result;
    /// returns the audio facts and the FLAC's SHA-256 (for SHA256SUMS, so no one reads the
    /// file back for it).
    fn encode(&self, stream: &mut dyn PcmStream, key: &str) -> Result<(ConvertedAudio, String), AudioError> {
        let (audio, flac) = convert_to_flac_bytes(stream)?;
        let flac_sha256 = hex::encode(Sha256::digest(&flac));
        let output_error =
            |error: std::io::Error| AudioError::Output(format!("cannot store the converted audio: {error}"));
        let path = self.audio_folder.join(&audio.file_id);
        // A FLAC under its file_id is whole (it only gets there by rename) and its bytes follow
        // from the file_id, so a sample converted before (a duplicate, a lost cache) is not
        // written again.
        if !path.is_file() {
            let temporary = self.audio_folder.join(format!(".partial-{key}.flac"));
            let stored = std::fs::write(&temporary, &flac).and_then(|()| std::fs::rename(&temporary, &path));
            if let Err(error) = stored {
                let _ = std::fs::remove_file(&temporary);
                return Err(output_error(error));
            }
        }
        self.cache.put(key, &audio, &flac_sha256).map_err(output_error)?;
        Ok((audio, flac_sha256))
    }

    fn outcome(&self, job: &Todo, converted: Result<(ConvertedAudio, String), AudioError>) -> ItemOutcome {
        match converted {
            Ok((audio, flac_sha256)) => ItemOutcome::Converted {
                item: job.pending.item.clone(),
                emotion: job.emotion,
                audio,
                flac_sha256: Some(flac_sha256),
                reused: false,
            },
            Err(error) if error.is_output() => {
                self.stopped.store(true, Ordering::Relaxed);
                ItemOutcome::OutputFailed(format!("{}: {error}", job.pending.item.location.source()))
            }
            Err(error) => self.reject(job.pending.item, error.to_string()),
        }
    }

    fn reject(&self, item: &SourceItem, reason: String) -> ItemOutcome {
        ItemOutcome::Rejected(Reject { source: item.location.source(), reason })
    }

    fn finish(&self, outcomes: &mut Vec<(usize, ItemOutcome)>, pending: &Pending, outcome: ItemOutcome) {
        self.progress.inc();
        outcomes.push((pending.index, outcome));
    }
}

/// Audio errors hold an io::Error and cannot derive Clone; one failure shared by many items
/// is repeated by its message.
fn clone_error(error: &AudioError) -> AudioError {
    match error {
        AudioError::Output(message) => AudioError::Output(message.clone()),
        other => AudioError::Other(other.to_string()),
    }
}
