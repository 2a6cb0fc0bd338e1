//! Pins the bytes of a full demo build (all 13 corpora): the SHA-256 of every FLAC file,
//! metadata.jsonl, every parquet shard, the card and LICENSES/, as listed in SHA256SUMS.
//! A refactor must leave this test passing unchanged; a deliberate change of the output bytes
//! comes with a bump of `PIPELINE_VERSION` and a new pin, explained in the commit.
mod common;

use sha2::{Digest, Sha256};

/// SHA-256 of the demo build's SHA256SUMS (which names the SHA-256 of every output file).
/// Changed deliberately: pipeline 4 (decoded source names, CaFE's mojibake and NFD folders);
/// MESD's null speaker ids and eNTERFACE's null genders (the published release's conventions).
const PINNED_SHA256SUMS: &str = "5b50d7612115baebc34d7c6a7ae33c7324b09c09c87ce3c8529ed130d454d3c2";

#[test]
fn a_demo_build_gives_the_pinned_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("build"));
    cameo::demo::write_raw_trees(&raw).unwrap();
    common::build(&raw, &out, 2);
    let sums = std::fs::read_to_string(out.join("SHA256SUMS")).unwrap();
    // Every kind of output is covered by the list.
    for needle in ["  metadata.jsonl", "  README.md", "  data/", "  audio/", "  LICENSES/"] {
        assert!(sums.contains(needle), "SHA256SUMS lists no {needle}:\n{sums}");
    }
    let flac_files = walkdir::WalkDir::new(out.join("audio"))
        .into_iter()
        .filter(|e| e.as_ref().is_ok_and(|e| e.file_type().is_file()));
    assert_eq!(sums.lines().filter(|line| line.contains("  audio/")).count(), flac_files.count());
    let digest = hex::encode(Sha256::digest(sums.as_bytes()));
    assert_eq!(digest, PINNED_SHA256SUMS, "the demo build's bytes changed; SHA256SUMS now reads:\n{sums}");
}
