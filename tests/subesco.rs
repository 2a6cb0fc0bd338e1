//! SUBESCO end to end: a generated flat folder in the real layout (below a wrapper folder,
//! 44.1 and 48 kHz mixed within a speaker, the real file with a stray `]`) with traps (names
//! off the grammar or the corpus design, an unmapped emotion, junk) is built and the records
//! are checked field by field; the complete population is scanned for the reference count.
mod common;

use cameo::fixtures::subesco::{population, write_population, write_traps, FixtureFile, STRAY_BRACKET, WRAPPER};
use cameo::record::{Emotion, Gender};
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// F_02's sentence 2 (44.1 kHz, with the `]` file) and M_09's sentence 1 (20 files at
/// 44.1 kHz, 15 at 48 kHz): 70 files below the wrapper folder, plus the traps.
fn raw_tree(raw: &Path) -> cameo::fixtures::subesco::Traps {
    let root = raw.join("subesco");
    let subset: Vec<FixtureFile> = population()
        .into_iter()
        .filter(|f| f.name.starts_with("F_02_MONIKA_S_2_") || f.name.starts_with("M_09_SHUMANTA_S_1_"))
        .collect();
    assert_eq!(subset.len(), 70);
    write_population(&root, WRAPPER, &subset, 0.05).unwrap();
    write_traps(&root).unwrap()
}

#[test]
fn traps_end_as_records_rejects_or_skips() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let traps = raw_tree(&raw);
    let outcome = build(&raw, &out, 2);
    let report = &outcome.splits[0].report;
    // 70 population files + 6 bad WAVs.
    assert_eq!(report.found, 76);
    assert_eq!(report.built, 70);
    assert!(report.duplicates.is_empty());
    let rejects = rejects_of(report);
    let expected: BTreeSet<(&str, &str)> = [
        (traps.unknown_emotion.as_str(), "unknown emotion code 'CALM' (not in the [labels] of manifests/subesco.toml)"),
        (traps.wrong_name.as_str(), "speaker F_03 is SMITA, but the name says SMIIA"),
        (traps.unknown_speaker.as_str(), "speaker F_11: only F_01-F_10 and M_01-M_10 exist"),
        (traps.bad_sentence.as_str(), "sentence 11: only 1-10 exist"),
        (traps.bad_take.as_str(), "take 6: only 1-5 exist"),
        (traps.bad_grammar.as_str(), "file name does not follow G_NN_NAME_S_K_EMOTION_T.wav"),
    ]
    .into();
    assert_eq!(rejects, expected);
    let expected: BTreeSet<(&str, &str)> = [
        (traps.macosx_junk.as_str(), "macOS archive metadata (__MACOSX)"),
        (traps.ds_store.as_str(), "macOS folder metadata (.DS_Store)"),
    ]
    .into();
    assert_eq!(skips_of(report), expected);
    assert_eq!(report.formats.get("44100 Hz, 1 ch"), Some(&55));
    assert_eq!(report.formats.get("48000 Hz, 1 ch"), Some(&15));
    // Both rates are expected: the only warning is the count of this partial tree.
    assert_eq!(report.warnings, vec!["built 70 samples, the manifest expects 7000".to_string()]);
    assert_eq!(report.found, report.built + report.duplicates.len() + report.rejects.len());
}

#[test]
fn records_carry_every_field_and_the_stray_bracket_file_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    raw_tree(&raw);
    build(&raw, &out, 2);
    let records = records(&out);
    assert_eq!(records.len(), 70);
    let by_source = by_source(&records);

    // Parsed without the `]`, recorded under its real name.
    let bracket = &by_source[&format!("{WRAPPER}/{STRAY_BRACKET}")];
    assert_eq!(bracket.source, "SUBESCO/F_02_MONIKA_S_2_SURPRISE_3].wav");
    assert_eq!(bracket.emotion, Emotion::Surprise);
    assert_eq!(bracket.transcription, None);
    assert_eq!(bracket.speaker_id.as_deref(), Some("subesco_F_02"));
    assert_eq!(bracket.gender, Some(Gender::Female));
    assert_eq!(bracket.age, None);
    assert_eq!(bracket.dataset, "SUBESCO");
    assert_eq!(bracket.language, "Bengali");
    assert_eq!(bracket.license, "CC BY 4.0");
    assert_eq!(bracket.duration, 0.05);
    assert_eq!(bracket.audio, format!("audio/subesco/{}", bracket.file_id));
    assert!(!by_source.contains_key("SUBESCO/F_02_MONIKA_S_2_SURPRISE_3.wav"));

    // A 48 kHz file of a speaker whose other files are at 44.1 kHz.
    let sad = &by_source["SUBESCO/M_09_SHUMANTA_S_1_SAD_3.wav"];
    assert_eq!(sad.emotion, Emotion::Sadness);
    assert_eq!((sad.speaker_id.as_deref(), sad.gender), (Some("subesco_M_09"), Some(Gender::Male)));
    assert_eq!((sad.transcription.as_deref(), sad.age.as_deref(), sad.duration), (None, None, 0.05));
    let angry = &by_source["SUBESCO/M_09_SHUMANTA_S_1_ANGRY_1.wav"];
    assert_eq!((angry.emotion, angry.speaker_id.as_deref()), (Emotion::Anger, Some("subesco_M_09")));

    let per_emotion = records.iter().fold(BTreeMap::new(), |mut map, r| {
        *map.entry(r.emotion).or_insert(0) += 1;
        map
    });
    let seven = [
        Emotion::Anger,
        Emotion::Disgust,
        Emotion::Fear,
        Emotion::Happiness,
        Emotion::Neutral,
        Emotion::Sadness,
        Emotion::Surprise,
    ];
    assert_eq!(per_emotion, seven.iter().map(|e| (*e, 10)).collect());
    let per_gender = records.iter().fold(BTreeMap::new(), |mut map, r| {
        *map.entry(r.gender).or_insert(0) += 1;
        map
    });
    assert_eq!(per_gender, BTreeMap::from([(Some(Gender::Female), 35), (Some(Gender::Male), 35)]));
}

#[test]
fn the_complete_file_population_gives_the_reference_count() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("subesco");
    let files = population();
    assert_eq!(files.len(), 7000);
    assert_eq!(files.iter().map(|f| &f.name).collect::<BTreeSet<_>>().len(), 7000);
    assert_eq!(files.iter().filter(|f| f.sample_rate == 44_100).count(), 4555);
    assert_eq!(files.iter().filter(|f| f.sample_rate == 48_000).count(), 2445);
    // Flat, as the listing shows it; scan only, so the audio can be tiny.
    write_population(&root, "", &files, 0.001).unwrap();
    let entry = cameo::corpora::find("subesco").unwrap();
    let manifest = entry.manifest.clone();
    let scan = entry.adapter.scan(&root, &manifest).unwrap();
    assert_eq!(scan.items.len(), 7000);
    assert_eq!(manifest.expected_count, 7000);
    assert!(scan.rejects.is_empty() && scan.skipped.is_empty(), "{:?} {:?}", scan.rejects, scan.skipped);
    assert!(scan.items.iter().any(|item| item.location.file() == STRAY_BRACKET));
    assert!(scan.items.iter().all(|item| manifest.emotion_for(&item.source_label).is_some()));
    assert!(scan.items.iter().all(|item| item.transcription.is_none() && item.age.is_none()));
    let count = |key: fn(&cameo::corpora::SourceItem) -> String| {
        scan.items.iter().fold(BTreeMap::<String, usize>::new(), |mut map, item| {
            *map.entry(key(item)).or_default() += 1;
            map
        })
    };
    let per_speaker = count(|item| item.speaker.clone().unwrap());
    assert_eq!(per_speaker.len(), 20);
    assert!(per_speaker.values().all(|&n| n == 350));
    let per_label = count(|item| item.source_label.clone());
    assert_eq!(per_label.len(), 7);
    assert!(per_label.values().all(|&n| n == 1000));
    let per_gender = count(|item| format!("{:?}", item.gender));
    assert_eq!(per_gender.values().copied().collect::<Vec<_>>(), vec![3500, 3500]);
}
