//! The build's bytes do not depend on the resampler's vector form: the same raw tree built
//! with every form this CPU runs (forced with CAMEO_SIMD) gives the same output, byte for
//! byte. The resampler's unit tests compare the forms sample by sample; this checks that the
//! whole pipeline, through the binary, agrees too.
mod common;

use cameo::audio::resample::{SimdPath, SIMD_ENV};
use cameo::fixtures::signal::{seed_of, speechlike};
use cameo::fixtures::wav::{encode, WavSpec};
use cameo::fixtures::{ravdess, write_file};
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
    // Every rate family the kernels have (up = 1, 2, 40, 80, 160, 320, 640) in mono and stereo.
    let rates = [48_000, 8_000, 44_100, 22_050, 11_025, 32_000, 24_000, 16_000];
    for (i, name) in ravdess::population(1..=1).iter().take(24).enumerate() {
        let spec = WavSpec::int(16, 1 + (i % 2) as u16, rates[i % rates.len()]);
        let channels: Vec<Vec<f64>> = (0..spec.channels as u64)
            .map(|channel| speechlike(seed_of(name) ^ channel, spec.sample_rate, 0.3 + i as f64 * 0.05))
            .collect();
        write_file(&raw.join("ravdess"), name, &encode(&spec, &Default::default(), &channels)).unwrap();
    }
    let paths = SimdPath::all_here();
    let reference = dir.path().join("portable");
    build_with(SimdPath::Portable, &raw, &reference);
    let expected = tree_bytes(&reference);
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
