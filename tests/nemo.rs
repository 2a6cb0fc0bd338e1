//! nEMO end to end: a generated clone with data.tsv (padded speaker ids) and the traps of the
//! real repository is built and the records are checked field by field; a missing or garbled
//! table stops the build naming the file.
mod common;

use cameo::fixtures::nemo::{population, write_population, write_traps, HEADER};
use cameo::fixtures::write_file;
use cameo::record::{Emotion, Gender};
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Twelve files per speaker (108) plus the traps.
fn raw_tree(raw: &Path) -> cameo::fixtures::nemo::Traps {
    let root = raw.join("nemo");
    write_population(&root, &population(12), 0.05).unwrap();
    write_traps(&root).unwrap()
}

#[test]
fn traps_end_as_records_rejects_or_skips() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let traps = raw_tree(&raw);
    let outcome = build(&raw, &out, 2);
    let report = &outcome.splits[0].report;
    assert_eq!(report.found, 112);
    assert_eq!(report.built, 108);
    let rejects = rejects_of(report);
    let expected: BTreeSet<(&str, &str)> = [
        (traps.without_row.as_str(), "not listed in data.tsv"),
        (traps.without_file.as_str(), "listed in data.tsv row 109 but the file is missing"),
        (
            traps.name_disagrees.as_str(),
            "file name says speaker IC0 / emotion anger, data.tsv row 110 says IC0 / sadness",
        ),
        (traps.unknown_emotion.as_str(), "unknown emotion code 'boredom' (not in the [labels] of manifests/nemo.toml)"),
    ]
    .into();
    assert_eq!(rejects, expected);
    let skipped: BTreeSet<&str> = report.skipped.iter().map(|s| s.source.as_str()).collect();
    assert_eq!(skipped, BTreeSet::from(["README.md", "LICENSE", ".git/HEAD", "data.tsv"]));
    assert_eq!(report.formats.get("24000 Hz, 1 ch"), Some(&108));
}

#[test]
fn records_carry_every_field_and_padded_speaker_ids_are_trimmed() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    raw_tree(&raw);
    build(&raw, &out, 2);
    let records = records(&out);
    assert_eq!(records.len(), 108);
    let by_source = by_source(&records);
    let first = &by_source["samples/WR0_anger_3.wav"];
    assert_eq!(first.emotion, Emotion::Anger);
    assert_eq!(first.transcription.as_deref(), Some(cameo::fixtures::nemo::sentence(3).as_str()));
    assert_eq!(first.speaker_id.as_deref(), Some("nemo_WR0"));
    assert_eq!(first.gender, Some(Gender::Male));
    assert_eq!(first.age.as_deref(), Some("23"));
    assert_eq!(first.dataset, "nEMO");
    assert_eq!(first.language, "Polish");
    assert_eq!(first.license, "CC BY-NC-SA 4.0");
    assert_eq!(first.duration, 0.05);
    let woman = &by_source["samples/MK0_anger_12.wav"];
    assert_eq!(
        (woman.speaker_id.as_deref(), woman.gender, woman.age.as_deref()),
        (Some("nemo_MK0"), Some(Gender::Female), Some("23"))
    );
    assert!(records.iter().all(|r| !r.speaker_id.as_deref().unwrap().contains(' ')));
}

#[test]
fn a_missing_table_fails_and_a_garbled_row_is_a_reject_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    let root = raw.join("nemo");
    write_population(&root, &population(1), 0.01).unwrap();
    std::fs::remove_file(root.join("data.tsv")).unwrap();
    let error = cameo::build::run_build(&options(&raw, &dir.path().join("a"), 2)).expect_err("refused").to_string();
    assert!(error.contains("nemo/data.tsv") && error.contains("missing"), "{error}");

    // A row with too few fields is a reject of its own; its file is then unlisted.
    write_file(&root, "data.tsv", format!("{HEADER}\nEB0_anger_1.wav\tanger\tTekst\n").as_bytes()).unwrap();
    let outcome = build(&raw, &dir.path().join("b"), 2);
    let rejects = rejects_of(&outcome.splits[0].report);
    assert!(rejects.contains(&("data.tsv#1", "row 1 of data.tsv: 3 fields where the header has 7")), "{rejects:?}");
    assert!(rejects.contains(&("samples/EB0_anger_1.wav", "not listed in data.tsv")), "{rejects:?}");
}

#[test]
fn the_complete_file_population_gives_the_reference_count() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    let rows = population(usize::MAX);
    assert_eq!(rows.len(), 4481);
    write_population(&raw.join("nemo"), &rows, 0.002).unwrap();
    let out = dir.path().join("out");
    let outcome = build(&raw, &out, 2);
    let report = &outcome.splits[0].report;
    assert_eq!((report.found, report.built, report.expected), (4481, 4481, 4481));
    assert!(report.rejects.is_empty() && report.duplicates.is_empty() && report.warnings.is_empty(), "{report:?}");
    let per_speaker = records(&out).into_iter().fold(BTreeMap::new(), |mut map, r| {
        *map.entry(r.speaker_id.unwrap()).or_insert(0) += 1;
        map
    });
    assert_eq!(per_speaker.len(), 9);
    assert_eq!(per_speaker["nemo_MP0"], 256);
}
