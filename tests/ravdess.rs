//! RAVDESS end to end: a generated raw tree in the real layout with the real traps is built,
//! and every output is checked (records field by field, FLAC sample by sample, parquet read
//! back, verify, determinism across thread counts, resume).
mod common;

use cameo::collection::split::DuplicateKind;
use cameo::fixtures::ravdess::{population, write_population, write_traps};
use cameo::fixtures::signal::speechlike;
use cameo::fixtures::wav::{encode, WavSpec};
use cameo::fixtures::write_file;
use cameo::record::{Emotion, Gender};
use common::*;
use std::path::Path;

/// Four actors' files (240) plus the traps.
fn raw_tree(raw: &Path) -> cameo::fixtures::ravdess::Traps {
    let root = raw.join("ravdess");
    write_population(&root, &population(1..=4), 0.05).unwrap();
    write_traps(&root).unwrap()
}

#[test]
fn traps_end_as_records_duplicates_rejects_or_skips() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let traps = raw_tree(&raw);
    let outcome = build(&raw, &out, 2);
    let report = &outcome.splits[0].report;
    // 240 population files (the traps replace five of them) + the copy in a second folder.
    assert_eq!(report.found, 241);
    assert_eq!(report.built, 239);
    assert_eq!(report.duplicates.len(), 1);
    assert_eq!(report.duplicates[0].source, traps.copy);
    assert_eq!(report.duplicates[0].kept, traps.with_list_chunk);
    assert_eq!(report.duplicates[0].kind, DuplicateKind::SourceBytes);
    assert_eq!(report.rejects.len(), 1);
    assert_eq!(report.rejects[0].source, traps.truncated);
    assert!(
        report.rejects[0].reason.starts_with("truncated audio: data chunk declares"),
        "{}",
        report.rejects[0].reason
    );
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].source, traps.macosx_junk);
    assert_eq!(report.formats.get("48000 Hz, 2 ch"), Some(&1));
    assert_eq!(report.formats.get("48000 Hz, 1 ch"), Some(&238));
    assert!(report.warnings.iter().any(|w| w.contains("2 channel(s)")));
    assert!(report.warnings.iter().any(|w| w.contains("the manifest expects 1440")));
    // Every input is accounted for.
    assert_eq!(report.found, report.built + report.duplicates.len() + report.rejects.len());
}

#[test]
fn records_carry_every_field_of_the_reference_format() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let traps = raw_tree(&raw);
    build(&raw, &out, 2);
    let records = records(&out);
    assert_eq!(records.len(), 239);
    let by_source = by_source(&records);

    let list = &by_source[&traps.with_list_chunk];
    assert_eq!(list.emotion, Emotion::Happiness);
    assert_eq!(list.transcription.as_deref(), Some("Kids are talking by the door"));
    assert_eq!(list.speaker_id.as_deref(), Some("ravdess_01"));
    assert_eq!(list.gender, Some(Gender::Male));
    assert_eq!(list.age, None);
    assert_eq!(list.dataset, "RAVDESS");
    assert_eq!(list.language, "English");
    assert_eq!(list.license, "CC BY-NC-SA 4.0");
    assert_eq!(list.duration, 0.5);
    assert_eq!(list.audio, format!("audio/ravdess/{}", list.file_id));

    let stereo = &by_source[&traps.stereo_48k];
    assert_eq!((stereo.emotion, stereo.gender), (Emotion::Sadness, Some(Gender::Female)));
    assert_eq!(stereo.transcription.as_deref(), Some("Dogs are sitting by the door"));
    assert_eq!(stereo.speaker_id.as_deref(), Some("ravdess_02"));
    let surprised = &by_source[&traps.pcm_24bit];
    assert_eq!((surprised.emotion, surprised.duration), (Emotion::Surprise, 0.3));

    // The metadata line itself: reference column order, nulls written as null.
    let first_line = std::fs::read_to_string(out.join("metadata.jsonl")).unwrap().lines().next().unwrap().to_string();
    let keys: Vec<String> = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&first_line)
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let expected = [
        "file_id",
        "audio",
        "emotion",
        "transcription",
        "speaker_id",
        "gender",
        "age",
        "dataset",
        "language",
        "license",
        "duration",
        "source",
        "transcription_source",
    ];
    assert_eq!(keys, expected);
    assert!(first_line.contains("\"age\":null"));

    // Every emotion code of the population arrives with its CAMEO label.
    let per_emotion = records.iter().fold(std::collections::BTreeMap::new(), |mut map, r| {
        *map.entry(r.emotion).or_insert(0) += 1;
        map
    });
    assert_eq!(per_emotion.len(), 8);
    assert_eq!(per_emotion[&Emotion::Neutral], 16);
}

#[test]
fn flac_output_matches_the_source_audio() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let traps = raw_tree(&raw);
    // A 16 kHz mono 16-bit source passes through unchanged: compare sample by sample.
    let samples = speechlike(7, 16_000, 0.25);
    let direct = "Actor_05/03-01-07-02-02-02-05.wav";
    write_file(
        &raw.join("ravdess"),
        direct,
        &encode(&WavSpec::int(16, 1, 16_000), &Default::default(), std::slice::from_ref(&samples)),
    )
    .unwrap();
    build(&raw, &out, 2);
    let by_source = by_source(&records(&out));
    let record = &by_source[direct];
    let decoded = decode_flac(&out.join(&record.audio));
    let expected: Vec<i16> = samples.iter().map(|x| (x * 32_768.0).round() as i16).collect();
    assert_eq!(decoded, expected);
    assert_eq!(pcm_file_id(&decoded), record.file_id);

    // The stereo 48 kHz file: the right length, the hash of what decodes, and the level of
    // the channel average (left + left/2) / 2 = 0.75 × left.
    let stereo = &by_source[&traps.stereo_48k];
    let decoded = decode_flac(&out.join(&stereo.audio));
    assert_eq!(decoded.len(), (speechlike(102, 48_000, 0.4).len() as u64 * 16_000).div_ceil(48_000) as usize);
    assert_eq!(pcm_file_id(&decoded), stereo.file_id);
    let rms = |x: &[f64]| (x.iter().map(|v| v * v).sum::<f64>() / x.len() as f64).sqrt();
    let left = speechlike(102, 48_000, 0.4);
    let got: Vec<f64> = decoded.iter().map(|&s| s as f64 / 32_768.0).collect();
    let ratio = rms(&got) / (0.75 * rms(&left));
    assert!((ratio - 1.0).abs() < 0.02, "level ratio {ratio}");
}

#[test]
fn parquet_reads_back_with_the_arrow_reader() {
    use arrow::array::{Array, BinaryArray, Float32Array, StringArray, StructArray};
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    raw_tree(&raw);
    build(&raw, &out, 2);
    let records = records(&out);
    let shard = out.join("data/ravdess-00000-of-00001.parquet");
    let file = std::fs::File::open(&shard).unwrap();
    let builder = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let hf = builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .unwrap()
        .iter()
        .find(|kv| kv.key == "huggingface")
        .and_then(|kv| kv.value.clone())
        .expect("huggingface metadata");
    let hf: serde_json::Value = serde_json::from_str(&hf).unwrap();
    assert_eq!(hf["info"]["features"]["audio"], serde_json::json!({"sampling_rate": 16000, "_type": "Audio"}));
    assert_eq!(hf["info"]["features"]["duration"]["dtype"], "float32");
    let row_group = builder.metadata().row_group(0);
    let audio_bytes = row_group.columns().iter().find(|c| c.column_path().string() == "audio.bytes").unwrap();
    assert_eq!(audio_bytes.compression(), parquet::basic::Compression::UNCOMPRESSED);
    let mut row = 0;
    for batch in builder.build().unwrap() {
        let batch = batch.unwrap();
        let names: Vec<String> = batch.schema().fields().iter().map(|f| f.name().clone()).collect();
        assert_eq!(names[..3], ["file_id", "audio", "emotion"]);
        let ids = batch.column_by_name("file_id").unwrap().as_any().downcast_ref::<StringArray>().unwrap().clone();
        let audio = batch.column_by_name("audio").unwrap().as_any().downcast_ref::<StructArray>().unwrap().clone();
        let bytes = audio.column_by_name("bytes").unwrap().as_any().downcast_ref::<BinaryArray>().unwrap().clone();
        let paths = audio.column_by_name("path").unwrap().as_any().downcast_ref::<StringArray>().unwrap().clone();
        let ages = batch.column_by_name("age").unwrap().as_any().downcast_ref::<StringArray>().unwrap().clone();
        let durations =
            batch.column_by_name("duration").unwrap().as_any().downcast_ref::<Float32Array>().unwrap().clone();
        for i in 0..batch.num_rows() {
            let record = &records[row];
            assert_eq!(ids.value(i), record.file_id);
            assert_eq!(paths.value(i), record.file_id);
            assert_eq!(bytes.value(i), std::fs::read(out.join(&record.audio)).unwrap().as_slice());
            assert!(ages.is_null(i));
            assert_eq!(durations.value(i), record.duration as f32);
            row += 1;
        }
    }
    assert_eq!(row, records.len());
}

#[test]
fn builds_with_one_and_two_threads_are_byte_identical_and_reruns_resume() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    raw_tree(&raw);
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    build(&raw, &one, 1);
    build(&raw, &two, 2);
    let (files_one, files_two) = (tree_bytes(&one), tree_bytes(&two));
    assert_eq!(files_one.keys().collect::<Vec<_>>(), files_two.keys().collect::<Vec<_>>());
    for (name, bytes) in &files_one {
        if name != "build.json" {
            assert!(bytes == &files_two[name], "{name} differs between --jobs 1 and --jobs 2");
        }
    }
    assert_eq!(build_json_without_run(&one), build_json_without_run(&two));

    // A rerun converts nothing and changes nothing.
    let rerun = build(&raw, &two, 2);
    assert_eq!(rerun.run.converted, 0);
    assert_eq!(rerun.run.reused_from_cache, 239);
    let again = tree_bytes(&two);
    for (name, bytes) in &files_two {
        if name != "build.json" {
            assert!(bytes == &again[name], "{name} changed on a rerun");
        }
    }
}

#[test]
fn an_unknown_emotion_code_is_a_reject_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let root = raw.join("ravdess");
    write_population(&root, &population(1..=1), 0.05).unwrap();
    let bad = "Actor_01/03-01-09-01-01-01-01.wav";
    write_file(
        &root,
        bad,
        &encode(&WavSpec::int(16, 1, 48_000), &Default::default(), &[speechlike(999, 48_000, 0.05)]),
    )
    .unwrap();
    let outcome = build(&raw, &out, 2);
    let rejects = &outcome.splits[0].report.rejects;
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0].source, bad);
    assert_eq!(rejects[0].reason, "unknown emotion code '09' (not in the [labels] of manifests/ravdess.toml)");
    assert_eq!(outcome.splits[0].report.built, 60);
}

#[test]
fn the_complete_file_population_gives_the_reference_count() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    let names = population(1..=24);
    assert_eq!(names.len(), 1440);
    // Tiny audio: this checks names and counts, not sound.
    write_population(&raw.join("ravdess"), &names, 0.002).unwrap();
    let out = dir.path().join("out");
    let outcome = build(&raw, &out, 2);
    let report = &outcome.splits[0].report;
    assert_eq!((report.found, report.built, report.expected), (1440, 1440, 1440));
    assert!(report.rejects.is_empty() && report.duplicates.is_empty() && report.warnings.is_empty(), "{report:?}");
    let speakers: std::collections::BTreeSet<String> = records(&out).into_iter().filter_map(|r| r.speaker_id).collect();
    assert_eq!(speakers.len(), 24);
}

/// Sources are hashed while the units convert, so a copy is converted before it is known to
/// be one: it must still end as a duplicate of the first item at its place (even when that
/// item's label maps to nothing and it is a reject), and its FLAC must not stay behind.
#[test]
fn a_copy_of_an_unlabelled_source_is_a_duplicate_and_leaves_no_flac() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    raw_tree(&raw);
    let wav = encode(&WavSpec::int(16, 1, 48_000), &Default::default(), &[speechlike(4_242, 48_000, 0.5)]);
    // Emotion code 09 is not in the manifest's label map; the copy's name has a mapped one.
    let unlabelled = "Actor_01/03-01-09-01-01-01-01.wav";
    let copy = "Actor_02/03-01-01-01-01-01-02.wav";
    write_file(&raw.join("ravdess"), unlabelled, &wav).unwrap();
    write_file(&raw.join("ravdess"), copy, &wav).unwrap();
    let outcome = build(&raw, &out, 2);
    let report = &outcome.splits[0].report;
    let duplicate = report.duplicates.iter().find(|d| d.source == copy).expect("the copy is a duplicate");
    assert_eq!((duplicate.kept.as_str(), duplicate.kind), (unlabelled, DuplicateKind::SourceBytes));
    let reject = report.rejects.iter().find(|r| r.source == unlabelled).expect("the unlabelled item is a reject");
    assert!(reject.reason.contains("09"), "{}", reject.reason);
    let records = records(&out);
    assert!(records.iter().all(|r| r.source != copy && r.source != unlabelled));
    assert_eq!(report.found, report.built + report.duplicates.len() + report.rejects.len());
    // The FLAC folder holds exactly the records' files: the copy's conversion was tidied away.
    let mut on_disk: Vec<String> = std::fs::read_dir(out.join("audio/ravdess"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut expected: Vec<String> = records.iter().map(|r| r.file_id.clone()).collect();
    expected.sort();
    assert_eq!(on_disk, expected);
}
