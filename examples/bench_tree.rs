//! Writes the raw tree of the throughput benchmark (scripts/bench): about 3 hours of audio in
//! the shapes the 13 corpora arrive in, laid out as real corpora so `cameo build` takes it as
//! it is, and a list of every input file with its duration for the reference pipelines.
//!
//! | corpus layout | shape                         | files | seconds each |
//! |---------------|-------------------------------|-------|--------------|
//! | RAVDESS       | 48 kHz stereo 16-bit WAV      |   720 | 3.6          |
//! | CaFE          | 48 kHz mono 24-bit WAV        |   936 | 2.8          |
//! | CREMA-D       | 16 kHz mono 16-bit WAV        |   984 | 2.5          |
//! | JL-Corpus     | 44.1 kHz mono 16-bit WAV      |   640 | 2.5          |
//! | PAVOQUE       | one long 44.1 kHz FLAC + YAML |     1 | ~30 min      |
//!
//! With `--short`, the second tree instead: 1,020 short files (2–4 s) in the RAVDESS layout,
//! each in a shape drawn from its name: 48, 44.1, 32, 24, 22.05, 16, 11.025 or 8 kHz, mono or
//! stereo, 16- or 24-bit integer or 32-bit float WAV. There the cost per file (opening,
//! starting an encoder, metadata) weighs as much as the cost per second of audio.
//!
//! Usage: cargo run --release --example bench_tree -- <raw folder> [--short]
use cameo::fixtures::signal::{seed_of, speechlike};
use cameo::fixtures::wav::{encode, WavSpec};
use cameo::fixtures::{cafe, crema_d, jl_corpus, pavoque, ravdess, write_file};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Writes each name as a WAV of `spec` holding `seconds` of distinct speech-like audio.
fn write_wavs(root: &Path, names: &[String], spec: WavSpec, seconds: f64) -> std::io::Result<()> {
    names.par_iter().try_for_each(|name| {
        let channels: Vec<Vec<f64>> = (0..spec.channels as u64)
            .map(|channel| speechlike(seed_of(name) ^ channel, spec.sample_rate, seconds))
            .collect();
        write_file(root, name, &encode(&spec, &Default::default(), &channels))
    })
}

/// The short-file tree: each name gets a rate, channel count, sample format and length of its own.
fn write_short_tree(root: &Path) -> std::io::Result<()> {
    const RATES: [u32; 8] = [48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 11_025, 8_000];
    ravdess::population(1..=17).par_iter().try_for_each(|name| {
        let seed = seed_of(name);
        let rate = RATES[(seed % 8) as usize];
        let channels = 1 + (seed >> 3) as u16 % 2;
        let spec = match (seed >> 4) % 3 {
            0 => WavSpec::int(16, channels, rate),
            1 => WavSpec::int(24, channels, rate),
            _ => WavSpec::float(32, channels, rate),
        };
        let seconds = 2.0 + ((seed >> 8) % 2_001) as f64 / 1_000.0;
        let audio: Vec<Vec<f64>> =
            (0..channels as u64).map(|channel| speechlike(seed ^ channel, rate, seconds)).collect();
        write_file(&root.join("ravdess"), name, &encode(&spec, &Default::default(), &audio))
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let usage = "usage: bench_tree <raw folder> [--short]";
    let raw: PathBuf = std::env::args_os().nth(1).ok_or(usage)?.into();
    match std::env::args().nth(2).as_deref() {
        None => {}
        Some("--short") => {
            write_short_tree(&raw)?;
            println!("wrote the short-file benchmark tree into {}", raw.display());
            return Ok(());
        }
        Some(_) => return Err(usage.into()),
    }
    write_wavs(&raw.join("ravdess"), &ravdess::population(1..=12), WavSpec::int(16, 2, 48_000), 3.6)?;
    write_wavs(&raw.join("cafe"), &cafe::population(1..=12), WavSpec::int(24, 1, 48_000), 2.8)?;
    write_wavs(&raw.join("crema_d"), &crema_d::population(1001..=1012), WavSpec::int(16, 1, 16_000), 2.5)?;
    let stems = jl_corpus::population(&["female1", "male1"], 1..=8);
    jl_corpus::write_population(&raw.join("jl_corpus"), &stems, Some(2.5))?;
    // PAVOQUE: the neutral recording cut to ~30 minutes, five utterances of every other style.
    let mut recordings = pavoque::population(usize::MAX, 300..=800);
    for recording in &mut recordings {
        recording.utterances.truncate(if recording.style == "neutral" { 330 } else { 5 });
    }
    pavoque::write_population(&raw.join("pavoque"), &recordings, true)?;
    println!("wrote the benchmark tree into {}", raw.display());
    Ok(())
}
