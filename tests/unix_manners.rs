//! The command line behaves as Unix tools do: a closed stdout ends a command quietly; SIGINT and
//! SIGTERM stop a build at a safe point with one line and 130/143, and a rerun resumes to the
//! same bytes; results go to stdout and everything else to stderr, nothing but errors with
//! `--quiet`; a corpus that fails does not stop the others (exit 3); leftovers of a killed run
//! are removed; completions and the man page print.
#![cfg(unix)]
mod common;

use cameo::fixtures::ravdess::{population, write_population};
use common::*;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Every output file but build.json (whose run section has timings).
fn outputs(out: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = tree_bytes(out);
    files.remove("build.json");
    files
}

/// A small RAVDESS build in `dir`: (raw, out).
fn small_build(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (raw, out) = (dir.join("raw"), dir.join("out"));
    write_population(&raw.join("ravdess"), &population(1..=1), 0.05).unwrap();
    build(&raw, &out, 2);
    (raw, out)
}

/// Runs cameo with its stdout read by nobody (the read end closed at once): (status, stderr).
fn with_closed_stdout(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(cameo_bin()).args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    (child.wait().unwrap().code(), stderr)
}

#[test]
fn a_closed_stdout_ends_every_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = small_build(dir.path());
    let predictions = dir.path().join("predictions.jsonl");
    let records = records(&out);
    let lines: Vec<String> = records
        .iter()
        .map(|r| serde_json::json!({"file_id": r.file_id, "response": r.emotion.to_string(), "model": "m"}).to_string())
        .collect();
    std::fs::write(&predictions, lines.join("\n") + "\n").unwrap();
    let metadata = out.join("metadata.jsonl");
    let lhotse = dir.path().join("lhotse");
    let report = dir.path().join("report.json");
    let commands: Vec<Vec<&str>> = vec![
        vec!["stats", arg(&out)],
        vec!["stats", "--json", arg(&out)],
        vec!["scan", "--raw", arg(&raw), "--json"],
        vec!["scan", "--raw", arg(&raw)],
        vec!["audit"],
        vec!["audit", "--json", arg(&out)],
        vec!["verify", arg(&out)],
        vec!["build", "--raw", arg(&raw), "--out", arg(&out)],
        vec!["export", "--format", "lhotse", arg(&out), arg(&lhotse)],
        vec!["eval", "parse", "--labels", "anger,fear", "I hear anger."],
        vec!["eval", "template", "--labels", "anger,fear"],
        vec![
            "eval",
            "score",
            "--metadata",
            arg(&metadata),
            "--predictions",
            arg(&predictions),
            "--output",
            arg(&report),
        ],
        vec!["completions", "bash"],
        vec!["man"],
        vec!["--help"],
        vec!["build", "--help"],
    ];
    for args in commands {
        let (code, stderr) = with_closed_stdout(&args);
        assert!(matches!(code, Some(0) | Some(141)), "{args:?}: exit {code:?}\n{stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}

/// Starts a build of a tree big enough to be stopped, sends `signal` once it has converted
/// something, and returns (exit code, stderr).
fn interrupted_build(raw: &Path, out: &Path, signal: &str) -> (Option<i32>, String) {
    let mut child = Command::new(cameo_bin())
        .args(["build", "--raw", arg(raw), "--out", arg(out), "--jobs", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the first cache entries exist, so the run has work both done and to do.
    let cache = out.join(".cameo/cache/ravdess/items.jsonl");
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        let entries = std::fs::read_to_string(&cache).map(|log| log.lines().count()).unwrap_or(0);
        if entries >= 3 {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let status = Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    (child.wait().unwrap().code(), stderr)
}

#[test]
fn sigint_and_sigterm_stop_a_build_that_a_rerun_resumes_to_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    // Long enough that the signal comes before the end: 240 files of 2 s at 48 kHz.
    write_population(&raw.join("ravdess"), &population(1..=4), 2.0).unwrap();
    let whole = dir.path().join("whole");
    build(&raw, &whole, 2);
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let out = dir.path().join(format!("stopped-{signal}"));
        let (status, stderr) = interrupted_build(&raw, &out, signal);
        assert_eq!(status, Some(code), "SIG{signal}: {stderr}");
        let errors: Vec<&str> = stderr.lines().filter(|line| line.starts_with("error: ")).collect();
        assert_eq!(errors.len(), 1, "{stderr}");
        assert!(errors[0].contains(&format!("interrupted by SIG{signal}")), "{stderr}");
        assert!(errors[0].contains("kept") && errors[0].contains("rerun the same command to resume"), "{stderr}");
        assert!(!out.join("metadata.jsonl").exists(), "a stopped build writes no collection");
        let (code, _, stderr) = run_cameo(&["build", "--raw", arg(&raw), "--out", arg(&out), "--quiet"]);
        assert_eq!(code, 0, "{stderr}");
        assert!(outputs(&out) == outputs(&whole), "SIG{signal}: the resumed build differs");
    }
}

#[test]
fn results_go_to_stdout_the_rest_to_stderr_and_quiet_leaves_only_errors() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    write_population(&raw.join("ravdess"), &population(1..=1), 0.05).unwrap();
    cameo::fixtures::ravdess::write_traps(&raw.join("ravdess")).unwrap();
    // A folder no manifest describes is named, not ignored.
    std::fs::create_dir_all(raw.join("emodb")).unwrap();
    let out = dir.path().join("out");
    let (code, stdout, stderr) = run_cameo(&["build", "--raw", arg(&raw), "--out", arg(&out)]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("split "), "{stdout}");
    assert!(!stdout.contains("reject:") && !stdout.contains("warning:"), "{stdout}");
    assert!(stderr.contains("reject: ravdess/"), "{stderr}");
    assert!(stderr.lines().any(|l| l.starts_with("warning: ") && l.contains("emodb") && l.contains("--manifests")));
    for args in [
        vec!["build", "--raw", arg(&raw), "--out", arg(&out), "--quiet"],
        vec!["verify", arg(&out), "-q"],
        vec!["-q", "stats", arg(&out)],
        vec!["scan", "--raw", arg(&raw), "-q"],
    ] {
        let (code, stdout, stderr) = run_cameo(&args);
        assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "", ""), "{args:?}");
    }
    // --json on build and verify: one JSON document on stdout.
    let (_, stdout, _) = run_cameo(&["build", "--raw", arg(&raw), "--out", arg(&out), "--json"]);
    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["splits"][0]["split"], "ravdess");
    assert_eq!(summary["unknown_folders"][0], "emodb");
    let (_, stdout, _) = run_cameo(&["verify", "--json", arg(&out)]);
    let verified: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(verified["samples"].as_u64().unwrap() as usize, records(&out).len());
    // scan and build pick the same corpora by default: those present.
    let (_, stdout, _) = run_cameo(&["scan", "--raw", arg(&raw), "--json"]);
    let scan: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let ids: Vec<&str> = scan["corpora"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["ravdess"]);
}

#[test]
fn a_failing_corpus_does_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    write_population(&raw.join("ravdess"), &population(1..=1), 0.05).unwrap();
    // nEMO without its metadata table, PAVOQUE without a style recording.
    let nemo = raw.join("nemo");
    cameo::fixtures::nemo::write_population(&nemo, &cameo::fixtures::nemo::population(1), 0.01).unwrap();
    std::fs::remove_file(nemo.join("data.tsv")).unwrap();
    let pavoque = raw.join("pavoque");
    let recordings = cameo::fixtures::pavoque::population(1, 10..=10);
    cameo::fixtures::pavoque::write_population(&pavoque, &recordings, true).unwrap();
    std::fs::remove_file(pavoque.join("pavoque-sad.flac")).unwrap();
    let out = dir.path().join("out");
    let (code, stdout, stderr) = run_cameo(&["build", "--raw", arg(&raw), "--out", arg(&out)]);
    assert_eq!(code, 3, "{stdout}\n{stderr}");
    assert!(stdout.contains("nemo") && stdout.contains("FAILED"), "{stdout}");
    let failed: Vec<&str> = stderr.lines().filter(|l| l.starts_with("failed: ")).collect();
    assert_eq!(failed.len(), 2, "{stderr}");
    assert!(failed[0].starts_with("failed: nemo: ") && failed[0].contains("data.tsv"), "{stderr}");
    assert!(failed[1].starts_with("failed: pavoque: ") && failed[1].contains("pavoque-sad.flac"), "{stderr}");
    assert!(failed.iter().all(|line| line.contains("; fix: ")), "{stderr}");
    let last = stderr.lines().last().unwrap();
    assert!(last.starts_with("error: 2 corpora failed (nemo, pavoque)"), "{stderr}");
    // The corpus that could be built is written and verifies.
    let verified = cameo::verify::verify(&out).unwrap();
    assert_eq!(verified.per_split.keys().collect::<Vec<_>>(), ["ravdess"]);
    let build_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("build.json")).unwrap()).unwrap();
    let recorded = build_json["run"]["failed"].as_array().unwrap();
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[0]["split"], "nemo");
    assert!(recorded[0]["reason"].as_str().unwrap().contains("data.tsv"));
    assert!(!recorded[0]["fix"].as_str().unwrap().is_empty());
    // Mended, the next run builds them and keeps what was built.
    cameo::fixtures::pavoque::write_population(&pavoque, &recordings, true).unwrap();
    std::fs::remove_dir_all(&nemo).unwrap();
    let (code, _, stderr) = run_cameo(&["build", "--raw", arg(&raw), "--out", arg(&out), "-q"]);
    assert_eq!(code, 0, "{stderr}");
    let verified = cameo::verify::verify(&out).unwrap();
    assert_eq!(verified.per_split.keys().collect::<Vec<_>>(), ["pavoque", "ravdess"]);
}

#[test]
fn a_rerun_removes_what_a_killed_run_left_behind() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = small_build(dir.path());
    let before = outputs(&out);
    // What a SIGKILL in the middle of writes leaves: temporary files in the cache, the audio
    // folder and the build folder.
    let leftovers = [
        out.join(".cameo/cache/ravdess/.partial-4242-0123abcd.json"),
        out.join("audio/ravdess/.partial-4242-0123abcd.flac"),
        out.join(".partial-4242-metadata.jsonl"),
    ];
    for path in &leftovers {
        std::fs::write(path, b"half").unwrap();
    }
    build(&raw, &out, 2);
    for path in &leftovers {
        assert!(!path.exists(), "{} survived", path.display());
    }
    assert!(outputs(&out) == before);
}

#[test]
fn completions_and_the_man_page_print() {
    for shell in ["bash", "zsh", "fish"] {
        let (code, stdout, _) = run_cameo(&["completions", shell]);
        assert_eq!(code, 0);
        let flag = if shell == "fish" { "-l manifests" } else { "--manifests" };
        assert!(stdout.contains("cameo") && stdout.contains(flag), "{shell}: {stdout}");
    }
    let (code, stdout, _) = run_cameo(&["man"]);
    assert_eq!(code, 0);
    assert!(stdout.contains(".TH cameo 1"), "{stdout}");
    assert!(stdout.contains("build") && stdout.contains("Exit codes"), "{stdout}");
}
