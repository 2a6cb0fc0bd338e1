//! RESD end to end: generated parquet tables in the Hugging Face layout (WAV files embedded in
//! a struct<bytes, path> column, 16 and 44.1 kHz) with the traps of the real release are
//! built; records are checked field by field and their audio sample by sample against the
//! same WAV bytes converted on their own; an old revision (bare float arrays) is refused.
mod common;

use cameo::corpora::{find, Scan};
use cameo::fixtures::resd::{
    population, wav_bytes, write_old_revision, write_tables, write_traps, Row, Split, EMOTIONS, TEST_FILE, TRAIN_FILE,
};
use cameo::record::Emotion;
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Dialogues 10-13 (112 rows: spaced names, dialogue 11's reversed folder, both rates) plus
/// the traps.
fn raw_tree(raw: &Path, seconds: f64) -> (Vec<Row>, cameo::fixtures::resd::Traps) {
    let rows = population(10..=13);
    let traps = write_traps(&raw.join("resd"), &rows, seconds).unwrap();
    (rows, traps)
}

fn scan(root: &Path) -> Result<Scan, String> {
    let entry = find("resd").unwrap();
    entry.adapter.scan(root, &entry.manifest.clone()).map_err(|error| error.to_string())
}

/// The `source` of the `index`-th row of `split` in `rows`.
fn source_of(rows: &[Row], wanted: &Row) -> String {
    let index = rows.iter().filter(|row| row.split == wanted.split).position(|row| row == wanted).unwrap();
    format!("{}#{index}", wanted.split.file())
}

#[test]
fn traps_end_as_records_rejects_or_skips() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let (rows, traps) = raw_tree(&raw, 0.05);
    assert_eq!(rows.len(), 112);
    let outcome = build(&raw, &out, 2);
    let report = &outcome.splits[0].report;
    // 112 population rows + 6 trap rows; the null-text row is built.
    assert_eq!(report.found, 118);
    assert_eq!(report.built, 113);
    assert!(report.duplicates.is_empty());
    let rejects = rejects_of(report);
    let expected: BTreeSet<(&str, &str)> = [
        (traps.null_audio.as_str(), "malformed audio: the row holds no audio bytes"),
        (traps.unknown_emotion.as_str(), "unknown emotion code 'surprise' (not in the [labels] of manifests/resd.toml)"),
        (traps.letter_mismatch.as_str(), "name '42_fear_neutral_f_930' has the letter f but the emotion column says neutral"),
        (
            traps.spaced_late_dialogue.as_str(),
            "name '42_fear_neutral n_940' does not follow DD_<emotion>_<emotion>_<letter>_NNN \
             (dialogue 01-50; a space before the letter only in dialogues 01-11)",
        ),
        (
            traps.path_mismatch.as_str(),
            "path column 'disgust_fear_44/44_disgust_fear_d_961.wav' names another clip than name '44_disgust_fear_d_960'",
        ),
    ]
    .into();
    assert_eq!(rejects, expected);
    let skipped = skips_of(report);
    let expected: BTreeSet<(&str, &str)> = [
        (traps.readme.as_str(), "dataset card, not audio"),
        (traps.gitattributes.as_str(), "git attributes, not audio"),
        (traps.download_metadata.as_str(), "Hugging Face download metadata (.cache/)"),
    ]
    .into();
    assert_eq!(skipped, expected);
    let fast = rows.iter().filter(|row| row.sample_rate == Some(44_100)).count();
    assert!(fast > 0 && fast < 112);
    assert_eq!(report.formats.get("44100 Hz, 1 ch"), Some(&fast));
    assert_eq!(report.formats.get("16000 Hz, 1 ch"), Some(&(112 - fast + 1)));
    assert_eq!(report.warnings, vec!["built 113 samples, the manifest expects 1396".to_string()]);
    assert_eq!(report.found, report.built + report.duplicates.len() + report.rejects.len());
    // Both tables are recorded as sources with their hashes.
    let sources: BTreeSet<&str> = report.sources.iter().map(|source| source.path.as_str()).collect();
    assert_eq!(sources, BTreeSet::from([TRAIN_FILE, TEST_FILE]));
}

/// Converts WAV bytes on their own, the way a single file would be: (file_id, samples).
fn standalone(wav: Vec<u8>, dir: &Path) -> (cameo::audio::ConvertedAudio, Vec<i16>) {
    let path = dir.join("standalone.flac");
    let mut stream = cameo::audio::open_bytes(wav).unwrap();
    let converted = cameo::audio::convert_to_flac(stream.as_mut(), &path).unwrap();
    (converted, decode_flac(&path))
}

#[test]
fn records_carry_every_field_and_the_embedded_audio_sample_by_sample() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let seconds = 0.3;
    let (rows, traps) = raw_tree(&raw, seconds);
    build(&raw, &out, 2);
    let records = records(&out);
    assert_eq!(records.len(), 113);
    let by_source = by_source(&records);

    // A 44.1 kHz row of the train table with a spaced name from dialogue 11.
    let fast = rows
        .iter()
        .find(|row| row.split == Split::Train && row.sample_rate == Some(44_100) && row.name.starts_with("11_"))
        .unwrap();
    assert!(fast.name.contains(' '));
    let record = &by_source[&source_of(&rows, fast)];
    assert_eq!(record.emotion, fast.emotion.parse::<Emotion>().unwrap());
    assert_eq!(record.transcription, fast.text);
    assert_eq!((record.speaker_id.as_deref(), record.gender, record.age.as_deref()), (None, None, None));
    assert_eq!(record.dataset, "RESD");
    assert_eq!(record.language, "Russian");
    assert_eq!(record.license, "MIT");
    assert_eq!(record.audio, format!("audio/resd/{}", record.file_id));
    let decoded = decode_flac(&out.join(&record.audio));
    let (converted, expected) = standalone(wav_bytes(fast, seconds).unwrap(), dir.path());
    assert_eq!(decoded, expected);
    assert_eq!(record.file_id, converted.file_id);
    assert_eq!(pcm_file_id(&decoded), record.file_id);
    assert_eq!(record.duration, converted.duration_seconds());
    assert_eq!(converted.source_rate, 44_100);

    // A 16 kHz row of the test table passes through unchanged.
    let slow = rows.iter().find(|row| row.split == Split::Test && row.sample_rate == Some(16_000)).unwrap();
    let record = &by_source[&source_of(&rows, slow)];
    assert!(record.source.starts_with(&format!("{TEST_FILE}#")), "{}", record.source);
    assert_eq!(record.emotion, slow.emotion.parse::<Emotion>().unwrap());
    assert_eq!(record.transcription, slow.text);
    let decoded = decode_flac(&out.join(&record.audio));
    let (converted, expected) = standalone(wav_bytes(slow, seconds).unwrap(), dir.path());
    assert_eq!(decoded, expected);
    assert_eq!(record.file_id, converted.file_id);
    let samples = cameo::fixtures::signal::speechlike(
        cameo::fixtures::signal::seed_of(&format!("resd/{}", slow.name)),
        16_000,
        seconds,
    );
    let direct: Vec<i16> = samples.iter().map(|x| (x * 32_768.0).round() as i16).collect();
    assert_eq!(decoded, direct);
    assert_eq!(record.duration, seconds);

    // enthusiasm is its own CAMEO label; a null text is a null transcription.
    let enthusiasm = rows.iter().find(|row| row.emotion == "enthusiasm").unwrap();
    assert_eq!(by_source[&source_of(&rows, enthusiasm)].emotion, Emotion::Enthusiasm);
    let untranscribed = &by_source[&traps.null_text];
    assert_eq!((untranscribed.emotion, untranscribed.transcription.as_deref()), (Emotion::Happiness, None));

    let per_emotion = records.iter().fold(BTreeMap::new(), |mut map, r| {
        *map.entry(r.emotion).or_insert(0usize) += 1;
        map
    });
    let mut expected = BTreeMap::new();
    for row in &rows {
        *expected.entry(row.emotion.parse::<Emotion>().unwrap()).or_insert(0usize) += 1;
    }
    *expected.entry(Emotion::Happiness).or_insert(0) += 1;
    assert_eq!(per_emotion, expected);
}

#[test]
fn an_old_revision_with_bare_float_arrays_is_refused_naming_the_file_and_the_revision() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    write_old_revision(&raw.join("resd"), &population(12..=12), 0.01).unwrap();
    let error = cameo::build::run_build(&options(&raw, &dir.path().join("out"), 2)).expect_err("refused").to_string();
    // The tables are read in name order, so the test table is the first one refused.
    assert!(error.contains(&format!("resd/{TEST_FILE}: column `speech`")), "{error}");
    assert!(error.contains("it holds bare sample arrays without a sample rate"), "{error}");
    assert!(error.contains("manifests/resd.toml"), "{error}");
    assert!(
        error.contains("Aniemore/resd_annotated/resolve/3b85031d346221727c203d1a946c273b61c69b3c/data/train-"),
        "{error}"
    );
}

#[test]
fn tables_at_the_top_level_are_read_and_a_folder_without_tables_fails() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("resd");
    let rows = population(1..=2);
    write_tables(&root, &rows, 0.01).unwrap();
    for file in [TRAIN_FILE, TEST_FILE] {
        std::fs::rename(root.join(file), root.join(file.trim_start_matches("data/"))).unwrap();
    }
    let found = scan(&root).unwrap();
    assert_eq!(found.items.len(), rows.len());
    assert!(found.rejects.is_empty() && found.skipped.is_empty());
    let first_test = found.items.iter().find(|item| item.location.file().starts_with("test-")).unwrap();
    assert_eq!(first_test.location.source(), format!("{}#0", TEST_FILE.trim_start_matches("data/")));

    for file in [TRAIN_FILE, TEST_FILE] {
        std::fs::remove_file(root.join(file.trim_start_matches("data/"))).unwrap();
    }
    cameo::fixtures::write_file(&root, "README.md", b"# resd_annotated\n").unwrap();
    let error = scan(&root).unwrap_err();
    assert!(error.contains("resd/data") && error.contains("no parquet table found"), "{error}");
    assert!(error.contains("resolve/3b85031d346221727c203d1a946c273b61c69b3c/data/test-"), "{error}");
}

#[test]
fn the_complete_tables_give_the_reference_count() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("resd");
    let rows = population(1..=50);
    assert_eq!(rows.len(), 1396);
    // Tiny audio: the scan reads names and labels, never the audio.
    write_tables(&root, &rows, 0.001).unwrap();
    let found = scan(&root).unwrap();
    assert!(found.rejects.is_empty() && found.skipped.is_empty(), "{:?} {:?}", found.rejects, found.skipped);
    assert_eq!(found.items.len(), 1396);
    let per_file = found.items.iter().fold(BTreeMap::new(), |mut map, item| {
        *map.entry(item.location.file().to_string()).or_insert(0usize) += 1;
        map
    });
    assert_eq!(per_file, BTreeMap::from([(TEST_FILE.to_string(), 280), (TRAIN_FILE.to_string(), 1116)]));
    let per_label = found.items.iter().fold(BTreeMap::new(), |mut map, item| {
        *map.entry(item.source_label.as_str()).or_insert(0usize) += 1;
        map
    });
    assert_eq!(per_label, EMOTIONS.into_iter().collect::<BTreeMap<_, _>>());
    assert!(found.items.iter().all(|item| item.speaker.is_none() && item.gender.is_none() && item.age.is_none()));
    assert!(found.items.iter().all(|item| item.transcription.is_some()));
    let manifest = find("resd").unwrap().manifest.clone();
    assert_eq!(manifest.expected_count, found.items.len());
}
