//! Transcribes a list of 16 kHz WAV files with `cameo::whisper::WhisperModel` on N worker
//! threads (one whisper.cpp state each, one thread per utterance), as `cameo build --transcribe`
//! does; used by scripts/bench-whisper and for comparisons with faster-whisper.
//!
//! Usage: whisper_bench MODEL.bin JOBS.json [--threads N] [--repeat R] [--export DIR]
//!   JOBS.json: [{"wav": "...", "language": "en"}, ...], audio in any format cameo reads; it is
//!   brought to the collection's canonical 16 kHz 16-bit form first, as a build does.
//!   --export DIR: also write those canonical samples as DIR/NNNN.wav and DIR/jobs.json (the
//!   input tests/python/faster_whisper_transcribe.py takes), so both engines get the same samples.
//! Prints JSON: {"texts": [...], "seconds": wall time of the last repeat, "audio_seconds": ...,
//! "load_seconds": ...}.
use anyhow::{bail, Context, Result};
use cameo::audio::{convert_to_flac, flac_in::read_canonical_flac, open_source};
use cameo::fixtures::wav::{encode, WavSpec, WavWriterOptions};
use cameo::whisper::WhisperModel;
use rayon::prelude::*;
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut positional, mut threads, mut repeat, mut export) = (Vec::new(), 1usize, 1usize, None);
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--threads" => {
                threads = args.get(i + 1).context("--threads N")?.parse()?;
                i += 1;
            }
            "--export" => {
                export = Some(PathBuf::from(args.get(i + 1).context("--export DIR")?));
                i += 1;
            }
            "--repeat" => {
                repeat = args.get(i + 1).context("--repeat R")?.parse()?;
                i += 1;
            }
            other => positional.push(other.to_string()),
        }
        i += 1;
    }
    let [model_path, jobs_path] = positional.as_slice() else {
        bail!("usage: whisper_bench MODEL.bin JOBS.json [--threads N] [--repeat R]");
    };
    let jobs: Vec<serde_json::Value> = serde_json::from_slice(&std::fs::read(jobs_path)?)?;
    let scratch = tempfile::tempdir()?;
    let mut inputs = Vec::new();
    let mut exported = Vec::new();
    for (n, job) in jobs.iter().enumerate() {
        let source = PathBuf::from(job["wav"].as_str().context("job without wav")?);
        let language = job["language"].as_str().context("job without language")?.to_string();
        let flac = scratch.path().join(format!("{n}.flac"));
        let mut stream = open_source(&source).with_context(|| source.display().to_string())?;
        convert_to_flac(stream.as_mut(), &flac).with_context(|| source.display().to_string())?;
        let pcm = read_canonical_flac(&flac)?.samples;
        if let Some(dir) = &export {
            std::fs::create_dir_all(dir)?;
            let wav = dir.join(format!("{n:04}.wav"));
            let planar = vec![pcm.iter().map(|&s| s as f64 / 32768.0).collect::<Vec<f64>>()];
            std::fs::write(&wav, encode(&WavSpec::int(16, 1, 16_000), &WavWriterOptions::default(), &planar))?;
            exported.push(serde_json::json!({"wav": wav, "language": language}));
        }
        inputs.push((pcm.iter().map(|&s| s as f32 / 32768.0).collect::<Vec<f32>>(), language));
    }
    if let Some(dir) = &export {
        std::fs::write(dir.join("jobs.json"), serde_json::to_vec_pretty(&exported)?)?;
    }
    let start = Instant::now();
    let model = WhisperModel::load(std::path::Path::new(model_path))?;
    let load_seconds = start.elapsed().as_secs_f64();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    let (mut texts, mut seconds) = (Vec::new(), 0.0);
    for _ in 0..repeat {
        let start = Instant::now();
        texts = pool.install(|| {
            inputs
                .par_iter()
                .map(|(samples, language)| model.transcribe(samples, language))
                .collect::<Result<Vec<_>, _>>()
        })?;
        seconds = start.elapsed().as_secs_f64();
    }
    let audio_seconds: f64 = inputs.iter().map(|(s, _)| s.len() as f64 / 16_000.0).sum();
    println!(
        "{}",
        serde_json::json!({"texts": texts, "seconds": seconds, "audio_seconds": audio_seconds, "load_seconds": load_seconds})
    );
    Ok(())
}
