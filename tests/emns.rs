//! EMNS end to end: a generated download (metadata.csv + WebM/Opus recordings as a browser
//! writes them) with the traps of the real one is built and the records are checked field
//! by field, decoded audio included; the complete row population scans to exactly 1,205.
mod common;

use cameo::fixtures::emns::{population, recording, write_population, write_traps, Layout, Traps, COLUMNS};
use cameo::fixtures::webm::{opus_webm, Sizing};
use cameo::fixtures::write_file;
use cameo::record::{Emotion, Gender};
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Decoded length at 16 kHz of `frames` at 48 kHz encoded by the fixture writer: whole 20 ms
/// packets after the 312-frame lookahead, less the pre-skip, resampled to ceil(n / 3).
fn expected_16k_frames(frames: usize) -> usize {
    let decoded = (frames + 312).div_ceil(960) * 960 - 312;
    decoded.div_ceil(3)
}

/// Sixteen rows (as extracted: raw_webm/ + metadata.csv) plus the traps.
fn raw_tree(raw: &Path) -> Traps {
    let root = raw.join("emns");
    let rows = population(16);
    write_population(&root, Layout::Extracted, &rows, 0.3).unwrap();
    write_traps(&root, Layout::Extracted, &rows).unwrap()
}

#[test]
fn traps_end_as_records_rejects_or_skips() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let traps = raw_tree(&raw);
    let outcome = build(&raw, &out, 2);
    let report = &outcome.splits[0].report;
    // 16 rows + 4 trap items (unknown emotion, Needs Updating, truncated, Vorbis) + 6 scan rejects.
    assert_eq!((report.found, report.built), (26, 17));
    let bad_path = format!("metadata.csv#{}", traps.bad_path_row);
    let repeated = format!("metadata.csv#{}", traps.repeated_row);
    let expected: BTreeSet<(&str, String)> = [
        (traps.without_row.as_str(), "not listed in metadata.csv".to_string()),
        (traps.without_file.as_str(), "listed in metadata.csv row 17 but the file is missing".into()),
        (
            traps.case_differs_file.as_str(),
            "not listed in metadata.csv; it lists recorded_audio_3hFySLU.webm, which differs only in letter case \
             (names are case-sensitive)"
                .into(),
        ),
        (traps.case_differs_listed.as_str(), "listed in metadata.csv row 18 but the file is missing".into()),
        (
            traps.unknown_emotion.as_str(),
            "unknown emotion code 'Bored' (not in the [labels] of manifests/emns.toml)".into(),
        ),
        (
            traps.truncated.as_str(),
            "truncated audio: WebM element A3 at byte 1864 ends at byte 2002, past the end of the file (1911 bytes)"
                .into(),
        ),
        (traps.vorbis.as_str(), "unsupported audio: WebM audio track is Vorbis, not Opus".into()),
        (
            bad_path.as_str(),
            "metadata.csv row 23: audio_recording 'wavs/recorded_audio_Up0neXx.wav' is not wavs/<name>.webm".into(),
        ),
        (repeated.as_str(), "metadata.csv row 24 names recorded_audio_l534MBl.webm, already named by row 20".into()),
    ]
    .into();
    let rejects: BTreeSet<(&str, String)> = rejects_of(report).into_iter().map(|(s, r)| (s, r.to_string())).collect();
    assert_eq!(rejects, expected);
    let expected_skips: BTreeSet<(&str, String)> = [
        (traps.archive.as_str(), "not a WebM recording".to_string()),
        (traps.resource_fork.as_str(), "macOS resource fork (._ file)".into()),
        (
            traps.cleaned_copy.as_str(),
            "another copy of recorded_audio_wC6dAsG.webm; raw_webm/recorded_audio_wC6dAsG.webm is used".into(),
        ),
        ("metadata.csv", "the metadata table (read for labels)".into()),
    ]
    .into();
    let skips: BTreeSet<(&str, String)> = skips_of(report).into_iter().map(|(s, r)| (s, r.to_string())).collect();
    assert_eq!(skips, expected_skips);
    assert_eq!(report.formats.get("48000 Hz, 1 ch"), Some(&17));
}

#[test]
fn records_carry_every_field_and_the_decoded_audio_matches_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let traps = raw_tree(&raw);
    // One recording is a pure tone, to compare the decoded samples with what was encoded.
    let tone_frames = 24_000;
    let tone = |rate: f64, i: usize| (2.0 * std::f64::consts::PI * 440.0 * i as f64 / rate).sin() * 0.5;
    let source: Vec<f64> = (0..tone_frames).map(|i| tone(48_000.0, i)).collect();
    let tone_file = format!("raw_webm/{}", population(16)[5].file);
    write_file(&raw.join("emns"), &tone_file, &opus_webm(&source, Sizing::Live).unwrap()).unwrap();
    build(&raw, &out, 2);
    let records = records(&out);
    assert_eq!(records.len(), 17);
    let by_source = by_source(&records);
    let rows = population(16);

    let first = &by_source["raw_webm/recorded_audio_wC6dAsG.webm"];
    assert_eq!(rows[0].emotion, "Angry");
    assert_eq!(first.emotion, Emotion::Anger);
    assert_eq!(first.transcription.as_deref(), Some("It is the first game in the \"Saints Row\" series."));
    assert_eq!(first.speaker_id.as_deref(), Some("emns_3"));
    assert_eq!(first.gender, Some(Gender::Female));
    assert_eq!(first.age.as_deref(), Some("20s"));
    assert_eq!(first.dataset, "EMNS");
    assert_eq!(first.language, "English");
    assert_eq!(first.license, "CC BY 4.0");
    assert_eq!(first.duration, expected_16k_frames(14_400) as f64 / 16_000.0);
    assert_eq!(first.audio, format!("audio/emns/{}", first.file_id));

    // Every raw emotion value of the population lands on its CAMEO label.
    let labels: BTreeMap<&str, Emotion> =
        rows.iter().map(|row| (row.emotion.as_str(), by_source[&format!("raw_webm/{}", row.file)].emotion)).collect();
    assert_eq!(
        labels,
        BTreeMap::from([
            ("Angry", Emotion::Anger),
            ("Disgust", Emotion::Disgust),
            ("Excited", Emotion::Excitement),
            ("Happy", Emotion::Happiness),
            ("Neutral", Emotion::Neutral),
            ("Sad", Emotion::Sadness),
            ("Sarcastic", Emotion::Sarcasm),
            ("Surprised", Emotion::Surprise),
        ])
    );
    let needs_updating = &by_source[traps.needs_updating.as_str()];
    assert_eq!((needs_updating.emotion, needs_updating.speaker_id.as_deref()), (Emotion::Anger, Some("emns_3")));

    // The tone: right length (whole packets after the pre-skip) and the same waveform, in step.
    let tone_record = &by_source[tone_file.as_str()];
    let decoded = decode_flac(&out.join(&tone_record.audio));
    assert_eq!(decoded.len(), expected_16k_frames(tone_frames));
    let expected: Vec<f64> = (0..tone_frames / 3).map(|i| tone(16_000.0, i)).collect();
    let got: Vec<f64> = decoded[..expected.len()].iter().map(|&s| s as f64 / 32_768.0).collect();
    let dot: f64 = expected.iter().zip(&got).map(|(a, b)| a * b).sum();
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let correlation = dot / (norm(&expected) * norm(&got));
    assert!(correlation > 0.99, "correlation {correlation}");
    let rms_ratio = norm(&got) / norm(&expected);
    assert!((rms_ratio - 1.0).abs() < 0.05, "level ratio {rms_ratio}");
    assert!(decoded[tone_frames / 3..].iter().all(|s| s.abs() < 1_000), "the end padding is near silence");
}

#[test]
fn the_nkululeko_layout_builds_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let rows = population(6);
    write_population(&raw.join("emns"), Layout::Nkululeko, &rows, 0.1).unwrap();
    let outcome = build(&raw, &out, 2);
    let report = &outcome.splits[0].report;
    assert_eq!((report.found, report.built), (6, 6));
    assert!(report.rejects.is_empty(), "{:?}", report.rejects);
    assert_eq!(skips_of(report), BTreeSet::from([("EMNS/metadata.csv", "the metadata table (read for labels)")]));
    let sources: BTreeSet<String> = records(&out).into_iter().map(|r| r.source).collect();
    let expected: BTreeSet<String> = rows.iter().map(|row| format!("EMNS/{}", row.file)).collect();
    assert_eq!(sources, expected);
}

#[test]
fn a_truncated_or_non_opus_webm_is_a_reject_naming_the_file_and_the_rest_builds() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let root = raw.join("emns");
    let rows = population(4);
    write_population(&root, Layout::Extracted, &rows, 0.2).unwrap();
    // Two of the four recordings go bad: one cut short, one replaced by a Vorbis WebM.
    let cut = format!("raw_webm/{}", rows[1].file);
    let whole = recording(&rows[1].file, 0.2).unwrap();
    write_file(&root, &cut, &whole[..whole.len() - 10]).unwrap();
    let vorbis = format!("raw_webm/{}", rows[2].file);
    write_file(&root, &vorbis, &cameo::fixtures::webm::vorbis_webm(5)).unwrap();
    let outcome = build(&raw, &out, 2);
    let report = &outcome.splits[0].report;
    assert_eq!((report.found, report.built), (4, 2));
    let reasons: BTreeMap<&str, &str> = rejects_of(report).into_iter().collect();
    assert_eq!(reasons.keys().copied().collect::<Vec<_>>(), [cut.as_str(), vorbis.as_str()]);
    assert!(reasons[cut.as_str()].starts_with("truncated audio: WebM element A3 at byte"), "{reasons:?}");
    assert_eq!(reasons[vorbis.as_str()], "unsupported audio: WebM audio track is Vorbis, not Opus");
    let built: BTreeSet<String> = records(&out).into_iter().map(|r| r.source).collect();
    assert_eq!(built, BTreeSet::from([format!("raw_webm/{}", rows[0].file), format!("raw_webm/{}", rows[3].file)]));
}

#[test]
fn a_missing_or_garbled_table_fails_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    let root = raw.join("emns");
    write_population(&root, Layout::Extracted, &population(1), 0.05).unwrap();
    std::fs::remove_file(root.join("metadata.csv")).unwrap();
    let error = cameo::build::run_build(&options(&raw, &dir.path().join("a"), 2)).expect_err("refused").to_string();
    assert!(error.contains("emns/metadata.csv") && error.contains("missing"), "{error}");

    // A comma-separated table (as nkululeko rewrites it) is not the download's.
    write_file(&root, "metadata.csv", format!("{}\n", COLUMNS.join(",")).as_bytes()).unwrap();
    let error = cameo::build::run_build(&options(&raw, &dir.path().join("b"), 2)).expect_err("refused").to_string();
    assert!(error.contains("emns/metadata.csv") && error.contains("header is"), "{error}");

    write_file(&root, "metadata.csv", format!("{}\n1|Short row|x\n", COLUMNS.join("|")).as_bytes()).unwrap();
    let error = cameo::build::run_build(&options(&raw, &dir.path().join("c"), 2)).expect_err("refused").to_string();
    assert!(error.contains("emns/metadata.csv") && error.contains("garbled row 1"), "{error}");
}

#[test]
fn the_complete_row_population_gives_the_reference_count() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("emns");
    let rows = population(usize::MAX);
    assert_eq!(rows.len(), 1205);
    write_population(&root, Layout::Extracted, &rows, 0.0).unwrap();
    let entry = cameo::corpora::find("emns").unwrap();
    let scan = entry.adapter.scan(&root, &entry.manifest.clone()).unwrap();
    assert_eq!(scan.items.len(), 1205);
    assert!(scan.rejects.is_empty(), "{:?}", &scan.rejects[..scan.rejects.len().min(3)]);
    assert_eq!(scan.skipped.len(), 1, "only metadata.csv: {:?}", scan.skipped);
    let names: BTreeSet<&str> = scan.items.iter().map(|item| item.location.file()).collect();
    assert_eq!(names.len(), 1205, "file names are unique");
    let mut per_label: BTreeMap<&str, usize> = BTreeMap::new();
    for item in &scan.items {
        *per_label.entry(item.source_label.as_str()).or_default() += 1;
    }
    assert_eq!(per_label["Happy"] + per_label["Excited"], 313);
    assert_eq!((per_label["Disgust"], per_label["Angry"]), (165, 133));
    let needs_updating = rows.iter().filter(|row| row.status == "Needs Updating").count();
    assert_eq!(needs_updating, 24);
}

#[test]
fn webm_from_other_muxers_decode() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/webm");
    let tone: Vec<f64> =
        (0..14_400).map(|i| (2.0 * std::f64::consts::PI * 440.0 * i as f64 / 48_000.0).sin()).collect();
    // 16 packets of 960 frames less the 312 pre-skip: the end keeps ffmpeg's padding, since
    // symphonia does not pass DiscardPadding on.
    for (file, channels, level) in
        [("ffmpeg-sine440-0.3s.webm", 1, 0.125), ("libwebm-live-stereo-sine440-0.3s.webm", 2, 0.4)]
    {
        let mut stream = cameo::audio::open_source(&data.join(file)).unwrap();
        assert_eq!((stream.sample_rate(), stream.channels()), (48_000, channels), "{file}");
        let mut decoded = Vec::new();
        while stream.read_mono(4_096, &mut decoded).unwrap() > 0 {}
        assert_eq!(decoded.len(), 16 * 960 - 312, "{file}");
        let dot: f64 = tone.iter().zip(&decoded).map(|(a, b)| a * b).sum();
        let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
        let correlation = dot / (norm(&tone) * norm(&decoded[..tone.len()]));
        assert!(correlation > 0.98, "{file}: correlation {correlation}");
        let rms = norm(&decoded[..tone.len()]) / (tone.len() as f64).sqrt();
        assert!((rms / (level / 2f64.sqrt()) - 1.0).abs() < 0.1, "{file}: rms {rms}");
    }
}
