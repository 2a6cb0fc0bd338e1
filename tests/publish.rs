//! `cameo publish`: the plan (what goes to the hub and why), the exact `hf` command line, the
//! staged folder the CLI is given, the dry run, and the refusals. The hosted hub cannot be
//! reached from the tests, so a fake `hf` put first on PATH stands in for the upload: it records
//! its argv and the files of the folder it was given. The real installed `hf` (huggingface_hub,
//! from `scripts/setup --test`) is run once with the exact command line, offline: it must parse
//! it and stop only where it would reach the network.
mod hub_common;

use hub_common::*;
use std::collections::BTreeSet;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A fake `hf` in `dir/bin`: `upload-large-folder --help` succeeds only when `large_folder`
/// (as in huggingface_hub 1.x; 2.x has only `upload`). Every call appends its argv, one
/// argument per line and a `--` line, to `dir/argv.log`; an upload call also writes the files
/// of its folder (relative paths) to `dir/files.log`.
fn fake_hf(dir: &Path, large_folder: bool) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = format!(
        r#"#!/bin/sh
log="{dir}/argv.log"
# PATH holds only this folder during the test; the tools below come from the system.
PATH=/usr/bin:/bin
for a in "$@"; do printf '%s\n' "$a" >> "$log"; done
echo -- >> "$log"
case "$1 $2" in
  "upload-large-folder --help") exit {large} ;;
  "upload --help") exit 0 ;;
esac
if [ "$1" = upload-large-folder ] || [ "$1" = upload ]; then
  (cd "$3" && find . -type f | sed 's|^\./||' | sort) > "{dir}/files.log"
  exit 0
fi
exit 2
"#,
        dir = dir.display(),
        large = if large_folder { 0 } else { 2 }
    );
    let path = bin.join("hf");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

/// The calls the fake recorded, each a list of arguments.
fn calls(dir: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(dir.join("argv.log")).unwrap_or_default();
    let mut calls = vec![Vec::new()];
    for line in text.lines() {
        if line == "--" {
            calls.push(Vec::new());
        } else {
            calls.last_mut().unwrap().push(line.to_string());
        }
    }
    calls.pop();
    calls
}

fn publish(args: &[&str], path: &str, envs: &[(&str, &Path)]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_cameo"))
        .arg("publish")
        .args(args)
        .env("PATH", path)
        .envs(envs.iter().map(|(k, v)| (*k, *v)))
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// What should reach the hub, listed from the build folder independently of cameo's plan.
fn expected_uploads(build: &Path) -> BTreeSet<String> {
    let mut files: BTreeSet<String> = ["README.md".to_string(), "build.json".to_string()].into();
    for folder in ["data", "LICENSES"] {
        for entry in std::fs::read_dir(build.join(folder)).unwrap() {
            files.insert(format!("{folder}/{}", entry.unwrap().file_name().to_string_lossy()));
        }
    }
    files
}

#[test]
fn the_plan_the_staged_folder_and_the_exact_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let build = ravdess_build(dir.path(), 0.3);
    let staging = build.join(".cameo/publish");
    let expected = expected_uploads(&build);
    assert!(expected.iter().any(|f| f.ends_with(".parquet")) && expected.iter().any(|f| f.starts_with("LICENSES/")));

    // Dry run: the plan and the command, nothing staged, nothing uploaded.
    let fake = dir.path().join("fake1");
    let bin = fake_hf(&fake, true);
    let (code, stdout, stderr) =
        publish(&[path_str(&build), "--repo", "my-lab/CAMEO", "--dry-run", "--private"], path_str(&bin), &[]);
    assert_eq!(code, 0, "{stderr}");
    let (to_hub, left_out) = stdout.split_once("left out:\n").expect("plan has both parts");
    for name in ["README.md", "build.json", "data/", "LICENSES/"] {
        assert!(to_hub.contains(&format!("\n  {name} ")), "{name} goes to the hub:\n{stdout}");
        assert!(!left_out.contains(&format!("\n  {name} ")) && !left_out.starts_with(&format!("  {name} ")));
    }
    for (name, why) in [
        ("audio/", "embedded byte for byte in the parquet shards"),
        ("metadata.jsonl", "same records as the parquet shards"),
        ("SHA256SUMS", "lists audio/ and metadata.jsonl"),
        (".cameo/", "resume cache"),
    ] {
        let line = left_out
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} left out:\n{stdout}"));
        assert!(line.contains(why), "{line}");
    }
    let command = format!("hf upload-large-folder my-lab/CAMEO {} --repo-type dataset --private", staging.display());
    assert!(stdout.contains(&format!("\n  {command}\n")), "{stdout}");
    assert_eq!(calls(&fake), vec![vec!["upload-large-folder".to_string(), "--help".to_string()]]);
    assert!(!staging.exists());

    // The upload: exactly those files, hard links to the build's, and the exact argv.
    let (code, stdout, stderr) = publish(&[path_str(&build), "--repo", "my-lab/CAMEO"], path_str(&bin), &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let upload = calls(&fake).pop().unwrap();
    let staging_arg = staging.display().to_string();
    assert_eq!(upload, ["upload-large-folder", "my-lab/CAMEO", staging_arg.as_str(), "--repo-type", "dataset"]);
    let uploaded: BTreeSet<String> =
        std::fs::read_to_string(fake.join("files.log")).unwrap().lines().map(str::to_string).collect();
    assert_eq!(uploaded, expected);
    for file in &expected {
        let (a, b) = (std::fs::metadata(build.join(file)).unwrap(), std::fs::metadata(staging.join(file)).unwrap());
        assert_eq!((a.dev(), a.ino()), (b.dev(), b.ino()), "{file} is a hard link");
    }
    assert!(stdout.contains("published to https://huggingface.co/datasets/my-lab/CAMEO"), "{stdout}");

    // huggingface_hub 2.x has no upload-large-folder: `hf upload` (resumable there) instead.
    let fake = dir.path().join("fake2");
    let bin = fake_hf(&fake, false);
    std::fs::write(staging.join("data/stale.parquet"), b"left by an earlier plan").unwrap();
    let (code, _, stderr) = publish(&[path_str(&build), "--repo", "my-lab/CAMEO", "--private"], path_str(&bin), &[]);
    assert_eq!(code, 0, "{stderr}");
    let upload = calls(&fake).pop().unwrap();
    let message = format!("CAMEO rebuilt with cameo {}", env!("CARGO_PKG_VERSION"));
    assert_eq!(
        upload,
        [
            "upload",
            "my-lab/CAMEO",
            staging_arg.as_str(),
            ".",
            "--repo-type",
            "dataset",
            "--private",
            "--commit-message",
            message.as_str()
        ]
    );
    let uploaded: BTreeSet<String> =
        std::fs::read_to_string(fake.join("files.log")).unwrap().lines().map(str::to_string).collect();
    assert_eq!(uploaded, expected, "a file no longer planned is removed from the staging folder");
}

#[test]
fn the_installed_hf_accepts_the_command_line_and_stops_only_at_the_network() {
    // The real CLI, offline with an empty HF_HOME: it parses the arguments (a usage error would
    // exit 2 with "No such option") and fails where it would create the repository.
    let dir = tempfile::tempdir().unwrap();
    let build = ravdess_build(dir.path(), 0.3);
    let path = std::env::var("PATH").unwrap();
    let home = dir.path().join("hf-home");
    let (code, stdout, stderr) = publish(
        &[path_str(&build), "--repo", "my-lab/CAMEO", "--private"],
        &path,
        &[("HF_HUB_OFFLINE", Path::new("1")), ("HF_HOME", &home)],
    );
    assert!(
        stdout.contains("running hf upload"),
        "the installed huggingface_hub (2.x) offers `hf upload`: {stdout}{stderr}"
    );
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(!stderr.contains("No such option") && !stderr.contains("Usage:"), "{stderr}");
    assert!(stderr.contains("offline mode is enabled") && stderr.contains("repos/create"), "{stderr}");
    assert!(stderr.lines().last().unwrap().starts_with("error: `hf` failed"), "{stderr}");
}

#[test]
fn publish_refuses_a_bad_build_a_bad_repo_and_a_missing_cli() {
    let dir = tempfile::tempdir().unwrap();
    let build = ravdess_build(dir.path(), 0.3);
    let fake = dir.path().join("fake");
    let bin = fake_hf(&fake, true);

    let empty = dir.path().join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let (code, _, stderr) = publish(&[path_str(&build), "--repo", "my-lab/CAMEO"], path_str(&empty), &[]);
    assert_eq!(code, 1);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("`hf` is not on PATH") && stderr.contains("pip install -U huggingface_hub"), "{stderr}");
    // A dry run still shows the plan and the command, and says how to get the CLI.
    let (code, stdout, _) = publish(&[path_str(&build), "--repo", "my-lab/CAMEO", "--dry-run"], path_str(&empty), &[]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("hf upload-large-folder my-lab/CAMEO") && stdout.contains("pip install -U huggingface_hub")
    );

    for repo in ["CAMEO", "my-lab/", "a/b/c", "my lab/CAMEO"] {
        let (code, _, stderr) = publish(&[path_str(&build), "--repo", repo], path_str(&bin), &[]);
        assert_eq!(code, 1, "{repo}");
        assert!(stderr.contains("give the hub dataset repository as ORG/NAME"), "{stderr}");
    }

    // A changed byte in a FLAC file: verify fails, nothing is uploaded.
    let flac = std::fs::read_dir(build.join("audio/ravdess")).unwrap().next().unwrap().unwrap().path();
    let mut bytes = std::fs::read(&flac).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&flac, bytes).unwrap();
    let (code, _, stderr) = publish(&[path_str(&build), "--repo", "my-lab/CAMEO"], path_str(&bin), &[]);
    assert_eq!(code, 1);
    assert!(stderr.contains(&flac.file_name().unwrap().to_string_lossy().to_string()), "{stderr}");
    assert!(
        calls(&fake).iter().all(|c| c.get(1).map(String::as_str) == Some("--help") || c.is_empty()),
        "{:?}",
        calls(&fake)
    );
    assert!(!fake.join("files.log").exists());
}
