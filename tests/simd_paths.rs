//! The build's bytes do not depend on the vector form (of the resampler, of the decoding and
//! quantising loops, src/audio/widest.rs, and of libFLAC's encoder routines, which a forced
//! form limits, src/audio/flac_out.rs): the same raw tree built with every form this
//! CPU runs (forced with CAMEO_SIMD) gives the same output, byte for byte. The unit tests
//! compare the forms sample by sample; this checks that the whole pipeline, through the
//! binary, agrees too, for every WAV sample format and channel layout and for FLAC sources.
mod common;

use cameo::audio::resample::{SimdPath, SIMD_ENV};
use cameo::fixtures::signal::{seed_of, speechlike};
use cameo::fixtures::wav::{encode, WavSpec};
use cameo::fixtures::{pavoque, ravdess, write_file};
use common::*;
use std::path::Path;
use std::process::Command;

fn build_with(path: SimdPath, raw: &Path, out: &Path) {
    let output = Command::new(cameo_bin())
        .args(["build", "--quiet", "--jobs", "2", "--raw"])
        .arg(raw)
        .arg("--out")
        .arg(out)
        .env(SIMD_ENV, path.name())
        .output()
        .unwrap();
    assert!(output.status.success(), "{path:?}: {}", String::from_utf8_lossy(&output.stderr));
    assert!(output.stderr.is_empty(), "{path:?}: {}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn every_vector_form_of_the_resampler_builds_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    // Every rate family the kernels have (up = 1, 2, 40, 80, 160, 320, 640), every sample
    // format the WAV reader has, in mono, stereo and three channels.
    let rates = [48_000, 8_000, 44_100, 22_050, 11_025, 32_000, 24_000, 16_000];
    let formats = [(false, 16), (false, 24), (true, 32), (false, 8), (false, 32), (true, 64)];
    for (i, name) in ravdess::population(1..=1).iter().take(36).enumerate() {
        let (float, bits) = formats[i % formats.len()];
        let spec = WavSpec { bits, float, channels: 1 + (i % 3) as u16, sample_rate: rates[i % rates.len()] };
        let channels: Vec<Vec<f64>> = (0..spec.channels as u64)
            .map(|channel| speechlike(seed_of(name) ^ channel, spec.sample_rate, 0.3 + i as f64 * 0.05))
            .collect();
        write_file(&raw.join("ravdess"), name, &encode(&spec, &Default::default(), &channels)).unwrap();
    }
    // 16 kHz mono FLAC recordings cut into segments: the FLAC decoder's loop, no resampling.
    pavoque::write_population(&raw.join("pavoque"), &pavoque::population(3, 150..=400), true).unwrap();
    let paths = SimdPath::all_here();
    let reference = dir.path().join("portable");
    build_with(SimdPath::Portable, &raw, &reference);
    let expected = tree_bytes(&reference);
    for split in ["ravdess", "pavoque"] {
        let flacs = expected.keys().filter(|name| name.starts_with(&format!("audio/{split}/"))).count();
        assert!(flacs >= 15, "{split}: only {flacs} samples built");
    }
    for path in paths.into_iter().filter(|&path| path != SimdPath::Portable) {
        let out = dir.path().join(path.name());
        build_with(path, &raw, &out);
        let got = tree_bytes(&out);
        assert!(got.keys().eq(expected.keys()), "{path:?} wrote other files");
        for (name, bytes) in &expected {
            if name != "build.json" {
                assert!(bytes == &got[name], "{name} differs between the portable and the {path:?} form");
            }
        }
    }
}
