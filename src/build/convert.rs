//! Turning items into canonical FLAC files, one work unit at a time: a whole-file item alone,
//! or every item that shares one file (segments of a long recording, rows of a parquet table)
//! together, so that file is read once, front to back. Cached items are not decoded again.
use super::cache::ItemCache;
use crate::audio::embedded::for_each_embedded_file;
use crate::audio::segment::{frame_at, SegmentCutter, SliceStream};
use crate::audio::{convert_to_flac_bytes, open_bytes, open_source, AudioError, ConvertedAudio, PcmStream};
use crate::corpora::{AudioLocation, Reject, SourceItem};
use crate::progress::Progress;
use crate::record::Emotion;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Segments cut before their conversion runs in parallel; PAVOQUE's are ~3 s, so a batch
/// holds some 10 MB of samples.
const SEGMENT_BATCH: usize = 32;

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

/// A labelled item waiting for conversion: its place in the split's item order, its file's
/// hash and its CAMEO label.
pub struct Pending<'a> {
    pub index: usize,
    pub item: &'a SourceItem,
    pub source_sha: &'a str,
    pub emotion: Emotion,
}

/// Everything a conversion needs to know about the split.
pub struct Converter<'a> {
    pub paths: &'a crate::corpora::walk::SourcePaths,
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
    key: String,
}

impl Converter<'_> {
    /// Converts one work unit (all items share a file when there is more than one) and returns
    /// each item's outcome with its index.
    pub fn convert_group(&self, group: &[Pending]) -> Vec<(usize, ItemOutcome)> {
        let mut outcomes = Vec::with_capacity(group.len());
        let mut todo = Vec::new();
        for pending in group {
            match self.prepare(pending) {
                Prepared::Known(outcome) => self.finish(&mut outcomes, pending, *outcome),
                Prepared::Convert { key } => todo.push(Todo { pending, key }),
            }
        }
        if todo.is_empty() {
            return outcomes;
        }
        let file = self.paths.path(todo[0].pending.item.location.file());
        match &todo[0].pending.item.location {
            AudioLocation::File(_) => {
                for job in &todo {
                    let converted = open_source(&file).and_then(|mut stream| self.encode(stream.as_mut(), &job.key));
                    self.finish(&mut outcomes, job.pending, self.outcome(job, converted));
                }
            }
            AudioLocation::Segment { .. } => self.convert_segments(&file, &todo, &mut outcomes),
            AudioLocation::TableRow { column, .. } => self.convert_rows(&file, column, &todo, &mut outcomes),
        }
        outcomes
    }

    /// What can be known without decoding: a cached result, or that the build stopped.
    fn prepare(&self, pending: &Pending) -> Prepared {
        let item = pending.item;
        if self.stopped.load(Ordering::Relaxed) || crate::interrupt::requested().is_some() {
            return Prepared::Known(Box::new(ItemOutcome::Abandoned));
        }
        let key = ItemCache::key(pending.source_sha, &item.location.source());
        match self.cache.get(&key, self.audio_folder) {
            Some((audio, flac_sha256)) => Prepared::Known(Box::new(ItemOutcome::Converted {
                item: item.clone(),
                emotion: pending.emotion,
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
        // Decoding is sequential; the cut segments are resampled and encoded in parallel, a
        // batch at a time, so memory stays bounded by a batch of segments.
        for batch in todo.chunks(SEGMENT_BATCH) {
            // Items arrive sorted by start (the split sorts by location), as the cutter needs.
            let cuts: Vec<Result<SliceStream, AudioError>> = batch
                .iter()
                .map(|job| match &job.pending.item.location {
                    AudioLocation::Segment { start, end, .. } => frame_at(*start, rate)
                        .and_then(|first| Ok((first, frame_at(*end, rate)?)))
                        .and_then(|(first, last)| cutter.cut(first, last)),
                    _ => Err(AudioError::Malformed("a whole-file item among the segments of one file".into())),
                })
                .collect();
            let converted: Vec<Result<(ConvertedAudio, String), AudioError>> = cuts
                .into_par_iter()
                .zip(batch.par_iter())
                .map(|(cut, job)| cut.and_then(|mut segment| self.encode(&mut segment, &job.key)))
                .collect();
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
                emotion: job.pending.emotion,
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
