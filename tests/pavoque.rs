//! PAVOQUE end to end: generated long FLACs with their YAMLs (quoted labels, relative segment
//! ends, the outtakes, broken entries) are built; every record is checked field by field and its
//! audio against an independent cut of the recording; the complete YAML population scans to
//! exactly 5,442 items; missing recordings and garbled YAMLs stop the build naming the file.
mod common;

use cameo::fixtures::pavoque::{
    add_traps, population, utterance_pcm, write_junk, write_population, Recording, Traps, RATE,
};
use cameo::fixtures::wav::{encode, WavSpec};
use cameo::record::{Emotion, Gender};
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Four utterances per style (0.3-0.6 s each) plus every trap; returns what was written.
fn raw_tree(raw: &Path) -> (Vec<Recording>, Traps) {
    let root = raw.join("pavoque");
    let mut recordings = population(4, 30..=60);
    let mut traps = add_traps(&mut recordings);
    write_population(&root, &recordings, true).unwrap();
    write_junk(&root, &mut traps).unwrap();
    (recordings, traps)
}

#[test]
fn traps_end_as_records_rejects_or_skips() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let (_, traps) = raw_tree(&raw);
    let outcome = build(&raw, &out, 2);
    let report = &outcome.splits[0].report;
    // 20 utterances, 3 of them rejected at scan (a foreign style, two overlapping); 5 broken
    // extra entries rejected at scan; 1 extra entry past the end of its recording rejected when cut.
    assert_eq!((report.found, report.built, report.expected), (26, 17, 5442));
    let mut expected: BTreeSet<(&str, &str)> =
        traps.scan_rejects.iter().map(|(source, reason)| (source.as_str(), reason.as_str())).collect();
    expected.insert((traps.past_the_end.0.as_str(), traps.past_the_end.1.as_str()));
    assert_eq!(expected.len(), 9);
    assert_eq!(rejects_of(report), expected);
    let skipped: BTreeSet<(&str, &str)> = traps.skipped.iter().map(|(s, r)| (s.as_str(), r.as_str())).collect();
    assert_eq!(skipped.len(), 19);
    assert_eq!(skips_of(report), skipped);
    assert!(report.duplicates.is_empty());
    assert_eq!(report.formats.get("44100 Hz, 1 ch"), Some(&17));
    assert_eq!(report.found, report.built + report.duplicates.len() + report.rejects.len());
    // The recordings past the bad entry still went on: every sad utterance was built.
    let sad: Vec<_> = records(&out).into_iter().filter(|r| r.source.starts_with("pavoque-sad.flac#")).collect();
    assert_eq!(sad.len(), 4);
}

/// Decodes a whole source recording with claxon (independent of cameo's FLAC reader).
fn decode_recording(path: &Path) -> Vec<i16> {
    let mut reader = claxon::FlacReader::open(path).unwrap();
    let info = reader.streaminfo();
    assert_eq!((info.sample_rate, info.channels, info.bits_per_sample), (RATE, 1, 16));
    reader.samples().map(|s| s.unwrap() as i16).collect()
}

#[test]
fn records_carry_every_field_and_match_an_independent_cut() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let (recordings, _) = raw_tree(&raw);
    build(&raw, &out, 2);
    let records = records(&out);
    assert_eq!(records.len(), 17);
    let by_source = by_source(&records);
    let emotions = BTreeMap::from([
        ("angry", Emotion::Anger),
        ("happy", Emotion::Happiness),
        ("neutral", Emotion::Neutral),
        ("poker", Emotion::Poker),
        ("sad", Emotion::Sadness),
    ]);
    let mut checked = 0;
    let mut off_grid = 0;
    for recording in &recordings {
        let whole = decode_recording(&raw.join("pavoque").join(recording.flac_name()));
        assert_eq!(whole.len() as u64, recording.length_cs() * 441);
        for utterance in &recording.utterances {
            let Some(record) = by_source.get(&recording.source_of(utterance)) else { continue };
            assert_eq!(record.emotion, emotions[recording.style], "{}", record.source);
            assert_eq!(record.transcription.as_deref(), Some(utterance.text.as_str()));
            assert_eq!(record.speaker_id.as_deref(), Some("pavoque_1"));
            assert_eq!(record.gender, Some(Gender::Male));
            assert_eq!(record.age, None);
            assert_eq!(record.dataset, "PAVOQUE");
            assert_eq!(record.language, "German");
            assert_eq!(record.license, "CC BY-NC-SA 4.0");
            assert_eq!(record.audio, format!("audio/pavoque/{}", record.file_id));

            // The independent cut: frames [round(start × 44100), round(end × 44100)) of the
            // decoded recording, which must be the utterance's generated audio.
            let (first, last) =
                ((utterance.start() * 44_100.0).round() as usize, (utterance.end() * 44_100.0).round() as usize);
            if (utterance.start() * 44_100.0).fract() != 0.0 {
                off_grid += 1;
            }
            let cut = &whole[first..last];
            assert_eq!(cut, utterance_pcm(recording.style, &utterance.prompt, last - first).as_slice());
            // Converted on its own, the cut gives the same sample.
            let pcm: Vec<f64> = cut.iter().map(|&s| s as f64 / 32_768.0).collect();
            let wav = dir.path().join("segment.wav");
            std::fs::write(&wav, encode(&WavSpec::int(16, 1, RATE), &Default::default(), &[pcm])).unwrap();
            let mut stream = cameo::audio::open_source(&wav).unwrap();
            let alone = dir.path().join("segment.flac");
            let converted = cameo::audio::convert_to_flac(stream.as_mut(), &alone).unwrap();
            assert_eq!(record.file_id, converted.file_id, "{}", record.source);
            assert_eq!(record.duration, converted.duration_seconds());
            let built = decode_flac(&out.join(&record.audio));
            assert_eq!(built, decode_flac(&alone), "{}", record.source);
            assert_eq!(pcm_file_id(&built), record.file_id);
            checked += 1;
        }
    }
    assert_eq!(checked, 17);
    // Some starts are not exact in binary (e.g. 0.57 × 44100 = 25136.999…): rounding, not
    // truncation, is what makes the cuts agree.
    assert!(off_grid > 0);

    // The label is the style field, not the prompt prefix: poker_a prompts are angry.
    let angry = &recordings[0];
    let poker_a = angry.utterance("poker_a0001").unwrap();
    assert_eq!(by_source[&angry.source_of(poker_a)].emotion, Emotion::Anger);
    // Quoted texts come back as written: a trailing colon, a leading '#', a lower-case start.
    let neutral = &recordings[2];
    let text_of = |recording: &Recording, prompt: &str| {
        by_source[&recording.source_of(recording.utterance(prompt).unwrap())].transcription.clone().unwrap()
    };
    assert_eq!(text_of(neutral, "a0001"), "Der Begriff Variant bezeichnet:");
    assert_eq!(text_of(neutral, "e0001"), "sein Nachfolger wurde George Russell.");
    assert_eq!(text_of(angry, "m0001"), "# Nummer eins: das ist es.");
    assert_eq!(text_of(&recordings[3], "m0001"), "# Nummer eins: das ist es.");
    assert_eq!(text_of(&recordings[1], "poppy0001"), "Wie geht's? Sehr gut: danke!");
}

#[test]
fn missing_recordings_or_garbled_yaml_fail_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    let root = raw.join("pavoque");
    write_population(&root, &population(1, 10..=10), false).unwrap();
    std::fs::remove_file(root.join("pavoque-neutral.flac")).unwrap();
    std::fs::remove_file(root.join("pavoque-sad.flac")).unwrap();
    let error = cameo::build::run_build(&options(&raw, &dir.path().join("a"), 2)).expect_err("refused").to_string();
    assert!(error.contains("pavoque/pavoque-neutral.flac: missing"), "{error}");
    assert!(
        error.contains(
            "missing 2: pavoque-neutral.flac \
             (https://github.com/marytts/pavoque-data/releases/download/v0.2/pavoque-neutral.flac), pavoque-sad.flac"
        ),
        "{error}"
    );

    write_population(&root, &population(1, 10..=10), false).unwrap();
    std::fs::write(root.join("pavoque-sad.yaml"), "- prompt: [obadiah0001\n  style: sad\n").unwrap();
    let error = cameo::build::run_build(&options(&raw, &dir.path().join("b"), 2)).expect_err("refused").to_string();
    assert!(error.contains("pavoque/pavoque-sad.yaml: not a YAML list of utterances"), "{error}");
}

#[test]
fn a_clone_one_folder_down_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("pavoque");
    write_population(&root.join("pavoque-data"), &population(2, 10..=20), false).unwrap();
    std::fs::write(root.join("notes.txt"), "downloaded 2026-11-26\n").unwrap();
    let entry = cameo::corpora::find("pavoque").unwrap();
    let scan = entry.adapter.scan(&root, &entry.manifest.clone()).unwrap();
    assert_eq!(scan.items.len(), 10);
    assert!(scan.items.iter().all(|item| item.location.file().starts_with("pavoque-data/pavoque-")));
    assert!(scan
        .skipped
        .iter()
        .any(|s| s.source == "notes.txt" && s.reason == "outside the pavoque-data clone (pavoque-data/)"));
}

#[test]
fn the_complete_yaml_population_gives_the_reference_count() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("pavoque");
    let recordings = population(usize::MAX, 124..=900);
    let counts: Vec<usize> = recordings.iter().map(|r| r.utterances.len()).collect();
    assert_eq!(counts, [601, 584, 3126, 575, 556]);
    // The outtakes and the other repository files are there too, and change nothing.
    let mut traps = Traps::default();
    write_population(&root, &recordings, false).unwrap();
    write_junk(&root, &mut traps).unwrap();
    let entry = cameo::corpora::find("pavoque").unwrap();
    let manifest = entry.manifest.clone();
    let scan = entry.adapter.scan(&root, &manifest).unwrap();
    assert!(scan.rejects.is_empty(), "{:?}", scan.rejects);
    assert_eq!(scan.items.len(), 5442);
    assert_eq!(scan.items.len(), manifest.expected_count);
    assert_eq!(scan.skipped.len(), 19);
    let per_label = scan.items.iter().fold(BTreeMap::new(), |mut map, item| {
        *map.entry(item.source_label.as_str()).or_insert(0) += 1;
        map
    });
    assert_eq!(
        per_label,
        BTreeMap::from([("angry", 601), ("happy", 584), ("neutral", 3126), ("poker", 575), ("sad", 556)])
    );
    let places: BTreeSet<String> = scan.items.iter().map(|item| item.location.source()).collect();
    assert_eq!(places.len(), 5442);
    // Every label maps, and every item has its text and the one speaker.
    assert!(scan.items.iter().all(|item| manifest.emotion_for(&item.source_label).is_some()));
    assert!(scan.items.iter().all(|item| item.transcription.is_some() && item.speaker.as_deref() == Some("1")));
}
