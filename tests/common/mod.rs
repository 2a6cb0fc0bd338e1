//! Helpers shared by the integration tests: building generated raw trees, reading outputs.
#![allow(dead_code)]
pub mod whisper;

use cameo::build::{run_build, BuildOptions, BuildOutcome};
use cameo::collection::split::SplitReport;
use cameo::record::Record;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub fn options(raw: &Path, out: &Path, jobs: usize) -> BuildOptions {
    BuildOptions {
        raw: raw.to_path_buf(),
        out: out.to_path_buf(),
        corpora: Vec::new(),
        jobs,
        strict: false,
        manifests: None,
        quiet: true,
        shard: None,
        transcribe: None,
        third_party_genders: false,
    }
}

pub fn build(raw: &Path, out: &Path, jobs: usize) -> BuildOutcome {
    run_build(&options(raw, out, jobs)).expect("build succeeds")
}

pub fn records(out: &Path) -> Vec<Record> {
    cameo::verify::read_metadata(&out.join("metadata.jsonl")).expect("metadata.jsonl reads")
}

pub fn by_source(records: &[Record]) -> BTreeMap<String, Record> {
    records.iter().map(|r| (r.source.clone(), r.clone())).collect()
}

/// Every file below `root` (relative path → bytes), except the resume cache.
pub fn tree_bytes(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let relative = entry.path().strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            if !relative.starts_with(".cameo/cache/") {
                files.insert(relative, std::fs::read(entry.path()).unwrap());
            }
        }
    }
    files
}

/// build.json without its `run` section (timings, thread count, cache hits).
pub fn build_json_without_run(out: &Path) -> serde_json::Value {
    let mut value: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("build.json")).unwrap()).unwrap();
    value.as_object_mut().unwrap().remove("run");
    value
}

/// Decodes a FLAC file with claxon into i16 samples, checking it is 16 kHz mono 16-bit.
pub fn decode_flac(path: &Path) -> Vec<i16> {
    let mut reader = claxon::FlacReader::open(path).unwrap();
    let info = reader.streaminfo();
    assert_eq!((info.sample_rate, info.channels, info.bits_per_sample), (16_000, 1, 16), "{}", path.display());
    reader.samples().map(|s| s.unwrap() as i16).collect()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

pub fn pcm_file_id(samples: &[i16]) -> String {
    let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    format!("{}.flac", sha256_hex(&bytes))
}

/// The `cameo` binary under test: the one cargo built, or `$CAMEO_BIN` when set (to test an
/// installed binary, or a copy when several checkouts share one cargo target folder).
pub fn cameo_bin() -> PathBuf {
    std::env::var_os("CAMEO_BIN").map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_cameo")), PathBuf::from)
}

/// A split's rejects as (source, reason) pairs, for comparing with the expected set.
pub fn rejects_of(report: &SplitReport) -> BTreeSet<(&str, &str)> {
    report.rejects.iter().map(|r| (r.source.as_str(), r.reason.as_str())).collect()
}

/// A split's skipped files as (source, reason) pairs.
pub fn skips_of(report: &SplitReport) -> BTreeSet<(&str, &str)> {
    report.skipped.iter().map(|s| (s.source.as_str(), s.reason.as_str())).collect()
}

/// Whether a prerequisite of a test (a program, a model) is there; when not, the test skips
/// (saying why) or, under CI, fails: CI must run every test.
pub fn require(what: &str, present: bool) -> bool {
    if present {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{what} is missing (scripts/setup --test installs it); CI=true, so this test may not be skipped");
    }
    eprintln!("skipping: {what} is missing (scripts/setup --test installs it)");
    false
}

/// Runs the built `cameo` binary: (exit code, stdout, stderr).
pub fn run_cameo(args: &[&str]) -> (i32, String, String) {
    let output = std::process::Command::new(cameo_bin()).args(args).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The next 31 bits of a fixed-seed PCG-style LCG: replayable "random" choices for tests.
pub fn next_random(state: &mut u64) -> u64 {
    *state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
    *state >> 33
}
