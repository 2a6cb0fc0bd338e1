//! JL-Corpus end to end: a generated Kaggle tree (folder names with spaces and parentheses,
//! sidecar transcripts, Picture Stimuli with odd names, a partial lower-case copy, junk) with
//! the traps of the real archive is built and the records are checked field by field; only the
//! raw `JL(wav+txt)` folder is read; the complete population scans to 2,400.
mod common;

use cameo::fixtures::jl_corpus::{population, sentence, write_population, write_traps, AUDIO_FOLDER, SPEAKERS};
use cameo::record::{Emotion, Gender};
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Sentence 1 of every speaker, emotion and session (160 files) plus the traps.
fn raw_tree(raw: &Path) -> cameo::fixtures::jl_corpus::Traps {
    let root = raw.join("jl_corpus");
    write_population(&root, &population(&SPEAKERS, 1..=1), Some(0.05)).unwrap();
    write_traps(&root).unwrap()
}

#[test]
fn traps_end_as_records_rejects_or_skips() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let traps = raw_tree(&raw);
    let outcome = build(&raw, &out, 2);
    let report = &outcome.splits[0].report;
    // 160 population WAVs + 6 trap WAVs in JL(wav+txt)/.
    assert_eq!(report.found, 166);
    assert_eq!(report.built, 161);
    assert!(report.duplicates.is_empty());
    let expected: BTreeSet<(&str, &str)> = [
        (
            traps.missing_sidecar.as_str(),
            "no transcript: female2_happy_14a_2.txt is missing (every JL-Corpus WAV has one)",
        ),
        (traps.empty_sidecar.as_str(), "transcript male1_sad_13b_1.txt is empty"),
        (traps.bad_name.as_str(), "file name does not follow <female|male><n>_<emotion>_<sentence><a|b>_<session>.wav"),
        (traps.bad_sentence.as_str(), "sentence 16: only 1-15 (with a or b) exist"),
        (
            traps.misspelt_emotion.as_str(),
            "unknown emotion code 'apolegetic' (not in the [labels] of manifests/jl_corpus.toml)",
        ),
    ]
    .into();
    assert_eq!(rejects_of(report), expected);

    let sidecar = "transcript sidecar (read as its WAV's transcription)";
    let sidecars = report.skipped.iter().filter(|s| s.reason == sidecar).count();
    // One per WAV in the folder except the one whose sidecar is missing.
    assert_eq!(sidecars, 165);
    let picture = "picture stimulus of the recording sessions, not audio";
    let mut expected: BTreeSet<(&str, &str)> = [
        (traps.format_intro.as_str(), "corpus documentation, not audio"),
        (
            traps.lowercase_copy_wav.as_str(),
            "outside 'Raw JL corpus (unchecked and unannotated)/JL(wav+txt)/': other subsets copy its recordings",
        ),
        (
            traps.lowercase_copy_txt.as_str(),
            "outside 'Raw JL corpus (unchecked and unannotated)/JL(wav+txt)/', not audio",
        ),
        (traps.macosx_junk.as_str(), "macOS archive metadata (__MACOSX)"),
        (traps.ds_store.as_str(), "macOS folder metadata (.DS_Store)"),
        (traps.orphan_txt.as_str(), "transcript without a WAV of the same name"),
    ]
    .into();
    expected.extend(traps.pictures.iter().map(|p| (p.as_str(), picture)));
    let others: BTreeSet<(&str, &str)> =
        skips_of(report).into_iter().filter(|(_, reason)| *reason != sidecar).collect();
    assert_eq!(others, expected);
    assert!(report.skipped.iter().any(|s| s.source == traps.messy_sidecar_txt && s.reason == sidecar));
    assert_eq!(report.formats.get("44100 Hz, 1 ch"), Some(&161));
    assert_eq!(report.warnings, ["built 161 samples, the manifest expects 2400"]);
    assert_eq!(report.found, report.built + report.duplicates.len() + report.rejects.len());
}

#[test]
fn records_carry_every_field_with_text_from_the_sidecars() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let traps = raw_tree(&raw);
    build(&raw, &out, 2);
    let records = records(&out);
    assert_eq!(records.len(), 161);
    let by_source = by_source(&records);

    let angry = &by_source[&format!("{AUDIO_FOLDER}/female1_angry_1a_1.wav")];
    assert_eq!(angry.emotion, Emotion::Anger);
    assert_eq!(angry.transcription.as_deref(), Some("The robot will be here in five minutes."));
    assert_eq!(angry.speaker_id.as_deref(), Some("jl_corpus_female1"));
    assert_eq!(angry.gender, Some(Gender::Female));
    assert_eq!(angry.age, None);
    assert_eq!(angry.dataset, "JL-Corpus");
    assert_eq!(angry.language, "English");
    assert_eq!(angry.license, "ODC-By 1.0");
    assert_eq!(angry.duration, 0.05);
    assert_eq!(angry.source, "Raw JL corpus (unchecked and unannotated)/JL(wav+txt)/female1_angry_1a_1.wav");

    // Secondary emotions map onto the JL-only CAMEO labels.
    let secondary = &by_source[&format!("{AUDIO_FOLDER}/male2_encouraging_1b_2.wav")];
    assert_eq!(secondary.emotion, Emotion::Encouragement);
    assert_eq!(secondary.transcription.as_deref(), Some(sentence(1, 'b').as_str()));
    assert_eq!((secondary.speaker_id.as_deref(), secondary.gender), (Some("jl_corpus_male2"), Some(Gender::Male)));
    for (word, emotion) in [
        ("sad", Emotion::Sadness),
        ("neutral", Emotion::Neutral),
        ("happy", Emotion::Happiness),
        ("excited", Emotion::Excitement),
        ("anxious", Emotion::Anxiety),
        ("apologetic", Emotion::Apology),
        ("assertive", Emotion::Assertiveness),
        ("concerned", Emotion::Concern),
    ] {
        let record = &by_source[&format!("{AUDIO_FOLDER}/male1_{word}_1a_2.wav")];
        assert_eq!(record.emotion, emotion, "{word}");
        assert_eq!((record.speaker_id.as_deref(), record.gender), (Some("jl_corpus_male1"), Some(Gender::Male)));
    }

    // A sidecar with a BOM, CRLF, padding and a line break inside gives one clean line.
    let messy = &by_source[&traps.messy_sidecar];
    assert_eq!((messy.emotion, messy.duration), (Emotion::Concern, 0.3));
    assert_eq!(messy.transcription.as_deref(), Some(traps.messy_text.as_str()));
    assert_eq!(messy.transcription.as_deref(), Some("Your sister left the keys on the table."));

    let per_emotion = records.iter().fold(BTreeMap::new(), |mut map, r| {
        *map.entry(r.emotion).or_insert(0) += 1;
        map
    });
    assert_eq!(per_emotion.len(), 10);
    assert_eq!(per_emotion[&Emotion::Concern], 17);
    assert!(per_emotion.iter().all(|(emotion, &count)| count == 16 || *emotion == Emotion::Concern));
    assert!(records.iter().all(|r| r.age.is_none() && r.gender.is_some() && r.transcription.is_some()));
}

#[test]
fn only_the_raw_folder_is_read_wherever_the_archive_was_unpacked() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    let root = raw.join("jl_corpus");
    let refused = |name: &str| {
        cameo::build::run_build(&options(&raw, &dir.path().join(name), 2)).expect_err("refused").to_string()
    };
    // Only the partial lower-case copy: its WAVs are never taken for the corpus.
    let copy = "raw jl corpus (unchecked and unannotated)/JL(wav+txt)/female1_angry_1a_1";
    cameo::fixtures::write_file(&root, &format!("{copy}.wav"), b"RIFF").unwrap();
    let error = refused("a");
    assert!(
        error.contains("Raw JL corpus (unchecked and unannotated)/JL(wav+txt)") && error.contains("missing"),
        "{error}"
    );

    // One wrapper folder above the archive's folders is fine.
    std::fs::remove_dir_all(&root).unwrap();
    let wrapped = root.join("archive");
    write_population(&wrapped, &population(&["male1"], 2..=2), Some(0.02)).unwrap();
    let outcome = build(&raw, &dir.path().join("b"), 2);
    let report = &outcome.splits[0].report;
    assert_eq!((report.found, report.built), (40, 40));
    let records = records(&dir.path().join("b"));
    assert!(records.iter().all(|r| r.source.starts_with(&format!("archive/{AUDIO_FOLDER}/male1_"))));

    // Two copies of the raw folder: which one is meant is not guessed.
    write_population(&root, &population(&["male1"], 2..=2), Some(0.02)).unwrap();
    let error = refused("c");
    assert!(error.contains("several 'Raw JL corpus (unchecked and unannotated)/JL(wav+txt)/' folders"), "{error}");
}

#[test]
#[cfg(unix)]
fn odd_bytes_are_harmless_outside_the_raw_folder_and_named_inside_it() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    let root = raw.join("jl_corpus");
    write_population(&root, &population(&["female2"], 1..=1), Some(0.02)).unwrap();
    // A picture name as a CP437 zip stores it, extracted without decoding: never opened, and
    // named by the CP437 reading of its bytes (corpora::names).
    let pictures = root.join("Picture Stimuli").join("apolegetic");
    std::fs::create_dir_all(&pictures).unwrap();
    std::fs::write(pictures.join(std::ffi::OsStr::from_bytes(b"Stock-photo-\xc2\xa9-\xb8.jpg")), b"\xff\xd8").unwrap();
    let outcome = build(&raw, &dir.path().join("a"), 2);
    let report = &outcome.splits[0].report;
    assert_eq!(report.built, 40);
    assert!(report.skipped.iter().any(|s| s.source == "Picture Stimuli/apolegetic/Stock-photo-┬⌐-╕.jpg"));

    // Inside the audio folder such a name is read the same way, and the damaged file it holds
    // is a reject naming it; the build goes on.
    let inside = root.join(AUDIO_FOLDER).join(std::ffi::OsStr::from_bytes(b"female2_angry_1a_\xb8.wav"));
    std::fs::write(inside, b"RIFF").unwrap();
    let outcome = build(&raw, &dir.path().join("b"), 2);
    let report = &outcome.splits[0].report;
    assert_eq!(report.built, 40);
    assert!(
        report.rejects.iter().any(|r| r.source == format!("{AUDIO_FOLDER}/female2_angry_1a_╕.wav")),
        "{:?}",
        report.rejects
    );
}

#[test]
fn the_complete_file_population_gives_the_reference_count() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("jl_corpus");
    let stems = population(&SPEAKERS, 1..=15);
    assert_eq!(stems.len(), 2400);
    write_population(&root, &stems, None).unwrap();

    let entry = cameo::corpora::find("jl_corpus").unwrap();
    let manifest = entry.manifest.clone();
    let scan = entry.adapter.scan(&root, &manifest).unwrap();
    assert!(scan.rejects.is_empty(), "{:?}", &scan.rejects[..scan.rejects.len().min(3)]);
    assert_eq!(scan.items.len(), manifest.expected_count);
    assert_eq!(scan.items.len(), 2400);
    assert_eq!(scan.skipped.len(), 2400, "one sidecar per WAV");
    let items = &scan.items;
    let per = |key: &dyn Fn(&cameo::corpora::SourceItem) -> String| {
        items.iter().fold(BTreeMap::new(), |mut map, item| {
            *map.entry(key(item)).or_insert(0) += 1;
            map
        })
    };
    let per_emotion = per(&|item| format!("{:?}", manifest.emotion_for(&item.source_label).expect("mapped")));
    assert_eq!(per_emotion.len(), 10);
    assert!(per_emotion.values().all(|&count| count == 240), "{per_emotion:?}");
    let per_speaker = per(&|item| item.speaker.clone().unwrap());
    assert_eq!(per_speaker.values().copied().collect::<Vec<_>>(), vec![600; 4]);
    let per_session =
        per(&|item| item.location.file().trim_end_matches(".wav").rsplit('_').next().unwrap().to_string());
    assert_eq!(per_session.values().copied().collect::<Vec<_>>(), vec![1200; 2]);
    let texts: BTreeSet<&str> = items.iter().filter_map(|item| item.transcription.as_deref()).collect();
    assert_eq!(texts.len(), 30);
}
