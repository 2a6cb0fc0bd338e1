//! Transcribes a list of WAV files with `cameo::whisper::WhisperModel` on N worker threads (one
//! whisper.cpp state each), as `cameo build --transcribe` does, and aligns the texts with each
//! job's candidate sentences as the build would; used by scripts/bench-whisper and
//! tests/whisper_real_speech.rs for comparisons with faster-whisper.
//!
//! Usage: whisper_bench MODEL.bin JOBS.json [--threads N] [--repeat R] [--export DIR]
//!                      [--call-threads N] [--full-window | --margin N] [--no-trim] [--no-loop-stop]
//!                      [--no-sentence-stop] [--texts TEXTS.json]
//!   JOBS.json: [{"wav": "...", "language": "en", "candidates": [...], "label": "...",
//!   "said": "..."}, ...] (the last three optional), audio in any format cameo reads; it is
//!   brought to the collection's canonical 16 kHz 16-bit form first, as a build does.
//!   --threads N: workers; --call-threads N: whisper.cpp threads per utterance.
//!   --full-window, --margin N, --no-trim, --no-loop-stop: engine settings (cameo::whisper::Settings).
//!   --no-sentence-stop: decode to the end even where the candidates are known.
//!   --texts FILE: align the texts of FILE ({"texts": [...]}, e.g. faster-whisper's) instead of
//!   recognising.
//!   --export DIR: also write those canonical samples as DIR/NNNN.wav and DIR/jobs.json (the
//!   input tests/python/faster_whisper_transcribe.py takes), so both engines get the same samples.
//! Prints JSON: {"texts": [...], "looped": [...], "verdicts": [...], "seconds": wall time of the
//! last repeat, "audio_seconds": ..., "load_seconds": ...}. A verdict is {"kind": "agrees",
//! "mismatch", "chosen" or "unclear", "sentence": the candidate decided on (or the nearest),
//! "distance": ..., "correct": whether that is "said"}.
use anyhow::{bail, Context, Result};
use cameo::audio::{convert_to_flac, flac_in::read_canonical_flac, open_source};
use cameo::fixtures::wav::{encode, WavSpec, WavWriterOptions};
use cameo::transcribe::align::{align, Candidates, Verdict};
use cameo::whisper::{Decoding, Settings, Transcript, WhisperModel};
use rayon::prelude::*;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Instant;

struct Job {
    samples: Vec<f32>,
    language: String,
    candidates: Option<Candidates>,
    label: Option<String>,
    said: Option<String>,
}

fn verdict(job: &Job, text: &str) -> Value {
    let Some(candidates) = &job.candidates else { return Value::Null };
    let (kind, sentence, distance) = match align(text, job.label.as_deref(), candidates) {
        Verdict::Agrees { distance } => ("agrees", job.label.clone(), distance),
        Verdict::Mismatch { chosen, chosen_distance, .. } => ("mismatch", Some(chosen), chosen_distance),
        Verdict::Chosen { chosen, distance } => ("chosen", Some(chosen), distance),
        Verdict::Unclear { nearest, distance } => ("unclear", nearest, distance),
    };
    let correct = job.said.is_some() && sentence == job.said;
    json!({"kind": kind, "sentence": sentence, "distance": distance, "correct": correct})
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut positional, mut threads, mut repeat, mut export, mut texts_file) =
        (Vec::new(), 1usize, 1usize, None, None);
    let mut settings = Settings::default();
    let mut sentence_stop = true;
    let mut i = 0;
    let value = |i: usize, what: &str| args.get(i + 1).cloned().with_context(|| what.to_string());
    while i < args.len() {
        match args[i].as_str() {
            "--threads" => threads = value(i, "--threads N")?.parse()?,
            "--call-threads" => settings.threads = value(i, "--call-threads N")?.parse()?,
            "--margin" => settings.audio_ctx_margin = Some(value(i, "--margin N")?.parse()?),
            "--export" => export = Some(PathBuf::from(value(i, "--export DIR")?)),
            "--repeat" => repeat = value(i, "--repeat R")?.parse()?,
            "--texts" => texts_file = Some(PathBuf::from(value(i, "--texts FILE")?)),
            flag => {
                match flag {
                    "--full-window" => settings.audio_ctx_margin = None,
                    "--no-trim" => settings.trim_silence = false,
                    "--no-loop-stop" => settings.stop_loops = false,
                    "--no-sentence-stop" => sentence_stop = false,
                    other => positional.push(other.to_string()),
                }
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    let [model_path, jobs_path] = positional.as_slice() else {
        bail!("usage: whisper_bench MODEL.bin JOBS.json [--threads N] [--repeat R] [--texts FILE] ...");
    };
    let specs: Vec<Value> = serde_json::from_slice(&std::fs::read(jobs_path)?)?;
    let scratch = tempfile::tempdir()?;
    let mut jobs = Vec::new();
    let mut exported = Vec::new();
    for (n, spec) in specs.iter().enumerate() {
        let source = PathBuf::from(spec["wav"].as_str().context("job without wav")?);
        let language = spec["language"].as_str().context("job without language")?.to_string();
        let flac = scratch.path().join(format!("{n}.flac"));
        let mut stream = open_source(&source).with_context(|| source.display().to_string())?;
        convert_to_flac(stream.as_mut(), &flac).with_context(|| source.display().to_string())?;
        let pcm = read_canonical_flac(&flac)?.samples;
        if let Some(dir) = &export {
            std::fs::create_dir_all(dir)?;
            let wav = dir.join(format!("{n:04}.wav"));
            let planar = vec![pcm.iter().map(|&s| s as f64 / 32768.0).collect::<Vec<f64>>()];
            std::fs::write(&wav, encode(&WavSpec::int(16, 1, 16_000), &WavWriterOptions::default(), &planar))?;
            let mut copy = spec.clone();
            copy["wav"] = json!(wav);
            exported.push(copy);
        }
        let strings = |key: &str| spec[key].as_array().map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>());
        jobs.push(Job {
            samples: pcm.iter().map(|&s| s as f32 / 32768.0).collect(),
            language,
            candidates: strings("candidates").map(Candidates::new),
            label: spec["label"].as_str().map(str::to_string),
            said: spec["said"].as_str().map(str::to_string),
        });
    }
    if let Some(dir) = &export {
        std::fs::write(dir.join("jobs.json"), serde_json::to_vec_pretty(&exported)?)?;
    }
    let audio_seconds: f64 = jobs.iter().map(|j| j.samples.len() as f64 / 16_000.0).sum();
    let (transcripts, seconds, load_seconds) = if let Some(file) = texts_file {
        let given: Value = serde_json::from_slice(&std::fs::read(&file)?)?;
        let texts = given["texts"].as_array().context("--texts: no texts")?;
        let transcripts: Vec<Transcript> = texts
            .iter()
            .map(|t| Transcript { text: t.as_str().unwrap_or_default().to_string(), looped: false })
            .collect();
        (transcripts, given["seconds"].as_f64().unwrap_or(0.0), 0.0)
    } else {
        let start = Instant::now();
        let model = WhisperModel::load_with(std::path::Path::new(model_path), settings)?;
        let load_seconds = start.elapsed().as_secs_f64();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
        let (mut transcripts, mut seconds) = (Vec::new(), 0.0);
        for _ in 0..repeat {
            let start = Instant::now();
            transcripts = pool.install(|| {
                jobs.par_iter()
                    .map(|job| {
                        let max_sentences =
                            job.candidates.as_ref().filter(|_| sentence_stop).and_then(Candidates::max_sentences);
                        model.transcribe_with(&job.samples, &job.language, Decoding { max_sentences })
                    })
                    .collect::<Result<Vec<_>, _>>()
            })?;
            seconds = start.elapsed().as_secs_f64();
        }
        (transcripts, seconds, load_seconds)
    };
    let verdicts: Vec<Value> = jobs.iter().zip(&transcripts).map(|(job, t)| verdict(job, &t.text)).collect();
    println!(
        "{}",
        json!({
            "texts": transcripts.iter().map(|t| &t.text).collect::<Vec<_>>(),
            "looped": transcripts.iter().map(|t| t.looped).collect::<Vec<_>>(),
            "verdicts": verdicts,
            "seconds": seconds, "audio_seconds": audio_seconds, "load_seconds": load_seconds,
        })
    );
    Ok(())
}
