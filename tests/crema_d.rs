//! CREMA-D end to end: a generated clone in the real layout with the traps of the real
//! repository (LFS pointers, a silent file, the MP3 folder, CSVs) is built and the records are
//! checked field by field.
mod common;

use cameo::fixtures::crema_d::{lfs_pointer, population, write_population, write_traps};
use cameo::fixtures::write_file;
use cameo::record::{Emotion, Gender};
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Two actors' files (164) plus the traps.
fn raw_tree(raw: &Path) -> cameo::fixtures::crema_d::Traps {
    let root = raw.join("crema_d");
    write_population(&root, &population(1001..=1002), 0.05).unwrap();
    write_traps(&root).unwrap()
}

#[test]
fn traps_end_as_records_rejects_or_skips() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let traps = raw_tree(&raw);
    let outcome = build(&raw, &out, 2);
    let report = &outcome.splits[0].report;
    // 164 population files + 7 trap WAVs in AudioWAV/.
    assert_eq!(report.found, 171);
    assert_eq!(report.built, 166);
    assert!(report.duplicates.is_empty());
    let rejects = rejects_of(report);
    let expected: BTreeSet<(&str, &str)> = [
        (traps.lfs_pointer.as_str(), "Git LFS pointer, fetch the real file (git lfs pull)"),
        (traps.bad_level.as_str(), "level ZZ: only LO, MD, HI or XX exist"),
        (traps.unknown_sentence.as_str(), "unknown sentence code XYZ"),
        (traps.unknown_actor.as_str(), "actor 1092 not in the [speakers] of the manifest"),
        (traps.unknown_emotion.as_str(), "unknown emotion code 'CAL' (not in the [labels] of manifests/crema_d.toml)"),
    ]
    .into();
    assert_eq!(rejects, expected);
    let skipped = skips_of(report);
    let outside = "outside AudioWAV/ (CAMEO uses the WAV audio only)";
    let expected: BTreeSet<(&str, &str)> = [
        (traps.mp3.as_str(), outside),
        (traps.demographics_csv.as_str(), outside),
        (traps.gitattributes.as_str(), outside),
    ]
    .into();
    assert_eq!(skipped, expected);
    assert_eq!(report.silent.len(), 1);
    assert_eq!(report.formats.get("16000 Hz, 1 ch"), Some(&166));
    assert_eq!(report.found, report.built + report.duplicates.len() + report.rejects.len());
}

#[test]
fn a_git_lfs_pointer_in_place_of_a_wav_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let root = raw.join("crema_d");
    // A clone without LFS: every WAV is a pointer text.
    let names = population(1001..=1001);
    for (index, name) in names.iter().enumerate() {
        write_file(&root, name, &lfs_pointer(index as u8, 40_618 + index as u64 * 2)).unwrap();
    }
    let outcome = build(&raw, &out, 2);
    let report = &outcome.splits[0].report;
    assert_eq!((report.found, report.built), (82, 0));
    assert_eq!(report.rejects.len(), 82);
    assert!(report.rejects.iter().all(|r| r.reason == "Git LFS pointer, fetch the real file (git lfs pull)"));
    assert_eq!(report.rejects[0].source, "AudioWAV/1001_DFA_ANG_XX.wav");
}

#[test]
fn records_carry_every_field_of_the_reference_format() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let traps = raw_tree(&raw);
    build(&raw, &out, 2);
    let records = records(&out);
    assert_eq!(records.len(), 166);
    let by_source = by_source(&records);

    let high = &by_source[&traps.ieo_high];
    assert_eq!(high.emotion, Emotion::Disgust);
    assert_eq!(high.transcription.as_deref(), Some("It's eleven o'clock"));
    assert_eq!(high.speaker_id.as_deref(), Some("crema_d_1065"));
    assert_eq!(high.gender, Some(Gender::Male));
    assert_eq!(high.age.as_deref(), Some("38"));
    assert_eq!(high.dataset, "CREMA-D");
    assert_eq!(high.language, "English");
    assert_eq!(high.license, "ODbL 1.0");
    assert_eq!(high.duration, 0.4);
    assert_eq!(high.source, "AudioWAV/1065_IEO_DIS_HI.wav");

    let silent = &by_source[&traps.silent];
    assert_eq!((silent.emotion, silent.duration), (Emotion::Sadness, 0.5));
    assert_eq!(silent.transcription.as_deref(), Some("Maybe tomorrow it will be cold"));
    assert_eq!(
        (silent.speaker_id.as_deref(), silent.gender, silent.age.as_deref()),
        (Some("crema_d_1076"), Some(Gender::Female), Some("25"))
    );

    let happy = &by_source["AudioWAV/1002_WSI_HAP_XX.wav"];
    assert_eq!(happy.emotion, Emotion::Happiness);
    assert_eq!(happy.transcription.as_deref(), Some("We'll stop in a couple of minutes"));
    assert_eq!(
        (happy.speaker_id.as_deref(), happy.gender, happy.age.as_deref()),
        (Some("crema_d_1002"), Some(Gender::Female), Some("21"))
    );
}

#[test]
fn a_tree_without_audio_wav_fails_naming_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    write_file(&raw.join("crema_d"), "AudioMP3/1001_DFA_ANG_XX.mp3", b"ID3").unwrap();
    let error = cameo::build::run_build(&options(&raw, &out, 2)).expect_err("the build refuses the tree").to_string();
    assert!(error.contains("crema_d") && error.contains("no AudioWAV/ folder"), "{error}");
}

#[test]
fn the_complete_file_population_gives_the_reference_count() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    let names = population(1001..=1091);
    assert_eq!(names.len(), 7442);
    write_population(&raw.join("crema_d"), &names, 0.002).unwrap();
    let out = dir.path().join("out");
    let outcome = build(&raw, &out, 2);
    let report = &outcome.splits[0].report;
    assert_eq!((report.found, report.built, report.expected), (7442, 7442, 7442));
    assert!(report.rejects.is_empty() && report.duplicates.is_empty() && report.warnings.is_empty(), "{report:?}");
    let records = records(&out);
    let speakers: BTreeSet<String> = records.iter().filter_map(|r| r.speaker_id.clone()).collect();
    assert_eq!(speakers.len(), 91);
    let per_emotion = records.iter().fold(BTreeMap::new(), |mut map, r| {
        *map.entry(r.emotion).or_insert(0) += 1;
        map
    });
    assert_eq!(per_emotion[&Emotion::Anger], 1271);
    assert_eq!(per_emotion[&Emotion::Neutral], 1087);
    let males = records
        .iter()
        .filter(|r| r.gender == Some(Gender::Male))
        .map(|r| r.speaker_id.clone())
        .collect::<BTreeSet<_>>();
    assert_eq!(males.len(), 48);
}
