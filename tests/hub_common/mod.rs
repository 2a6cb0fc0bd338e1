//! Helpers shared by the hub, audit, stats and export tests: builds of generated raw trees,
//! running the binary, and running the Python checks that `scripts/test` installs for.
#![allow(dead_code)]
use cameo::build::{run_build, BuildOptions};
use cameo::record::Record;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds `raw` into `out` (quietly, 2 threads).
pub fn build(raw: &Path, out: &Path) {
    let options = BuildOptions {
        raw: raw.to_path_buf(),
        out: out.to_path_buf(),
        corpora: Vec::new(),
        jobs: 2,
        strict: false,
        manifests: None,
        quiet: true,
        shard: None,
        transcribe: None,
        third_party_genders: false,
    };
    run_build(&options).expect("build succeeds");
}

/// The demo's raw trees (every corpus with an adapter, with its traps) built into `dir/build`.
pub fn demo_build(dir: &Path) -> PathBuf {
    let raw = dir.join("raw");
    cameo::demo::write_raw_trees(&raw).expect("demo trees are written");
    let out = dir.join("build");
    build(&raw, &out);
    out
}

/// A small RAVDESS build (actor 1, `seconds` per file) in `dir/build`.
pub fn ravdess_build(dir: &Path, seconds: f64) -> PathBuf {
    let raw = dir.join("raw");
    let names = cameo::fixtures::ravdess::population(1..=1);
    cameo::fixtures::ravdess::write_population(&raw.join("ravdess"), &names, seconds).unwrap();
    let out = dir.join("build");
    build(&raw, &out);
    out
}

pub fn records(out: &Path) -> Vec<Record> {
    cameo::verify::read_metadata(&out.join("metadata.jsonl")).expect("metadata.jsonl reads")
}

/// Runs the binary: (exit code, stdout, stderr).
pub fn cameo(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_cameo")).args(args).output().expect("cameo runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 test path")
}

/// Runs `tests/python/<script>` with `args` offline (Hugging Face caches in `hf_home`) and
/// parses the JSON object it prints last.
pub fn python_check(script: &str, args: &[&Path], hf_home: &Path) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python").join(script);
    let output = Command::new("python3")
        .arg(&path)
        .args(args)
        .env("HF_DATASETS_OFFLINE", "1")
        .env("HF_HUB_OFFLINE", "1")
        .env("HF_HOME", hf_home)
        .env("HF_HUB_DISABLE_TELEMETRY", "1")
        .output()
        .expect("python3 must be installed (scripts/test installs the test needs)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} failed (its packages come from `bash scripts/setup --test`):\n{stderr}\n{stdout}"
    );
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{script} printed no JSON ({e}):\n{stdout}\n{stderr}"))
}
