//! A build killed with SIGKILL at any point and then rerun ends with the same bytes as a build
//! that was never interrupted: every output is written under a temporary name and renamed, and
//! the rerun resumes from the cache.
mod common;

use cameo::fixtures::{cafe, ravdess};
use common::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

fn raw_tree(raw: &Path) {
    ravdess::write_population(&raw.join("ravdess"), &ravdess::population(1..=2), 0.2).unwrap();
    ravdess::write_traps(&raw.join("ravdess")).unwrap();
    cafe::write_population(&raw.join("cafe"), &cafe::population(1..=1), 0.2).unwrap();
}

fn build_command(raw: &Path, out: &Path) -> Command {
    let mut command = Command::new(cameo_bin());
    command
        .args(["build", "--raw", raw.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet", "--jobs", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

#[test]
fn killed_builds_rerun_to_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    raw_tree(&raw);
    let whole = dir.path().join("whole");
    let started = Instant::now();
    assert!(build_command(&raw, &whole).status().unwrap().success());
    let full_time = started.elapsed();
    let expected = tree_bytes(&whole);

    // Kill points spread over the build: early (scan/hash), middle (conversion), late (sinks).
    // The fractions come from a fixed seed, so a failure can be replayed.
    let mut seed = 0x9e37_79b9_u64;
    for attempt in 0..3 {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let fraction = (seed >> 33) as f64 / (1u64 << 31) as f64;
        let out = dir.path().join(format!("killed{attempt}"));
        let mut child = build_command(&raw, &out).spawn().unwrap();
        std::thread::sleep(full_time.mul_f64(fraction.max(0.02)));
        let _ = child.kill(); // SIGKILL on Unix; it may have finished already.
        child.wait().unwrap();
        assert!(build_command(&raw, &out).status().unwrap().success(), "rerun after kill {attempt} failed");
        let actual = tree_bytes(&out);
        assert_eq!(
            expected.keys().collect::<Vec<_>>(),
            actual.keys().collect::<Vec<_>>(),
            "files differ after a kill at {:.0}% of the build",
            fraction * 100.0
        );
        for (name, bytes) in &expected {
            if name != "build.json" {
                assert!(bytes == &actual[name], "{name} differs after a kill at {:.0}%", fraction * 100.0);
            }
        }
        assert_eq!(build_json_without_run(&whole), build_json_without_run(&out));
    }
}

#[test]
fn an_output_path_that_is_a_file_is_a_one_line_error_and_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    ravdess::write_population(&raw.join("ravdess"), &ravdess::population(1..=1), 0.05).unwrap();
    let out = dir.path().join("out");
    std::fs::write(&out, b"not a folder").unwrap();
    let output = build_command(&raw, &out).stderr(Stdio::piped()).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(out.to_str().unwrap()), "{stderr}");
    assert_eq!(std::fs::read(&out).unwrap(), b"not a folder");
}
