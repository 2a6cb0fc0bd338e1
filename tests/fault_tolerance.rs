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
        let fraction = next_random(&mut seed) as f64 / (1u64 << 31) as f64;
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
    // A file given where a folder belongs is a usage error (exit 2, README "Exit codes").
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(out.to_str().unwrap()), "{stderr}");
    assert_eq!(std::fs::read(&out).unwrap(), b"not a folder");
}

/// Runs `script` as root of a private mount namespace (so it can mount a small tmpfs), or
/// returns None when this machine does not allow that (outside CI only).
fn in_mount_namespace(script: &str) -> Option<std::process::Output> {
    let probe = Command::new("unshare").args(["-r", "-m", "true"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        assert!(std::env::var("CI").is_err(), "CI must allow `unshare -r -m` for the full-disk test");
        eprintln!("skipped: `unshare -r -m` is not allowed here, so no private tmpfs can be mounted");
        return None;
    }
    Some(Command::new("unshare").args(["-r", "-m", "sh", "-c", script]).output().unwrap())
}

fn covered_files(build: &Path) -> Vec<String> {
    let sums = std::fs::read_to_string(build.join("SHA256SUMS")).unwrap();
    sums.lines().map(|line| line.split_once("  ").unwrap().1.to_string()).collect()
}

/// A rebuild that fills the disk, and one into a read-only folder, each end with a one-line
/// error naming the cause, and leave every output of the earlier build byte for byte as it
/// was (the collection files are staged and only renamed into place at the very end). The
/// next build with room resumes and completes.
#[test]
fn a_full_disk_or_read_only_output_is_a_clear_error_and_earlier_outputs_stay_whole() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    ravdess::write_population(&raw.join("ravdess"), &ravdess::population(1..=1), 0.2).unwrap();
    let first = dir.path().join("first");
    assert!(build_command(&raw, &first).status().unwrap().success());
    let before = tree_bytes(&first);
    let used: u64 = walkdir::WalkDir::new(&first)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.metadata().unwrap().len().div_ceil(4096) * 4096)
        .sum();
    // A new corpus of ~3 MB of FLAC cannot fit in the 512 KiB left free.
    cafe::write_population(&raw.join("cafe"), &cafe::population(1..=1), 2.0).unwrap();
    let limit_kib = used / 1024 + 512;
    let mnt = dir.path().join("mnt");
    let after_full = dir.path().join("after-full");
    std::fs::create_dir_all(&mnt).unwrap();
    let build = |out: &str, err: &str| {
        format!(
            "'{}' build --raw '{}' --out {out} --quiet --jobs 2 2>'{}/{err}.err'; echo $? >'{}/{err}.rc'",
            cameo_bin().display(),
            raw.display(),
            dir.path().display(),
            dir.path().display()
        )
    };
    let script = format!(
        "set -u; mount -t tmpfs -o size={limit_kib}k tmpfs '{m}' && cp -r '{first}' '{m}/b' || exit 9\n\
         {full}\n\
         cp -r '{m}/b' '{after}'\n\
         mount -o remount,ro '{m}' || exit 9\n\
         {ro}\n",
        m = mnt.display(),
        first = first.display(),
        after = after_full.display(),
        full = build(&format!("'{}/b'", mnt.display()), "full"),
        ro = build(&format!("'{}/b'", mnt.display()), "ro"),
    );
    let Some(output) = in_mount_namespace(&script) else { return };
    assert!(output.status.success(), "namespace script failed: {}", String::from_utf8_lossy(&output.stderr));
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();

    assert_eq!(read("full.rc").trim(), "1");
    let full_err = read("full.err");
    assert_eq!(full_err.lines().count(), 1, "{full_err}");
    assert!(full_err.contains("No space left on device"), "{full_err}");
    let after = tree_bytes(&after_full);
    for name in covered_files(&first).iter().chain(["SHA256SUMS".to_string(), "build.json".to_string()].iter()) {
        assert!(after.get(name) == before.get(name), "{name} changed after the full-disk build");
    }
    let partial: Vec<&String> = after.keys().filter(|name| name.contains(".partial-")).collect();
    assert!(partial.is_empty(), "temporary files left behind: {partial:?}");

    assert_eq!(read("ro.rc").trim(), "1");
    let ro_err = read("ro.err");
    assert_eq!(ro_err.lines().count(), 1, "{ro_err}");
    assert!(ro_err.contains("Read-only file system"), "{ro_err}");

    // With room again the interrupted build resumes and completes.
    assert!(build_command(&raw, &after_full).status().unwrap().success());
    let (code, stdout, stderr) = run_cameo(&["verify", after_full.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(records(&after_full).iter().filter(|r| r.dataset == "CaFE").count(), cafe::population(1..=1).len());
}
