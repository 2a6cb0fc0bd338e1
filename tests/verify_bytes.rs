//! `cameo verify` finds any flipped byte in the files of a build: every FLAC, parquet shard,
//! metadata.jsonl and the card are listed with their SHA-256 in SHA256SUMS, and the error names
//! the damaged file. Positions are drawn from a fixed seed, plus the first and last byte.
mod common;

use cameo::fixtures::ravdess::{population, write_population};
use common::*;
use std::path::Path;

fn positions(length: usize, count: usize, seed: u64) -> Vec<usize> {
    let mut state = seed;
    let mut chosen = vec![0, length - 1];
    for _ in 0..count {
        chosen.push(next_random(&mut state) as usize % length);
    }
    chosen
}

fn assert_every_flip_is_named(out: &Path, relative: &str, seed: u64) {
    let path = out.join(relative);
    let original = std::fs::read(&path).unwrap();
    for at in positions(original.len(), 40, seed) {
        let mut damaged = original.clone();
        damaged[at] ^= 1 << (at % 8);
        std::fs::write(&path, &damaged).unwrap();
        let error = cameo::verify::verify(out).expect_err(&format!("flipped byte {at} of {relative} not detected"));
        assert_eq!(error.path, path, "byte {at} of {relative}: the error names another file: {error}");
    }
    std::fs::write(&path, &original).unwrap();
}

#[test]
fn any_flipped_byte_of_a_flac_parquet_metadata_or_card_file_is_found_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    write_population(&raw.join("ravdess"), &population(1..=1)[..12], 0.1).unwrap();
    build(&raw, &out, 2);
    let report = cameo::verify::verify(&out).unwrap();
    let listed = std::fs::read_to_string(out.join("SHA256SUMS")).unwrap();
    assert_eq!(report.files_checked, listed.lines().count());
    // 12 FLACs, one parquet shard, metadata.jsonl, README.md, LICENSES/ (text + attribution).
    assert_eq!(report.files_checked, 12 + 1 + 1 + 1 + 2, "{listed}");

    let flac = records(&out)[5].audio.clone();
    let shard = listed.lines().map(|l| l.split_once("  ").unwrap().1).find(|n| n.starts_with("data/")).unwrap();
    for (seed, relative) in [&flac, shard, "metadata.jsonl", "README.md"].into_iter().enumerate() {
        assert_every_flip_is_named(&out, relative, seed as u64 + 1);
    }
    cameo::verify::verify(&out).expect("restored build verifies again");

    // A file added to the FLAC tree is not part of the build.
    std::fs::write(out.join("audio/ravdess/stray.flac"), b"fLaC").unwrap();
    let error = cameo::verify::verify(&out).unwrap_err();
    assert!(error.path.ends_with("audio/ravdess/stray.flac"), "{error}");
}
