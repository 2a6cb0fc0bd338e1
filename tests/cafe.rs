//! CaFE end to end: a generated raw tree in the real layout with the traps of the real
//! download (mojibake and NFD folder names, three-field neutral names, 24-bit audio, sidecar
//! text files, junk) is built and the records are checked field by field.
mod common;

use cameo::fixtures::cafe::{population, write_population, write_traps};
use cameo::record::{Emotion, Gender};
use common::*;
use std::collections::BTreeSet;
use std::path::Path;

/// Two actors' files (156) plus the traps.
fn raw_tree(raw: &Path) -> cameo::fixtures::cafe::Traps {
    let root = raw.join("cafe");
    write_population(&root, &population(1..=2), 0.05).unwrap();
    write_traps(&root).unwrap()
}

#[test]
fn traps_end_as_records_rejects_or_skips() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let traps = raw_tree(&raw);
    let outcome = build(&raw, &out, 2);
    let report = &outcome.splits[0].report;
    // 156 population files + 4 good traps + 3 bad ones.
    assert_eq!(report.found, 163);
    assert_eq!(report.built, 160);
    assert!(report.duplicates.is_empty());
    let rejects = rejects_of(report);
    let expected: BTreeSet<(&str, &str)> = [
        (traps.bad_intensity.as_str(), "intensity 3: only 1 (Faible) or 2 (Fort) exist"),
        (traps.unknown_actor.as_str(), "actor 13 not in the [speakers] of the manifest"),
        (traps.unknown_emotion.as_str(), "unknown emotion code 'X' (not in the [labels] of manifests/cafe.toml)"),
    ]
    .into();
    assert_eq!(rejects, expected);
    let skipped = skips_of(report);
    let expected: BTreeSet<(&str, &str)> = [
        (traps.readme.as_str(), "corpus documentation, not audio"),
        (traps.license.as_str(), "corpus documentation, not audio"),
        (traps.macosx_junk.as_str(), "macOS archive metadata (__MACOSX)"),
    ]
    .into();
    assert_eq!(skipped, expected);
    assert_eq!(report.formats.get("48000 Hz, 1 ch"), Some(&160));
    assert_eq!(report.found, report.built + report.duplicates.len() + report.rejects.len());
}

#[test]
fn records_carry_every_field_and_labels_come_from_file_names() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let traps = raw_tree(&raw);
    build(&raw, &out, 2);
    let records = records(&out);
    assert_eq!(records.len(), 160);
    let by_source = by_source(&records);

    // A mojibake folder name does not matter: the file name carries the labels, and the
    // source names the folder as the archive meant it (corpora::names; tests/raw_names.rs).
    let anger = &by_source["CaFE_48k/Colère/Fort/03-C-2-1.wav"];
    assert_eq!(anger.emotion, Emotion::Anger);
    assert_eq!(anger.transcription.as_deref(), Some("Un cheval fou dans mon jardin"));
    assert_eq!(anger.speaker_id.as_deref(), Some("cafe_03"));
    assert_eq!(anger.gender, Some(Gender::Male));
    assert_eq!(anger.age.as_deref(), Some("18"));
    assert_eq!(anger.dataset, "CaFE");
    assert_eq!(anger.language, "French");
    assert_eq!(anger.license, "CC BY-NC-SA 4.0");
    assert_eq!(anger.duration, 0.5);
    assert_eq!(anger.source, "CaFE_48k/Colère/Fort/03-C-2-1.wav");
    assert_eq!(traps.mojibake_folder, "CaFE_48k/ColŠre/Fort/03-C-2-1.wav");

    let disgust = &by_source["CaFE_48k/Dégoût/Faible/04-D-1-2.wav"];
    assert_eq!(traps.nfd_folder, "CaFE_48k/De\u{301}gou\u{302}t/Faible/04-D-1-2.wav");
    assert_eq!(disgust.emotion, Emotion::Disgust);
    assert_eq!(disgust.transcription.as_deref(), Some("Deux ânes aigris au pelage brun"));
    assert_eq!((disgust.speaker_id.as_deref(), disgust.gender), (Some("cafe_04"), Some(Gender::Female)));
    assert_eq!(disgust.age.as_deref(), Some("50"));

    let neutral = &by_source[&traps.three_field_neutral];
    assert_eq!(neutral.emotion, Emotion::Neutral);
    assert_eq!(neutral.transcription.as_deref(), Some("Trois cygnes aveugles au bord du lac"));
    assert_eq!((neutral.speaker_id.as_deref(), neutral.age.as_deref()), (Some("cafe_05"), Some("22")));

    let joy = &by_source[&traps.pcm_24bit];
    assert_eq!((joy.emotion, joy.duration), (Emotion::Happiness, 0.3));
    assert_eq!(joy.transcription.as_deref(), Some("Quatre vieilles truies éléphantesques"));
    assert_eq!(
        (joy.speaker_id.as_deref(), joy.gender, joy.age.as_deref()),
        (Some("cafe_06"), Some(Gender::Female), Some("34"))
    );

    let population_file = &by_source["Tristesse/Faible/01-T-1-6.wav"];
    assert_eq!(population_file.emotion, Emotion::Sadness);
    assert_eq!(population_file.transcription.as_deref(), Some("Six ours aimants domestiqués"));
    assert_eq!((population_file.speaker_id.as_deref(), population_file.age.as_deref()), (Some("cafe_01"), Some("46")));

    let per_emotion = records.iter().fold(std::collections::BTreeMap::new(), |mut map, r| {
        *map.entry(r.emotion).or_insert(0) += 1;
        map
    });
    assert_eq!(per_emotion.len(), 7);
    assert_eq!(per_emotion[&Emotion::Surprise], 24);
}

#[test]
fn the_complete_file_population_gives_the_reference_count() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    let names = population(1..=12);
    assert_eq!(names.len(), 936);
    write_population(&raw.join("cafe"), &names, 0.002).unwrap();
    let out = dir.path().join("out");
    let outcome = build(&raw, &out, 2);
    let report = &outcome.splits[0].report;
    assert_eq!((report.found, report.built, report.expected), (936, 936, 936));
    assert!(report.rejects.is_empty() && report.duplicates.is_empty() && report.warnings.is_empty(), "{report:?}");
    let records = records(&out);
    let speakers: BTreeSet<String> = records.iter().filter_map(|r| r.speaker_id.clone()).collect();
    assert_eq!(speakers.len(), 12);
    assert!(records.iter().all(|r| r.gender.is_some() && r.age.is_some() && r.transcription.is_some()));
}
