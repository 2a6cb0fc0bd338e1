//! eNTERFACE'05 end to end: a generated tree of real AVI files in the real folder layout, with
//! the quirks of the real archive (uncut subject 6, subject 11 repeating subject 12, misnamed
//! files, Thumbs.db) and bad input (no audio track, truncated, MP3, misplaced files), is built;
//! the records are checked field by field and their audio against the source samples.
mod common;

use cameo::audio::{convert_to_flac, open_source};
use cameo::build::BuildOptions;
use cameo::fixtures::enterface::{audio_of, avi_48k, population, trap_audio, write_population, write_traps, TOP};
use cameo::fixtures::wav::{encode, WavSpec, WavWriterOptions};
use cameo::fixtures::write_file;
use cameo::record::{Emotion, Gender};
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Subjects with every quirk of the archive (213 AVIs, 7 Thumbs.db) plus the traps.
const SUBJECTS: [u32; 8] = [2, 3, 4, 6, 11, 12, 16, 23];

fn raw_tree(raw: &Path) -> cameo::fixtures::enterface::Traps {
    let root = raw.join("enterface");
    write_population(&root, &population(SUBJECTS), 0.05).unwrap();
    write_traps(&root).unwrap()
}

const UNCUT: &str =
    "subject 6 holds uncut sessions (one long recording per emotion, no sentence folders); CAMEO leaves subject 6 out";

/// What the RIFF header of a cut file declares against what the file holds.
fn truncation_reason(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let declared = u32::from_le_bytes(bytes[4..8].try_into().unwrap());
    format!(
        "truncated audio: the RIFF AVI list at offset 0 declares {declared} bytes but only {} remain in the file",
        bytes.len() - 8
    )
}

#[test]
fn traps_end_as_records_rejects_or_skips() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let traps = raw_tree(&raw);
    let outcome = build(&raw, &out, 2);
    let report = &outcome.splits[0].report;
    // 213 AVIs - 6 (subject 6) - 30 (subject 11) = 177, + 6 trap AVIs that scan as items, + 5
    // that the adapter rejects.
    assert_eq!(report.found, 188);
    assert_eq!(report.built, 180);
    assert!(report.duplicates.is_empty());
    let truncated = truncation_reason(&raw.join("enterface").join(&traps.truncated));
    let rejects = rejects_of(report);
    let expected: BTreeSet<(&str, &str)> = [
        (traps.no_audio.as_str(), "no audio track: AVI streams are [vids], none is audio (auds)"),
        (traps.truncated.as_str(), truncated.as_str()),
        (
            traps.mp3.as_str(),
            "unsupported audio: AVI audio stream 1 has format tag 0x0055 (MPEG Layer III (MP3)); only PCM audio is decoded",
        ),
        (
            traps.unknown_emotion_folder.as_str(),
            "emotion folder 'neutral' is not one of anger, disgust, fear, happiness, sadness, surprise",
        ),
        (traps.no_sentence_folder.as_str(), "no 'sentence K' folder between the emotion folder and the file"),
        (traps.name_disagrees.as_str(), "file name says sentence 3, the folder is sentence 2"),
        (traps.unknown_subject.as_str(), "subject 45 outside 1-44"),
        (traps.bad_name.as_str(), "file name does not follow s<subject>_<emotion>_<sentence>.avi"),
    ]
    .into();
    assert_eq!(rejects, expected);

    let mut expected_skips: BTreeSet<(String, String)> = BTreeSet::new();
    for name in population(SUBJECTS) {
        let reason = if name.ends_with("Thumbs.db") {
            "Windows folder metadata".to_string()
        } else if name.contains("/subject 6/") {
            UNCUT.to_string()
        } else if name.contains("/subject 11/") {
            let kept = name.replace("/subject 11/", "/subject 12/");
            format!("subject 11 repeats subject 12's recordings, counted once: {kept} is kept (same size)")
        } else {
            continue;
        };
        expected_skips.insert((name, reason));
    }
    expected_skips.insert((traps.text_file.clone(), "not an AVI file".into()));
    assert_eq!(expected_skips.len(), 6 + 30 + 7 + 1);
    let skips: BTreeSet<(String, String)> =
        skips_of(report).into_iter().map(|(s, r)| (s.to_string(), r.to_string())).collect();
    assert_eq!(skips, expected_skips);

    assert_eq!(report.formats.get("48000 Hz, 1 ch"), Some(&180));
    assert_eq!(report.formats.len(), 1);
    assert_eq!(report.found, report.built + report.duplicates.len() + report.rejects.len());
}

/// The canonical FLAC samples of the same samples stored as a WAV: the exact path to compare
/// the AVI's decoded audio with.
fn canonical_via_wav(dir: &Path, spec: WavSpec, extensible: bool, samples: &[f64]) -> (String, Vec<i16>) {
    let wav = dir.join("reference.wav");
    let options = WavWriterOptions { extensible, ..Default::default() };
    std::fs::write(&wav, encode(&spec, &options, &[samples.to_vec()])).unwrap();
    let flac = dir.join("reference.flac");
    let converted = convert_to_flac(open_source(&wav).unwrap().as_mut(), &flac).unwrap();
    (converted.file_id, decode_flac(&flac))
}

fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(p, q)| p * q).sum::<f64>();
    dot(a, b) / (dot(a, a) * dot(b, b)).sqrt()
}

#[test]
fn records_carry_every_field_and_the_audio_of_the_avi() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let traps = raw_tree(&raw);
    build(&raw, &out, 2);
    let records = records(&out);
    assert_eq!(records.len(), 180);
    let by_source = by_source(&records);

    // Subject 2's anger sentence 1 folder holds s2_an_2.avi: the folder gives the text.
    let swapped = &by_source[&format!("{TOP}/subject 2/anger/sentence 1/s2_an_2.avi")];
    assert_eq!(swapped.emotion, Emotion::Anger);
    assert_eq!(swapped.transcription.as_deref(), Some("What??? No, no, no, listen! I need this money!"));
    assert_eq!(swapped.speaker_id.as_deref(), Some("enterface_2"));
    // The corpus distributes no gender (nor does the published release have one).
    assert_eq!(swapped.gender, None);
    assert_eq!(swapped.age, None);
    assert_eq!(swapped.dataset, "eNTERFACE");
    assert_eq!(swapped.language, "English");
    assert_eq!(swapped.license, "Research use (no license published)");
    assert_eq!(swapped.duration, 0.05);
    assert_eq!(swapped.audio, format!("audio/enterface/{}", swapped.file_id));

    let subject3 = &by_source[&format!("{TOP}/subject 3/surprise/sentence 1/s_3_su_1.avi")];
    assert_eq!((subject3.emotion, subject3.speaker_id.as_deref()), (Emotion::Surprise, Some("enterface_3")));
    assert_eq!(subject3.transcription.as_deref(), Some("You have never told me that!"));

    let no_dot = &by_source[&format!("{TOP}/subject 16/surprise/sentence 3/s16_su_3avi.avi")];
    assert_eq!(no_dot.transcription.as_deref(), Some("Wahoo, I would never have believed this!"));
    assert_eq!(no_dot.speaker_id.as_deref(), Some("enterface_16"));

    let woman = &by_source[&format!("{TOP}/subject 4/disgust/sentence 3/s4_di_3.avi")];
    assert_eq!((woman.emotion, woman.gender), (Emotion::Disgust, None));
    assert_eq!(woman.transcription.as_deref(), Some("Aaaaah a cockroach!!!"));

    let kept = &by_source[&format!("{TOP}/subject 12/sadness/sentence 4/s12_sa_4.avi")];
    assert_eq!((kept.emotion, kept.speaker_id.as_deref()), (Emotion::Sadness, Some("enterface_12")));
    assert_eq!(kept.transcription.as_deref(), Some("I still loved him (her)"));

    let lucky = &by_source[&format!("{TOP}/subject 23/happiness/sentence 4/s23_ha_4.avi")];
    assert_eq!((lucky.emotion, lucky.transcription.as_deref()), (Emotion::Happiness, Some("I'm so lucky!")));

    let per_speaker = records.iter().fold(BTreeMap::new(), |mut map, r| {
        *map.entry(r.speaker_id.clone().unwrap()).or_insert(0) += 1;
        map
    });
    let expected: BTreeMap<String, usize> = [(2, 30), (3, 30), (4, 30), (12, 30), (16, 30), (23, 27), (40, 3)]
        .into_iter()
        .map(|(subject, count)| (format!("enterface_{subject}"), count))
        .collect();
    assert_eq!(per_speaker, expected);

    // Audio: 48 kHz 16-bit PCM from an interleaved AVI gives exactly what the same samples
    // give from a WAV, 1/3 as many samples, and follows the source waveform.
    let scratch = tempfile::tempdir().unwrap();
    let source = audio_of(&woman.source, 0.05);
    let (wav_id, wav_samples) = canonical_via_wav(scratch.path(), WavSpec::int(16, 1, 48_000), false, &source);
    let decoded = decode_flac(&out.join(&woman.audio));
    assert_eq!(decoded.len(), 800);
    assert_eq!(decoded, wav_samples);
    assert_eq!(woman.file_id, wav_id);
    assert_eq!(pcm_file_id(&decoded), woman.file_id);
    let decimated: Vec<f64> = source.iter().step_by(3).copied().collect();
    let got: Vec<f64> = decoded.iter().map(|&s| s as f64 / 32_768.0).collect();
    let r = correlation(&got, &decimated);
    assert!(r > 0.98, "correlation {r}");

    // The layout variants decode to the same audio as a WAV of their samples.
    for (path, seed, seconds, spec, extensible) in [
        (&traps.rec_lists, 4001, 0.5, WavSpec::int(16, 1, 48_000), false),
        (&traps.opendml, 4002, 0.4, WavSpec::int(16, 1, 48_000), false),
        (&traps.audio_first_24bit, 4003, 0.3, WavSpec::int(24, 1, 48_000), true),
    ] {
        let record = &by_source[path];
        assert_eq!(record.duration, seconds, "{path}");
        let (wav_id, _) = canonical_via_wav(scratch.path(), spec, extensible, &trap_audio(seed, seconds));
        assert_eq!(record.file_id, wav_id, "{path}");
    }
    let opendml = &by_source[&traps.opendml];
    assert_eq!((opendml.emotion, opendml.speaker_id.as_deref()), (Emotion::Fear, Some("enterface_40")));
    assert_eq!(opendml.transcription.as_deref(), Some("Someone is climbing up the stairs"));
    let excited = &by_source[&traps.audio_first_24bit];
    assert_eq!(excited.transcription.as_deref(), Some("I'm so excited!"));
}

#[test]
fn an_avi_without_audio_and_a_cut_off_end_are_rejects_while_the_rest_builds() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let root = raw.join("enterface");
    write_population(&root, &population([1]), 0.05).unwrap();
    // Two population files replaced: a video-only AVI, and one whose last 100 bytes (the end
    // of the idx1 index) are missing.
    let silent = format!("{TOP}/subject 1/anger/sentence 1/s1_an_1.avi");
    let options = cameo::fixtures::avi::AviOptions::default();
    write_file(&root, &silent, &cameo::fixtures::avi::encode_avi(&options, &[])).unwrap();
    let cut = format!("{TOP}/subject 1/fear/sentence 5/s1_fe_5.avi");
    let mut bytes = avi_48k(audio_of(&cut, 0.05));
    bytes.truncate(bytes.len() - 100);
    write_file(&root, &cut, &bytes).unwrap();

    let outcome = build(&raw, &out, 2);
    let report = &outcome.splits[0].report;
    assert_eq!((report.found, report.built), (30, 28));
    let truncated = truncation_reason(&root.join(&cut));
    let expected: BTreeSet<(&str, &str)> = [
        (silent.as_str(), "no audio track: AVI streams are [vids], none is audio (auds)"),
        (cut.as_str(), truncated.as_str()),
    ]
    .into();
    assert_eq!(rejects_of(report), expected);
    assert_eq!(records(&out).len(), 28);
}

#[test]
fn the_complete_file_population_gives_the_reference_count() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("enterface");
    let names = population(1..=44);
    let avis = names.iter().filter(|n| n.ends_with(".avi")).count();
    assert_eq!(avis, 1293);
    assert_eq!(names.len() - avis, 43);
    write_population(&root, &names, 0.002).unwrap();
    let entry = cameo::corpora::find("enterface").unwrap();
    let manifest = entry.manifest.clone();
    let scan = entry.adapter.scan(&root, &manifest).unwrap();
    assert!(scan.rejects.is_empty(), "{:?}", scan.rejects);
    assert_eq!(scan.items.len(), 1257);
    assert_eq!(scan.items.len(), manifest.expected_count);
    let skipped_by = |needle: &str| scan.skipped.iter().filter(|s| s.reason.contains(needle)).count();
    assert_eq!(skipped_by("uncut sessions"), 6);
    assert_eq!(skipped_by("subject 11 repeats subject 12"), 30);
    assert_eq!(skipped_by("Windows folder metadata"), 43);
    assert_eq!(scan.skipped.len(), 79);

    let speakers: BTreeSet<&str> = scan.items.iter().filter_map(|i| i.speaker.as_deref()).collect();
    assert_eq!(speakers.len(), 42);
    assert!(!speakers.contains("6") && !speakers.contains("11"));
    assert!(scan.items.iter().all(|i| i.transcription.is_some() && i.gender.is_none()));
    // The third-party annotation covers every subject kept, 9 of them women.
    let annotated =
        |item: &cameo::corpora::SourceItem| manifest.speakers[item.speaker.as_deref().unwrap()].third_party_gender;
    assert!(scan.items.iter().all(|i| annotated(i).is_some()));
    let women = scan.items.iter().filter(|i| annotated(i) == Some(Gender::Female)).count();
    assert_eq!(women, 9 * 30);
}

#[test]
fn third_party_genders_are_opt_in_and_the_card_says_whose_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    write_population(&raw.join("enterface"), &population([2, 4]), 0.05).unwrap();

    // By default: no gender, and the card says why.
    let plain = dir.path().join("plain");
    build(&raw, &plain, 2);
    assert!(records(&plain).iter().all(|r| r.gender.is_none()));
    let card = std::fs::read_to_string(plain.join("README.md")).unwrap();
    let row = card.lines().find(|l| l.starts_with("| enterface | 100.0% |")).expect("speakers row");
    assert!(row.starts_with("| enterface | 100.0% | 0.0% | 0.0% | 0.0% | The corpus distributes no gender"), "{row}");
    assert!(!card.contains("third party's annotation, not the corpus'"));
    let build_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(plain.join("build.json")).unwrap()).unwrap();
    assert!(build_json["splits"]["enterface"].get("third_party_genders").is_none());

    // Opted in (the command line): subject 2 male, subject 4 female, and the card and
    // build.json name the source.
    let annotated = dir.path().join("annotated");
    let path = |p: &Path| p.to_str().unwrap().to_string();
    let (code, _, stderr) =
        run_cameo(&["build", "--raw", &path(&raw), "--out", &path(&annotated), "--third-party-genders", "--quiet"]);
    assert_eq!(code, 0, "{stderr}");
    let genders: BTreeMap<String, BTreeSet<Option<Gender>>> =
        records(&annotated).into_iter().fold(BTreeMap::new(), |mut map, r| {
            map.entry(r.speaker_id.unwrap()).or_default().insert(r.gender);
            map
        });
    assert_eq!(
        genders,
        BTreeMap::from([
            ("enterface_2".into(), BTreeSet::from([Some(Gender::Male)])),
            ("enterface_4".into(), BTreeSet::from([Some(Gender::Female)]))
        ])
    );
    let manifest = cameo::corpora::find("enterface").unwrap().manifest.clone();
    let source = manifest.third_party_genders.clone().unwrap();
    assert!(source.starts_with("michen00/multilingual_speech_valence_classification_datasets"), "{source}");
    let card = std::fs::read_to_string(annotated.join("README.md")).unwrap();
    let row = card.lines().find(|l| l.starts_with("| enterface | 100.0% |")).expect("speakers row");
    assert!(row.starts_with("| enterface | 100.0% | 100.0% | 50.0% | 50.0% |"), "{row}");
    assert!(
        row.contains(&format!(
            "**This build's genders are a third party's annotation, not the corpus'** (built with \
             `--third-party-genders`): {source}."
        )),
        "{row}"
    );
    let build_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(annotated.join("build.json")).unwrap()).unwrap();
    assert_eq!(build_json["splits"]["enterface"]["third_party_genders"], serde_json::json!(source));

    // Shards merged with the option give the same metadata.
    let parts: Vec<_> = (1..=2).map(|i| dir.path().join(format!("part{i}"))).collect();
    for (i, part) in parts.iter().enumerate() {
        let shard = BuildOptions { shard: Some(format!("{}/2", i + 1).parse().unwrap()), ..options(&raw, part, 1) };
        cameo::build::run_build(&shard).unwrap();
    }
    let merged = dir.path().join("merged");
    let (code, _, stderr) = run_cameo(&[
        "merge",
        "--raw",
        &path(&raw),
        "--out",
        &path(&merged),
        &path(&parts[0]),
        &path(&parts[1]),
        "--third-party-genders",
        "--quiet",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let jsonl = |folder: &Path| std::fs::read(folder.join("metadata.jsonl")).unwrap();
    assert_eq!(jsonl(&merged), jsonl(&annotated));

    // The same folder rebuilt without the option: the genders go again (nothing kept stale).
    build(&raw, &annotated, 2);
    assert!(records(&annotated).iter().all(|r| r.gender.is_none()));
}
