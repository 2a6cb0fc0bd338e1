//! The transcription stage of one split, run after its conversion: recognise the samples that
//! need it (in parallel, cached), then decide each record's transcription and source and write
//! down what was found. The outcome depends only on the audio, the model and the candidates,
//! never on the thread count: results are gathered back in record (file_id) order.
use super::align::{align, Candidates, Verdict};
use super::cache::AsrCache;
use super::report::{Mismatch, TranscriptionReport, Unclear, Unrecognised};
use super::{Decoding, Recognizer, TranscribeError, Transcript};
use crate::collection::split::SplitState;
use crate::manifest::{Manifest, TranscriptionOrigin};
use crate::progress::Progress;
use crate::record::{Record, TranscriptionSource};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::path::Path;
use unicode_normalization::UnicodeNormalization;

/// What the stage needs to know about a split.
pub struct SplitTranscription<'a> {
    /// The build folder (FLAC files and the cache).
    pub out: &'a Path,
    pub manifest: &'a Manifest,
    pub recognizer: &'a dyn Recognizer,
    pub quiet: bool,
}

// By hand: the recogniser is a trait object without Debug.
impl std::fmt::Debug for SplitTranscription<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SplitTranscription")
            .field("out", &self.out)
            .field("split", &self.manifest.id)
            .finish_non_exhaustive()
    }
}

/// Counters for the run section of build.json.
#[derive(Debug, Default)]
pub struct AsrRunFacts {
    /// Samples recognised in this run, and the seconds of audio they hold.
    pub recognised: usize,
    pub recognised_audio_seconds: f64,
    /// Samples whose text came from the cache.
    pub reused: usize,
    /// Wall-clock seconds of the stage (decoding, recognition, alignment).
    pub seconds: f64,
}

/// A sample's recognition and whether it came from the cache, or why there is none.
type Heard = Result<(Transcript, bool), String>;

fn recognise(
    job: &SplitTranscription,
    cache: &AsrCache,
    record: &Record,
    decoding: Decoding,
) -> Result<Heard, TranscribeError> {
    let (model, language) = (job.recognizer.id(), job.manifest.language_code.as_str());
    if let Some(transcript) = cache.get(&record.file_id, model, language, decoding) {
        return Ok(Ok((transcript, true)));
    }
    let path = job.out.join(&record.audio);
    let flac = match crate::audio::flac_in::read_canonical_flac(&path) {
        Ok(flac) => flac,
        Err(error) => return Ok(Err(format!("cannot decode {}: {error}", record.audio))),
    };
    let samples: Vec<f32> = flac.samples.iter().map(|&s| f32::from(s) / 32768.0).collect();
    match job.recognizer.transcribe(&samples, language, decoding) {
        Ok(transcript) => {
            cache.put(&record.file_id, model, language, decoding, &transcript).map_err(|source| {
                TranscribeError::Io { path: super::cache::cache_root(job.out).join(record.split()), source }
            })?;
            Ok(Ok((transcript, false)))
        }
        Err(message) => Ok(Err(format!("recognition failed: {message}"))),
    }
}

fn unrecognised(record: &Record, reason: &str) -> Unrecognised {
    Unrecognised { file_id: record.file_id.clone(), source: record.source.clone(), reason: reason.to_string() }
}

/// Runs the stage on a built split: its records get their final transcription and source, its
/// state the report. Corpora with their own text are left alone.
pub fn transcribe_split(
    job: &SplitTranscription,
    state: &mut SplitState,
    facts: &mut AsrRunFacts,
) -> Result<(), TranscribeError> {
    let origin = job.manifest.transcription.source;
    state.transcription = None;
    if origin == TranscriptionOrigin::Corpus {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let split = state.report.split.clone();
    let cache = AsrCache::new(job.out, &split);
    let silent: BTreeSet<&str> = state.report.silent.iter().map(String::as_str).collect();
    let wanted = state.records.iter().filter(|r| !silent.contains(r.file_id.as_str())).count();
    // Candidates are read before any record changes: the manifest's list and the corpus' texts.
    let candidates = match origin {
        TranscriptionOrigin::SentenceList => Candidates::new(
            job.manifest
                .sentences
                .values()
                .map(String::as_str)
                .chain(state.records.iter().filter_map(|r| r.transcription.as_deref())),
        ),
        _ => Candidates::default(),
    };
    // A sample says one of the candidates, so decoding may stop after as many sentences as the
    // longest has; free transcription runs to the end.
    let decoding = Decoding { max_sentences: candidates.max_sentences() };
    let progress = Progress::items(&format!("{split} asr"), wanted as u64, "samples", job.quiet);
    // One entry per record, None for the silent ones.
    let heard: Vec<Option<Heard>> = state
        .records
        .par_iter()
        .map(|record| {
            if silent.contains(record.file_id.as_str()) {
                return Ok(None);
            }
            let heard = recognise(job, &cache, record, decoding);
            progress.inc();
            heard.map(Some)
        })
        .collect::<Result<_, _>>()?;
    progress.finish();

    let mut report = TranscriptionReport {
        origin,
        model: job.recognizer.id().to_string(),
        language: job.manifest.language_code.clone(),
        candidates: candidates.len(),
        recognised: 0,
        agreed: 0,
        chosen: 0,
        mismatches: Vec::new(),
        unclear: Vec::new(),
        asr_texts: 0,
        empty: Vec::new(),
        skipped: Vec::new(),
    };
    for (record, heard) in state.records.iter_mut().zip(heard) {
        let Transcript { text, looped } = match heard {
            None => {
                report.skipped.push(unrecognised(record, "digital silence: nothing to recognise"));
                continue;
            }
            Some(Ok((transcript, reused))) => {
                if reused {
                    facts.reused += 1;
                } else {
                    facts.recognised += 1;
                    facts.recognised_audio_seconds += record.duration;
                }
                transcript
            }
            Some(Err(reason)) => {
                report.skipped.push(unrecognised(record, &reason));
                continue;
            }
        };
        report.recognised += 1;
        let text: String = text.trim().nfc().collect();
        if looped {
            // A repetition loop is no transcription: the sample keeps what it had (null for a
            // corpus without text) and is listed with the loop's start as what was heard.
            report.unclear.push(Unclear {
                file_id: record.file_id.clone(),
                source: record.source.clone(),
                labelled: record.transcription.clone(),
                heard: text,
                nearest: None,
                distance: 1.0,
                looped: true,
            });
            continue;
        }
        if origin == TranscriptionOrigin::None {
            if text.is_empty() {
                report.empty.push(unrecognised(record, "the recogniser heard no words"));
                record.transcription = None;
                record.transcription_source = None;
            } else {
                report.asr_texts += 1;
                record.transcription = Some(text);
                record.transcription_source = Some(TranscriptionSource::Asr);
            }
            continue;
        }
        match align(&text, record.transcription.as_deref(), &candidates) {
            Verdict::Agrees { .. } => {
                report.agreed += 1;
                record.transcription_source = Some(TranscriptionSource::Aligned);
            }
            Verdict::Chosen { chosen, .. } => {
                report.chosen += 1;
                record.transcription = Some(chosen);
                record.transcription_source = Some(TranscriptionSource::Aligned);
            }
            Verdict::Mismatch { chosen, labelled_distance, chosen_distance } => {
                report.mismatches.push(Mismatch {
                    file_id: record.file_id.clone(),
                    source: record.source.clone(),
                    labelled: record.transcription.clone().unwrap_or_default(),
                    heard: text,
                    chosen: chosen.clone(),
                    labelled_distance,
                    chosen_distance,
                });
                record.transcription = Some(chosen);
                record.transcription_source = Some(TranscriptionSource::Aligned);
            }
            Verdict::Unclear { nearest, distance } => report.unclear.push(Unclear {
                file_id: record.file_id.clone(),
                source: record.source.clone(),
                labelled: record.transcription.clone(),
                heard: text,
                nearest,
                distance,
                looped: false,
            }),
        }
    }
    state.transcription = Some(report);
    facts.seconds += started.elapsed().as_secs_f64();
    Ok(())
}
