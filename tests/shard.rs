//! Sharded builds: three `--shard I/3` builds merged with `cameo merge` give the same bytes as
//! one build, and a merge with a shard missing is refused.
mod common;

use cameo::build::shard::{merge, Shard};
use cameo::build::{run_build, BuildOptions};
use cameo::fixtures::{cafe, ravdess};
use common::*;
use std::path::Path;
use std::process::Command;

/// Two corpora, with duplicates, rejects and skips from their trap sets.
fn raw_tree(raw: &Path) {
    ravdess::write_population(&raw.join("ravdess"), &ravdess::population(1..=1), 0.05).unwrap();
    ravdess::write_traps(&raw.join("ravdess")).unwrap();
    cafe::write_population(&raw.join("cafe"), &cafe::population(1..=1), 0.05).unwrap();
    cafe::write_traps(&raw.join("cafe")).unwrap();
}

fn shard_options(raw: &Path, out: &Path, index: usize) -> BuildOptions {
    BuildOptions { shard: Some(Shard { index, count: 3 }), ..options(raw, out, 1) }
}

#[test]
fn three_shards_merged_equal_one_build_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    raw_tree(&raw);
    let whole = dir.path().join("whole");
    let outcome = build(&raw, &whole, 2);
    let total_converted = outcome.run.converted;

    let mut parts = Vec::new();
    let mut shard_converted = 0;
    for index in 1..=3 {
        let part = dir.path().join(format!("part{index}"));
        let outcome = run_build(&shard_options(&raw, &part, index)).unwrap();
        assert!(outcome.run.converted > 0, "shard {index} converted nothing");
        shard_converted += outcome.run.converted;
        // A shard is not a collection.
        assert!(!part.join("metadata.jsonl").exists());
        parts.push(part);
    }
    // Every item converted exactly once across the shards.
    assert_eq!(shard_converted, total_converted);

    let merged = dir.path().join("merged");
    let outcome = merge(&options(&raw, &merged, 2), &parts).unwrap();
    assert_eq!(outcome.run.converted, 0, "the merge decoded audio again");
    let (expected, actual) = (tree_bytes(&whole), tree_bytes(&merged));
    assert_eq!(expected.keys().collect::<Vec<_>>(), actual.keys().collect::<Vec<_>>());
    for (name, bytes) in &expected {
        if name != "build.json" {
            assert!(bytes == &actual[name], "{name} differs between the merged and the whole build");
        }
    }
    assert_eq!(build_json_without_run(&whole), build_json_without_run(&merged));
}

#[test]
fn a_merge_with_a_shard_missing_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    ravdess::write_population(&raw.join("ravdess"), &ravdess::population(1..=1), 0.05).unwrap();
    let mut parts = Vec::new();
    for index in [1, 3] {
        let part = dir.path().join(format!("part{index}"));
        run_build(&shard_options(&raw, &part, index)).unwrap();
        parts.push(part.to_str().unwrap().to_string());
    }
    let merged = dir.path().join("merged");
    let output = Command::new(cameo_bin())
        .args(["merge", "--raw", raw.to_str().unwrap(), "--out", merged.to_str().unwrap(), "--quiet"])
        .args(&parts)
        .output()
        .unwrap();
    // A part missing from the command line is a usage error (exit 2).
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("shard(s) 2/3 missing"), "{stderr}");
    assert!(!merged.exists());
}
