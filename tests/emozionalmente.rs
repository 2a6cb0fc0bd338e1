//! Emozionalmente end to end: a generated v1.0 tree (timestamp-named WAVs at 16 and 44.1 kHz,
//! samples.csv/users.csv/evaluations.csv) with the traps of a CSV-described crowdsourced corpus
//! is built and the records are checked field by field; the v1.1 layout gives the same
//! records; missing tables stop the build naming them; the complete population scans to 6,902.
mod common;

use cameo::fixtures::emozionalmente::{
    actor_hash, population, sentence, write_audio, write_population, write_tables, write_traps, Version, NFD_SENTENCE,
    REAL_ACTOR, REAL_NAMES_16K, REAL_NAMES_44K,
};
use cameo::record::{Emotion, Gender};
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The first 40 rows of the population plus the traps.
fn raw_tree(raw: &Path) -> cameo::fixtures::emozionalmente::Traps {
    let root = raw.join("emozionalmente");
    write_population(&root, Version::V1_0, &population(40), 0.05).unwrap();
    write_traps(&root).unwrap()
}

#[test]
fn traps_end_as_records_rejects_or_skips() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let traps = raw_tree(&raw);
    let outcome = build(&raw, &out, 2);
    let report = &outcome.splits[0].report;
    // 40 population files + 4 trap WAVs with rows + 1 WAV without a row + 1 row without a WAV
    // + the rows whose actor is unknown or has an unseen gender.
    assert_eq!(report.found, 47);
    assert_eq!(report.built, 42);
    assert!(report.duplicates.is_empty());
    let unknown_actor = format!("actor {} not in users.csv", traps.stranger);
    let expected: BTreeSet<(&str, &str)> = [
        (traps.without_row.as_str(), "not listed in samples.csv"),
        (traps.without_file.as_str(), "listed in samples.csv row 41 but the file is missing"),
        (traps.unknown_actor.as_str(), unknown_actor.as_str()),
        (traps.unknown_gender.as_str(), "users.csv row 432: unknown gender 'other' (female or male expected)"),
        (
            traps.unknown_emotion.as_str(),
            "unknown emotion code 'no_agreement' (not in the [labels] of manifests/emozionalmente.toml)",
        ),
    ]
    .into();
    assert_eq!(rejects_of(report), expected);
    let expected: BTreeSet<(&str, &str)> = [
        (traps.samples_csv.as_str(), "the samples table (read for labels, texts and actors)"),
        (traps.users_csv.as_str(), "the actor table (read for gender and age)"),
        (traps.evaluations_csv.as_str(), "listener votes; CAMEO uses the intended emotion (emotion_expressed)"),
        (traps.macosx_junk.as_str(), "macOS archive metadata (__MACOSX)"),
        (traps.ds_store.as_str(), "macOS folder metadata (.DS_Store)"),
    ]
    .into();
    assert_eq!(skips_of(report), expected);
    // Mixed rates are expected, so the only warning is the count of this small tree.
    assert_eq!(report.formats.get("16000 Hz, 1 ch"), Some(&40));
    assert_eq!(report.formats.get("44100 Hz, 1 ch"), Some(&2));
    assert_eq!(report.warnings, ["built 42 samples, the manifest expects 6902"]);
    assert_eq!(report.found, report.built + report.duplicates.len() + report.rejects.len());
}

#[test]
fn records_carry_every_field_and_labels_come_from_the_tables() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let traps = raw_tree(&raw);
    build(&raw, &out, 2);
    let records = records(&out);
    assert_eq!(records.len(), 42);
    let by_source = by_source(&records);

    // Row 1: actor 0 (the real hash, a woman of 18), sentence 1, anger, 16 kHz.
    let first = &by_source[&format!("emozionalmente_dataset/audio/{}", REAL_NAMES_16K[0])];
    assert_eq!(first.emotion, Emotion::Anger);
    assert_eq!(first.transcription.as_deref(), Some("Perché non me l'hai detto prima?"));
    assert_eq!(first.speaker_id, Some(format!("emozionalmente_{REAL_ACTOR}")));
    assert_eq!(first.gender, Some(Gender::Female));
    assert_eq!(first.age.as_deref(), Some("18"));
    assert_eq!(first.dataset, "Emozionalmente");
    assert_eq!(first.language, "Italian");
    assert_eq!(first.license, "CC BY 4.0");
    assert_eq!(first.duration, 0.05);

    // Row 6: the first 44.1 kHz file, actor 5 (a man of 53), sadness.
    let resampled = &by_source[&format!("emozionalmente_dataset/audio/{}", REAL_NAMES_44K[0])];
    assert_eq!((resampled.emotion, resampled.duration), (Emotion::Sadness, 0.05));
    assert_eq!(resampled.speaker_id, Some(format!("emozionalmente_{}", actor_hash(5))));
    assert_eq!((resampled.gender, resampled.age.as_deref()), (Some(Gender::Male), Some("53")));

    // Row 4: joy → happiness; row 5: neutrality → neutral; the quoted, comma-holding sentence.
    let joy = &by_source[&format!("emozionalmente_dataset/audio/{}.wav", 1_612_871_026_347u64 + 3 * 1_129_513)];
    assert_eq!(joy.emotion, Emotion::Happiness);
    let row_8 = &by_source[&format!("emozionalmente_dataset/audio/{}.wav", 1_612_871_026_347u64 + 7 * 1_129_513)];
    assert_eq!((row_8.emotion, row_8.transcription.as_deref()), (Emotion::Anger, Some("Sì, è \"proprio\" così.")));
    assert_eq!(row_8.transcription.as_deref(), Some(sentence(2).as_str()));

    // A sentence stored decomposed (NFD) comes out composed (NFC).
    let nfd = &by_source[&traps.nfd_sentence];
    assert_eq!((nfd.emotion, nfd.transcription.as_deref()), (Emotion::Surprise, Some(NFD_SENTENCE)));
    assert_eq!((nfd.gender, nfd.age.as_deref()), (Some(Gender::Male), Some("32")));

    let rate = &by_source[&traps.at_44k];
    assert_eq!((rate.emotion, rate.duration), (Emotion::Happiness, 0.4));

    let per_emotion = records.iter().fold(BTreeMap::new(), |mut map, r| {
        *map.entry(r.emotion).or_insert(0) += 1;
        map
    });
    assert_eq!(per_emotion.len(), 7);
    assert_eq!(per_emotion[&Emotion::Anger], 6);
    assert_eq!(per_emotion[&Emotion::Happiness], 7);
    assert!(records.iter().all(|r| r.speaker_id.as_deref().is_some_and(|s| s.len() == "emozionalmente_".len() + 64)));
}

#[test]
fn the_v1_1_layout_gives_the_same_records_and_skips_its_split_tables() {
    let dir = tempfile::tempdir().unwrap();
    let rows = population(30);
    let mut builds = Vec::new();
    for version in [Version::V1_0, Version::V1_1] {
        let (raw, out) = (dir.path().join(format!("raw-{version:?}")), dir.path().join(format!("out-{version:?}")));
        write_population(&raw.join("emozionalmente"), version, &rows, 0.05).unwrap();
        let outcome = build(&raw, &out, 2);
        let report = &outcome.splits[0].report;
        assert_eq!((report.found, report.built), (30, 30));
        assert!(report.rejects.is_empty(), "{:?}", report.rejects);
        let splits: BTreeSet<&str> = report
            .skipped
            .iter()
            .filter(|s| s.reason == "v1.1 speaker-independent split table (the rows of samples.csv again)")
            .map(|s| s.source.as_str())
            .collect();
        if version == Version::V1_1 {
            let expected = ["train", "dev", "test"].map(|s| format!("emozionalmente/metadata/split/{s}.csv"));
            assert_eq!(splits, expected.iter().map(String::as_str).collect());
        } else {
            assert!(splits.is_empty());
        }
        builds.push(records(&out));
    }
    let without_source = |records: &[cameo::record::Record]| {
        records
            .iter()
            .map(|r| (r.file_id.clone(), r.emotion, r.transcription.clone(), r.speaker_id.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(without_source(&builds[0]), without_source(&builds[1]));
    assert!(builds[1].iter().all(|r| r.source.starts_with("emozionalmente/audio/")));
}

#[test]
fn missing_or_doubled_tables_fail_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    let root = raw.join("emozionalmente");
    write_population(&root, Version::V1_0, &population(3), 0.01).unwrap();
    let refused = |name: &str| {
        cameo::build::run_build(&options(&raw, &dir.path().join(name), 2)).expect_err("refused").to_string()
    };

    std::fs::remove_file(root.join("emozionalmente_dataset/metadata/users.csv")).unwrap();
    let error = refused("a");
    assert!(error.contains("emozionalmente_dataset/metadata/users.csv") && error.contains("missing"), "{error}");

    std::fs::remove_file(root.join("emozionalmente_dataset/metadata/samples.csv")).unwrap();
    let error = refused("b");
    assert!(error.contains("emozionalmente/metadata/samples.csv") && error.contains("missing"), "{error}");

    // v1.0 and v1.1 extracted side by side: which one is meant is not guessed.
    write_tables(&root, Version::V1_0, &population(3)).unwrap();
    write_population(&root, Version::V1_1, &population(3), 0.01).unwrap();
    let error = refused("c");
    assert!(error.contains("several metadata/samples.csv"), "{error}");

    std::fs::remove_dir_all(root.join("emozionalmente")).unwrap();
    std::fs::write(
        root.join("emozionalmente_dataset/metadata/samples.csv"),
        "file_name,actor,sentence,emotion\n1613655062436.wav,a,b,joy\n",
    )
    .unwrap();
    let error = refused("d");
    assert!(
        error.contains("emozionalmente_dataset/metadata/samples.csv")
            && error.contains("no `emotion_expressed` column"),
        "{error}"
    );
}

#[test]
fn the_complete_file_population_gives_the_reference_count() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("emozionalmente");
    let rows = population(usize::MAX);
    assert_eq!(rows.len(), 6902);
    let names: BTreeSet<&str> = rows.iter().map(|r| r.file_name.as_str()).collect();
    assert_eq!(names.len(), 6902);
    assert!(names.iter().all(|n| n.len() == 17 && ("1612871026347.wav"..="1620665800793.wav").contains(n)));
    assert_eq!(rows.iter().filter(|r| r.sample_rate == 44_100).count(), 150);
    write_tables(&root, Version::V1_0, &rows).unwrap();
    write_audio(&root, Version::V1_0, &rows, None).unwrap();

    let entry = cameo::corpora::find("emozionalmente").unwrap();
    let manifest = entry.manifest.clone();
    let scan = entry.adapter.scan(&root, &manifest).unwrap();
    assert!(scan.rejects.is_empty(), "{:?}", &scan.rejects[..scan.rejects.len().min(3)]);
    assert_eq!(scan.items.len(), manifest.expected_count);
    assert_eq!(scan.items.len(), 6902);
    let per_emotion = scan.items.iter().fold(BTreeMap::new(), |mut map, item| {
        *map.entry(manifest.emotion_for(&item.source_label).expect("mapped")).or_insert(0) += 1;
        map
    });
    assert_eq!(per_emotion.len(), 7);
    assert!(per_emotion.values().all(|&count| count == 986), "{per_emotion:?}");
    let per_actor = scan.items.iter().fold(BTreeMap::new(), |mut map, item| {
        *map.entry(item.speaker.clone().unwrap()).or_insert(0) += 1;
        map
    });
    assert_eq!(per_actor.len(), 431);
    assert_eq!((per_actor.values().min(), per_actor.values().max()), (Some(&1), Some(&105)));
    let sentences: BTreeSet<&str> = scan.items.iter().filter_map(|item| item.transcription.as_deref()).collect();
    assert_eq!(sentences.len(), 18);
    assert!(scan.items.iter().all(|item| item.gender.is_some() && item.age.is_some()));
}
