//! Oréau end to end: a generated raw tree in the real layout (NFD folder names, the version
//! folder doubled, stereo 44.1 kHz) with the traps of the real download (version-2 files
//! beside version 1, contents.txt, a mono file, junk, names and folders off the grammar) is
//! built and the records are checked field by field; the version and folder-spelling rules
//! are checked on scans.
mod common;

use cameo::corpora::{Scan, ScanError};
use cameo::fixtures::oreau::{
    population, population_v2, write_population, write_traps, DOUBLED_VERSION_ONE, DOUBLED_VERSION_TWO, VERSION_ONE,
};
use cameo::fixtures::write_file;
use cameo::record::{Emotion, Gender};
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The first 28 files of version 1 (the listed ones among them) plus the traps.
fn raw_tree(raw: &Path) -> cameo::fixtures::oreau::Traps {
    let root = raw.join("oreau");
    write_population(&root, DOUBLED_VERSION_ONE, &population()[..28], 0.05).unwrap();
    write_traps(&root).unwrap()
}

/// A path as the build names it (NFC; corpora::names): the fixture writes the folders in NFD,
/// as the macOS-made zip holds them.
fn named(path: &str) -> String {
    cameo::corpora::names::decode_relative(Path::new(path)).text
}

/// Sets of (source, reason) with the sources named as the build names them.
fn named_set(pairs: BTreeSet<(&str, &str)>) -> BTreeSet<(String, String)> {
    pairs.into_iter().map(|(source, reason)| (named(source), reason.to_string())).collect()
}

fn owned(pairs: BTreeSet<(&str, &str)>) -> BTreeSet<(String, String)> {
    pairs.into_iter().map(|(source, reason)| (source.to_string(), reason.to_string())).collect()
}

/// The adapter's scan alone (no decoding), with the embedded manifest.
fn scan(root: &Path) -> Result<Scan, ScanError> {
    let entry = cameo::corpora::find("oreau").unwrap();
    entry.adapter.scan(root, &entry.manifest.clone())
}

#[test]
fn traps_end_as_records_rejects_or_skips() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let traps = raw_tree(&raw);
    let outcome = build(&raw, &out, 2);
    let report = &outcome.splits[0].report;
    // 28 population files + the mono file + 7 bad WAVs; version 2 and junk are not found.
    assert_eq!(report.found, 36);
    assert_eq!(report.built, 29);
    assert!(report.duplicates.is_empty());
    let rejects = rejects_of(report);
    let expected: BTreeSet<(&str, &str)> = [
        (traps.unknown_speaker.as_str(), "speaker 05 not in the [speakers] of the manifest"),
        (traps.session_mismatch.as_str(), "emotion letter C of the name disagrees with its folder sessj"),
        (traps.gender_mismatch.as_str(), "speaker 07 is male in the [speakers] of the manifest but lies under f/"),
        (traps.bad_name.as_str(), "file name does not follow SSxNNEt.wav (e.g. 10a02Ja.wav)"),
        (traps.misplaced.as_str(), "not at OréauFR_01/<f|m>/sess<e>/<name>.wav"),
        (traps.outside_version.as_str(), "outside an OréauFR_01/ folder, so its version is unknown"),
        (traps.unknown_emotion.as_str(), "unknown emotion code 'X' (not in the [labels] of manifests/oreau.toml)"),
    ]
    .into();
    assert_eq!(owned(rejects), named_set(expected));
    let version_two = "version 2 (OréauFR_02, 434 utterances); CAMEO uses version 1 (OréauFR_01, 502 utterances)";
    let mut expected: BTreeSet<(&str, &str)> = [
        (traps.contents.as_str(), "corpus documentation (contents.txt), not audio"),
        (traps.macosx_junk.as_str(), "macOS archive metadata (__MACOSX)"),
        (traps.ds_store.as_str(), "macOS folder metadata (.DS_Store)"),
    ]
    .into();
    expected.extend(traps.version_two.iter().map(|path| (path.as_str(), version_two)));
    assert_eq!(owned(skips_of(report)), named_set(expected));
    assert_eq!(report.formats.get("44100 Hz, 2 ch"), Some(&28));
    assert_eq!(report.formats.get("44100 Hz, 1 ch"), Some(&1));
    assert!(report.warnings.iter().any(|w| w == "1 source(s) with 1 channel(s); the manifest expects [2] (downmixed)"));
    assert_eq!(report.found, report.built + report.duplicates.len() + report.rejects.len());
}

#[test]
fn records_carry_every_field_and_labels_come_from_names_and_folders() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let traps = raw_tree(&raw);
    build(&raw, &out, 2);
    let records = records(&out);
    assert_eq!(records.len(), 29);
    let by_source = by_source(&records);

    // The source names the NFD folders in NFC (corpora::names), doubled as on disk.
    let joy = &by_source[&named(&format!("{DOUBLED_VERSION_ONE}/f/sessj/10a02Ja.wav"))];
    assert_eq!(joy.source, "OréauFR_01/OréauFR_01/f/sessj/10a02Ja.wav");
    assert_eq!(joy.emotion, Emotion::Happiness);
    assert_eq!(joy.transcription, None);
    assert_eq!(joy.speaker_id.as_deref(), Some("oreau_10"));
    assert_eq!(joy.gender, Some(Gender::Female));
    assert_eq!(joy.age, None);
    assert_eq!(joy.dataset, "Oréau");
    assert_eq!(joy.language, "French");
    assert_eq!(joy.license, "CC BY 4.0");
    assert_eq!(joy.duration, 0.05);
    assert_eq!(joy.audio, format!("audio/oreau/{}", joy.file_id));

    // The utterance code with `z`.
    let surprise = &by_source[&named(&format!("{DOUBLED_VERSION_ONE}/m/sesss/07z03Sa.wav"))];
    assert_eq!(surprise.emotion, Emotion::Surprise);
    assert_eq!((surprise.speaker_id.as_deref(), surprise.gender), (Some("oreau_07"), Some(Gender::Male)));
    assert_eq!((surprise.transcription.as_deref(), surprise.age.as_deref()), (None, None));

    // A take letter other than `a`.
    let take_b = population()[..28].iter().find(|name| name.ends_with("b.wav")).unwrap().clone();
    assert_eq!(take_b, "m/sessd/16a01Db.wav");
    let disgust = &by_source[&named(&format!("{DOUBLED_VERSION_ONE}/{take_b}"))];
    assert_eq!(disgust.emotion, Emotion::Disgust);
    assert_eq!((disgust.speaker_id.as_deref(), disgust.gender), (Some("oreau_16"), Some(Gender::Male)));
    let neutral = &by_source[&named(&format!("{DOUBLED_VERSION_ONE}/m/sessn/27a03Na.wav"))];
    assert_eq!((neutral.emotion, neutral.speaker_id.as_deref()), (Emotion::Neutral, Some("oreau_27")));

    let mono = &by_source[&named(&traps.mono)];
    assert_eq!((mono.emotion, mono.duration), (Emotion::Disgust, 0.5));
    assert_eq!((mono.speaker_id.as_deref(), mono.gender), (Some("oreau_42"), Some(Gender::Female)));

    let anger = &by_source[&named(&format!("{DOUBLED_VERSION_ONE}/m/sessc/28a08Ca.wav"))];
    assert_eq!((anger.emotion, anger.speaker_id.as_deref()), (Emotion::Anger, Some("oreau_28")));
    let fear = &by_source[&named(&format!("{DOUBLED_VERSION_ONE}/f/sessp/10a02Pa.wav"))];
    assert_eq!((fear.emotion, fear.gender), (Emotion::Fear, Some(Gender::Female)));
    let sadness = &by_source[&named(&format!("{DOUBLED_VERSION_ONE}/m/sesst/41a10Ta.wav"))];
    assert_eq!((sadness.emotion, sadness.speaker_id.as_deref()), (Emotion::Sadness, Some("oreau_41")));
    assert!(records.iter().all(|r| r.transcription.is_none() && r.age.is_none() && r.gender.is_some()));
    // No version-2 file became a record.
    assert!(records.iter().all(|r| r.source.contains("auFR_01/")));
}

#[test]
fn a_tree_holding_only_version_two_is_refused_saying_what_to_download() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    write_population(&raw.join("oreau"), DOUBLED_VERSION_TWO, &population_v2()[..5], 0.05).unwrap();
    write_file(&raw.join("oreau"), &format!("{DOUBLED_VERSION_TWO}/contents.txt"), b"phrases\n").unwrap();
    let error = cameo::build::run_build(&options(&raw, &out, 2)).expect_err("the build refuses the tree").to_string();
    assert!(error.starts_with("oreau: "), "{error}");
    assert!(error.contains(&raw.join("oreau").display().to_string()), "{error}");
    assert!(
        error.contains(
            "holds only OréauFR_02, version 2 of Oréau (434 utterances); CAMEO uses version 1: download OréauFR_01 \
             (502 utterances) from https://zenodo.org/record/4405783 and extract it here"
        ),
        "{error}"
    );
}

#[test]
fn a_tree_without_a_version_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("oreau");
    // The zip's content extracted without its top folder: the version cannot be told.
    write_population(&root, "f", &["sessc/10a01Ca.wav".to_string()], 0.01).unwrap();
    let error = scan(&root).expect_err("the scan refuses the tree").to_string();
    assert!(error.contains("no OréauFR_01 folder with files below it"), "{error}");
}

#[test]
fn every_spelling_of_the_version_folder_is_recognised() {
    let names = population()[..10].to_vec();
    for folder in [
        "OréauFR_01",             // NFC
        "Ore\u{301}auFR_01",      // NFD (macOS zip)
        "Or├⌐auFR_01",            // UTF-8 NFC bytes decoded as CP437
        "Ore╠üauFR_01",           // UTF-8 NFD bytes decoded as CP437
        "OrÃ©auFR_01",            // UTF-8 bytes decoded as cp1252
        "OreauFR_01",             // renamed to ASCII
        "OréauFR_01/Or├⌐auFR_01", // doubled, spelled two ways
    ] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("oreau");
        write_population(&root, folder, &names, 0.01).unwrap();
        write_population(&root, &folder.replace("_01", "_02"), &population_v2()[..4], 0.01).unwrap();
        let scan = scan(&root).unwrap();
        assert_eq!(scan.items.len(), 10, "{folder}");
        assert!(scan.rejects.is_empty(), "{folder}: {:?}", scan.rejects);
        let prefix = format!("{}/", named(folder));
        assert!(scan.items.iter().all(|item| item.location.file().starts_with(&prefix)), "{folder}");
        assert_eq!(scan.skipped.len(), 4, "{folder}");
    }
}

#[test]
#[cfg(unix)]
fn raw_cp437_bytes_in_the_folder_name_are_read_as_cp437() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let root = raw.join("oreau");
    // `OréauFR_01` as a Windows zip stores it (CP437/CP850 0x82 for é), extracted undecoded:
    // read as CP437, it is the version folder itself.
    let folder = root.join(std::ffi::OsStr::from_bytes(b"Or\x82auFR_01"));
    write_population(&folder, "f", &["sessc/10a01Ca.wav".to_string()], 0.01).unwrap();
    build(&raw, &out, 2);
    let records = records(&out);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].source, "OréauFR_01/f/sessc/10a01Ca.wav");
}

#[test]
fn the_complete_file_population_gives_the_reference_count() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("oreau");
    let names = population();
    assert_eq!(names.len(), 502);
    assert_eq!(names.iter().collect::<BTreeSet<_>>().len(), 502);
    write_population(&root, DOUBLED_VERSION_ONE, &names, 0.001).unwrap();
    let manifest = cameo::corpora::find("oreau").unwrap().manifest.clone();
    let check = |scan: &Scan| {
        assert_eq!(scan.items.len(), 502);
        assert_eq!(manifest.expected_count, 502);
        assert!(scan.rejects.is_empty(), "{:?}", scan.rejects);
        assert!(scan.items.iter().all(|item| manifest.emotion_for(&item.source_label).is_some()));
        let speakers: BTreeMap<&str, Gender> =
            scan.items.iter().map(|item| (item.speaker.as_deref().unwrap(), item.gender.unwrap())).collect();
        assert_eq!(speakers.len(), 32);
        assert_eq!(speakers.values().filter(|g| **g == Gender::Female).count(), 7);
        let labels: BTreeSet<&str> = scan.items.iter().map(|item| item.source_label.as_str()).collect();
        assert_eq!(labels, ["C", "D", "J", "N", "P", "S", "T"].into());
        assert!(scan.items.iter().all(|item| item.transcription.is_none() && item.age.is_none()));
    };
    let only_one = scan(&root).unwrap();
    check(&only_one);
    assert!(only_one.skipped.is_empty());

    // With version 2 beside it, still 502: the 434 files of version 2 are skipped, each with
    // the reason.
    let v2 = population_v2();
    assert_eq!(v2.len(), 434);
    write_population(&root, DOUBLED_VERSION_TWO, &v2, 0.001).unwrap();
    write_file(&root, &format!("{VERSION_ONE}/{VERSION_ONE}/contents.txt"), b"phrases\n").unwrap();
    let both = scan(&root).unwrap();
    check(&both);
    let version_two = "version 2 (OréauFR_02, 434 utterances); CAMEO uses version 1 (OréauFR_01, 502 utterances)";
    assert_eq!(both.skipped.iter().filter(|s| s.reason == version_two).count(), 434);
    assert_eq!(both.skipped.len(), 435);
}
