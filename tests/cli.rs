//! The command-line contract: exit codes, one-line errors naming the file, verify catching a
//! damaged build, stats on a build.
mod common;

use cameo::fixtures::ravdess::{population, write_population};
use common::*;
use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(cameo_bin()).args(args).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_missing_raw_folder_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere");
    let (code, _, stderr) =
        run(&["build", "--raw", missing.to_str().unwrap(), "--out", dir.path().join("o").to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("nowhere") && stderr.contains("raw folder not found"), "{stderr}");
}

#[test]
fn usage_errors_exit_with_2() {
    let (code, _, _) = run(&["build", "--raw"]);
    assert_eq!(code, 2);
    let (code, _, stderr) = run(&["build", "--raw", ".", "--out", "/tmp/x", "--corpus", "nosuch"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown corpus 'nosuch'"), "{stderr}");
}

#[test]
fn verify_passes_on_a_build_and_names_a_damaged_flac() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    write_population(&raw.join("ravdess"), &population(1..=1), 0.05).unwrap();
    let (code, stdout, stderr) =
        run(&["build", "--raw", raw.to_str().unwrap(), "--out", out.to_str().unwrap(), "--jobs", "2"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("ravdess") && stdout.contains("COUNT MISMATCH"), "{stdout}");
    let (code, stdout, _) = run(&["verify", out.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("ok: 60 samples"), "{stdout}");

    let (code, stdout, _) = run(&["stats", out.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("samples: 60") && stdout.contains("RAVDESS") && stdout.contains("with gender: 100.0%"),
        "{stdout}"
    );

    // Flip one byte inside the audio frames of one FLAC file.
    let victim = records(&out)[3].audio.clone();
    let path = out.join(&victim);
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.len() - 20;
    bytes[at] ^= 0x40;
    std::fs::write(&path, bytes).unwrap();
    let (code, _, stderr) = run(&["verify", out.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&victim), "{stderr}");
}

#[test]
fn a_failed_corpus_scan_leaves_an_earlier_build_intact() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    write_population(&raw.join("ravdess"), &population(1..=1), 0.05).unwrap();
    build(&raw, &out, 2);
    let before = tree_bytes(&out);
    std::fs::remove_dir_all(raw.join("ravdess")).unwrap();
    std::fs::create_dir_all(raw.join("other")).unwrap();
    let (code, _, stderr) =
        run(&["build", "--raw", raw.to_str().unwrap(), "--out", out.to_str().unwrap(), "--corpus", "ravdess"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("ravdess") && stderr.contains("not found"), "{stderr}");
    assert_eq!(tree_bytes(&out), before);
}

#[test]
fn demo_builds_verifies_and_scores_without_network() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let (code, stdout, stderr) = run(&["demo", "--out", out.to_str().unwrap(), "--jobs", "2"]);
    assert_eq!(code, 0, "{stderr}");
    let samples = records(&out.join("build")).len();
    assert!(stdout.contains(&format!("verified {samples} samples")), "{stdout}");
    assert!(stdout.contains(&format!("demo-fake-model, temperature 0: {samples} scored, 0 missing")), "{stdout}");
    // Every corpus with an adapter is in the demo.
    for entry in cameo::corpora::Registry::builtin() {
        assert!(
            stdout.lines().any(|line| line.starts_with(&format!("{} ", entry.id))),
            "{} missing:\n{stdout}",
            entry.id
        );
    }
    let (code, stdout, _) = run(&["verify", out.join("build").to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with(&format!("ok: {samples} samples")), "{stdout}");
}

#[test]
fn a_second_build_into_a_locked_folder_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    write_population(&raw.join("ravdess"), &population(1..=1), 0.05).unwrap();
    build(&raw, &out, 2);
    let before = tree_bytes(&out);
    // Another build holds the lock.
    let held = std::fs::File::options().write(true).open(out.join(".cameo/lock")).unwrap();
    held.lock().unwrap();
    let (code, _, stderr) = run(&["build", "--raw", raw.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(stderr.contains("another cameo build is writing to this folder"), "{stderr}");
    assert_eq!(tree_bytes(&out), before);
    drop(held);
    let (code, _, stderr) = run(&["build", "--raw", raw.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
    assert_eq!(code, 0, "{stderr}");
}
