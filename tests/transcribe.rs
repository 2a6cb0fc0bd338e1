//! The transcription stage (`--transcribe`) with a scripted recogniser standing in for Whisper:
//! which samples are recognised, alignment decisions and the record's text and source, the QA
//! section of build.json, the cache (resume, model change), the language check before any
//! audio, sharded builds, and thread-count independence.
mod common;

use cameo::build::shard::{merge_with, Shard};
use cameo::build::{run_build_with, BuildError, BuildOptions};
use cameo::collection::split::SplitState;
use cameo::fixtures::{crema_d, oreau, write_file};
use cameo::record::{Record, TranscriptionSource};
use cameo::transcribe::{Decoding, Recognizer, RecognizerError, TranscribeError, Transcript};
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// A recogniser that "hears" a scripted text per sample, found by the sample's file_id
/// (recomputed from the samples it is given); the samples in `looping` come back as a
/// repetition loop.
struct Scripted {
    id: String,
    languages: Vec<&'static str>,
    texts: BTreeMap<String, Result<String, String>>,
    looping: BTreeSet<String>,
    calls: AtomicUsize,
    /// The decoding hints it was given.
    hints: Mutex<BTreeSet<Option<usize>>>,
}

impl Scripted {
    fn new(id: &str, languages: &[&'static str], texts: BTreeMap<String, Result<String, String>>) -> Self {
        Scripted {
            id: id.into(),
            languages: languages.to_vec(),
            texts,
            looping: BTreeSet::new(),
            calls: AtomicUsize::new(0),
            hints: Mutex::new(BTreeSet::new()),
        }
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl Recognizer for Scripted {
    fn id(&self) -> &str {
        &self.id
    }

    fn check_language(&self, language: &str) -> Result<(), RecognizerError> {
        if self.languages.contains(&language) {
            Ok(())
        } else {
            Err(RecognizerError::Other(format!("the model does not know '{language}'").into()))
        }
    }

    fn transcribe(&self, samples: &[f32], language: &str, decoding: Decoding) -> Result<Transcript, RecognizerError> {
        assert!(self.languages.contains(&language), "recognised in an unchecked language");
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.hints.lock().unwrap().insert(decoding.max_sentences);
        let pcm: Vec<i16> = samples.iter().map(|&s| (s * 32768.0).round() as i16).collect();
        let id = pcm_file_id(&pcm);
        let text = self.texts.get(&id).cloned().unwrap_or_else(|| Err("unscripted sample".into()));
        let text = text.map_err(|message| RecognizerError::Other(message.into()))?;
        Ok(Transcript { text, looped: self.looping.contains(&id) })
    }
}

/// The CREMA-D files of the tests: (file, the sentence its code names).
const AGREES: &str = "AudioWAV/1001_DFA_ANG_XX.wav"; // "Don't forget a jacket", said so
const MISLABELED: &str = "AudioWAV/1001_TSI_HAP_XX.wav"; // "The surface is slick", says IEO
const UNCLEAR: &str = "AudioWAV/1001_WSI_NEU_XX.wav"; // heard as a hallucination
const FAILS: &str = "AudioWAV/1001_ITS_FEA_XX.wav"; // the recogniser fails
const SILENT: &str = "AudioWAV/1076_MTI_SAD_XX.wav"; // digital silence, never recognised

fn crema_d_tree(raw: &Path) {
    let root = raw.join("crema_d");
    let names: Vec<String> = [AGREES, MISLABELED, UNCLEAR, FAILS].iter().map(|s| s.to_string()).collect();
    crema_d::write_population(&root, &names, 0.3).unwrap();
    let silence = cameo::fixtures::wav::encode(
        &cameo::fixtures::wav::WavSpec::int(16, 1, 16_000),
        &Default::default(),
        &[vec![0.0; 4_000]],
    );
    write_file(&root, SILENT, &silence).unwrap();
}

/// Builds without recognition and returns each source's file_id.
fn file_ids(raw: &Path, scratch: &Path) -> BTreeMap<String, String> {
    build(raw, scratch, 1);
    records(scratch).into_iter().map(|r| (r.source, r.file_id)).collect()
}

fn crema_d_script(ids: &BTreeMap<String, String>) -> BTreeMap<String, Result<String, String>> {
    [
        (AGREES, Ok("Don't forget a jacket.")),
        (MISLABELED, Ok("It's 11 o'clock.")),
        (UNCLEAR, Ok("Thank you for watching!")),
        (FAILS, Err("decoder ran out of memory")),
        (SILENT, Ok("Thank you.")),
    ]
    .into_iter()
    .map(|(source, text)| (ids[source].clone(), text.map(str::to_string).map_err(str::to_string)))
    .collect()
}

fn with_transcribe(raw: &Path, out: &Path, jobs: usize) -> BuildOptions {
    BuildOptions { transcribe: Some("scripted.bin".into()), ..options(raw, out, jobs) }
}

fn state(out: &Path, split: &str) -> SplitState {
    cameo::build::load_states(out).unwrap().into_iter().find(|s| s.report.split == split).unwrap()
}

fn text_and_source(record: &Record) -> (Option<&str>, Option<TranscriptionSource>) {
    (record.transcription.as_deref(), record.transcription_source)
}

#[test]
fn a_mislabeled_sentence_is_reported_and_the_sentence_heard_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    crema_d_tree(&raw);
    let ids = file_ids(&raw, &dir.path().join("plain"));
    let recognizer = Scripted::new("model-a", &["en"], crema_d_script(&ids));
    let out = dir.path().join("build");
    let outcome = run_build_with(&with_transcribe(&raw, &out, 2), Some(&recognizer)).unwrap();
    // Every sample but the silent one went to the recogniser, once, told that CREMA-D's
    // sentences are one sentence each.
    assert_eq!(recognizer.calls(), 4);
    assert_eq!(*recognizer.hints.lock().unwrap(), BTreeSet::from([Some(1)]));
    assert_eq!((outcome.run.recognised, outcome.run.recognised_from_cache), (3, 0));

    let by_source = by_source(&records(&out));
    use TranscriptionSource::*;
    assert_eq!(text_and_source(&by_source[AGREES]), (Some("Don't forget a jacket"), Some(Aligned)));
    assert_eq!(text_and_source(&by_source[MISLABELED]), (Some("It's eleven o'clock"), Some(Aligned)));
    assert_eq!(text_and_source(&by_source[UNCLEAR]), (Some("We'll stop in a couple of minutes"), Some(Corpus)));
    assert_eq!(text_and_source(&by_source[FAILS]), (Some("I think I've seen this before"), Some(Corpus)));
    assert_eq!(text_and_source(&by_source[SILENT]), (Some("Maybe tomorrow it will be cold"), Some(Corpus)));
    // Nothing else of a record changes.
    let plain = by_source_of(&dir.path().join("plain"));
    for (source, record) in &by_source {
        let mut expected = plain[source].clone();
        expected.transcription = record.transcription.clone();
        expected.transcription_source = record.transcription_source;
        assert_eq!(record, &expected);
    }

    let build_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("build.json")).unwrap()).unwrap();
    let section = &build_json["transcription"];
    assert_eq!(section["models"], serde_json::json!(["model-a"]));
    assert_eq!(
        section["splits"]["crema_d"],
        serde_json::json!({
            "origin": "sentence_list", "model": "model-a", "language": "en", "candidates": 12,
            "recognised": 3, "agreed": 1, "chosen": 0, "mismatched": 1, "unclear": 1, "asr_texts": 0,
            "empty": 0, "skipped": 2,
        })
    );
    let mismatch = &section["mismatches"][0];
    assert_eq!(section["mismatches"].as_array().unwrap().len(), 1);
    assert_eq!(mismatch["split"], "crema_d");
    assert_eq!(mismatch["file_id"], ids[MISLABELED].as_str());
    assert_eq!(mismatch["source"], MISLABELED);
    assert_eq!(mismatch["labelled"], "The surface is slick");
    assert_eq!(mismatch["heard"], "It's 11 o'clock.");
    assert_eq!(mismatch["chosen"], "It's eleven o'clock");
    assert_eq!(mismatch["chosen_distance"], 0.3529);
    assert!(mismatch["labelled_distance"].as_f64().unwrap() > 0.6, "{mismatch}");
    let unclear = &section["unclear"][0];
    assert_eq!(section["unclear"].as_array().unwrap().len(), 1);
    assert_eq!(
        (&unclear["source"], &unclear["heard"]),
        (&serde_json::json!(UNCLEAR), &serde_json::json!("Thank you for watching!"))
    );
    assert_eq!(unclear["labelled"], "We'll stop in a couple of minutes");
    assert!(unclear["distance"].as_f64().unwrap() > 0.5);
    let skipped: Vec<(&str, &str)> = section["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["source"].as_str().unwrap(), s["reason"].as_str().unwrap()))
        .collect();
    let mut expected_skips = vec![
        (FAILS, "recognition failed: decoder ran out of memory"),
        (SILENT, "digital silence: nothing to recognise"),
    ];
    expected_skips.sort_by_key(|(source, _)| ids[*source].clone());
    assert_eq!(skipped, expected_skips);
    // The build verifies, with the new column in every sink.
    cameo::verify::verify(&out).unwrap();
}

fn by_source_of(out: &Path) -> BTreeMap<String, Record> {
    by_source(&records(out))
}

#[test]
fn without_transcribe_every_text_is_the_corpus_one_and_a_corpus_without_text_has_none() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    crema_d_tree(&raw);
    oreau_tree(&raw);
    let out = dir.path().join("build");
    build(&raw, &out, 1);
    for record in records(&out) {
        match record.split() {
            "crema_d" => assert_eq!(record.transcription_source, Some(TranscriptionSource::Corpus)),
            _ => assert_eq!(text_and_source(&record), (None, None)),
        }
    }
    let build_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("build.json")).unwrap()).unwrap();
    assert!(build_json.get("transcription").is_none());
}

const OREAU_FILES: [&str; 3] = ["f/sessj/10a02Ja.wav", "m/sessc/28a08Ca.wav", "m/sessn/27a03Na.wav"];

fn oreau_tree(raw: &Path) {
    let names: Vec<String> = OREAU_FILES.iter().map(|s| s.to_string()).collect();
    oreau::write_population(&raw.join("oreau"), oreau::VERSION_ONE, &names, 0.2).unwrap();
}

/// The `source` of an Oréau file: its NFD version folder named in NFC (corpora::names).
fn oreau_source(name: &str) -> String {
    cameo::corpora::names::decode_relative(std::path::Path::new(&format!("{}/{name}", oreau::VERSION_ONE))).text
}

#[test]
fn a_corpus_without_text_gets_the_recognised_text() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    oreau_tree(&raw);
    let ids = file_ids(&raw, &dir.path().join("plain"));
    let script: BTreeMap<String, Result<String, String>> = [
        (OREAU_FILES[0], Ok("  Un cheval fou dans mon jardin. ")),
        (OREAU_FILES[1], Ok("")),
        (OREAU_FILES[2], Ok("Ce\u{301}st l'e\u{301}te\u{301}")),
    ]
    .into_iter()
    .map(|(name, text): (&str, Result<&str, &str>)| {
        (ids[&oreau_source(name)].clone(), text.map(str::to_string).map_err(str::to_string))
    })
    .collect();
    let recognizer = Scripted::new("model-a", &["fr"], script);
    let out = dir.path().join("build");
    run_build_with(&with_transcribe(&raw, &out, 2), Some(&recognizer)).unwrap();
    // Free transcription: no sentence limit.
    assert_eq!(*recognizer.hints.lock().unwrap(), BTreeSet::from([None]));
    let by_source = by_source_of(&out);
    use TranscriptionSource::*;
    assert_eq!(
        text_and_source(&by_source[&oreau_source(OREAU_FILES[0])]),
        (Some("Un cheval fou dans mon jardin."), Some(Asr))
    );
    // Heard nothing: no transcription, no source.
    assert_eq!(text_and_source(&by_source[&oreau_source(OREAU_FILES[1])]), (None, None));
    // Stored trimmed and in NFC.
    assert_eq!(text_and_source(&by_source[&oreau_source(OREAU_FILES[2])]), (Some("Cést l'été"), Some(Asr)));
    let report = state(&out, "oreau").transcription.unwrap();
    assert_eq!((report.recognised, report.asr_texts, report.candidates), (3, 2, 0));
    assert_eq!(report.empty.len(), 1);
    assert_eq!(report.empty[0].source, oreau_source(OREAU_FILES[1]));
    assert_eq!(report.empty[0].reason, "the recogniser heard no words");
    cameo::verify::verify(&out).unwrap();

    // verify holds the column to its rule: a source without a text is an error naming the line.
    let metadata = std::fs::read_to_string(out.join("metadata.jsonl")).unwrap();
    let (index, line) = metadata.lines().enumerate().find(|(_, l)| l.contains("\"transcription\":null")).unwrap();
    let tampered =
        metadata.replace(line, &line.replace("\"transcription_source\":null", "\"transcription_source\":\"asr\""));
    std::fs::write(out.join("metadata.jsonl"), tampered).unwrap();
    let error = cameo::verify::verify(&out).unwrap_err().to_string();
    assert!(
        error
            .ends_with(&format!("line {}: transcription_source must be null exactly when transcription is", index + 1)),
        "{error}"
    );
}

#[test]
fn recognitions_are_cached_per_model_and_the_output_does_not_depend_on_threads() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    crema_d_tree(&raw);
    let ids = file_ids(&raw, &dir.path().join("plain"));
    let out = dir.path().join("build");
    let first = Scripted::new("model-a", &["en"], crema_d_script(&ids));
    run_build_with(&with_transcribe(&raw, &out, 1), Some(&first)).unwrap();
    assert_eq!(first.calls(), 4);
    let metadata = std::fs::read(out.join("metadata.jsonl")).unwrap();
    let build_json = build_json_without_run(&out);

    // A rerun recognises only the sample whose recognition failed (failures are not cached).
    let again = Scripted::new("model-a", &["en"], crema_d_script(&ids));
    let outcome = run_build_with(&with_transcribe(&raw, &out, 2), Some(&again)).unwrap();
    assert_eq!(again.calls(), 1);
    assert_eq!((outcome.run.recognised, outcome.run.recognised_from_cache), (0, 3));
    assert_eq!(std::fs::read(out.join("metadata.jsonl")).unwrap(), metadata);
    assert_eq!(build_json_without_run(&out), build_json);

    // Another model recognises everything again.
    let other = Scripted::new("model-b", &["en"], crema_d_script(&ids));
    run_build_with(&with_transcribe(&raw, &out, 2), Some(&other)).unwrap();
    assert_eq!(other.calls(), 4);

    // A fresh build with another thread count writes the same bytes.
    let fresh = dir.path().join("fresh");
    let recognizer = Scripted::new("model-a", &["en"], crema_d_script(&ids));
    run_build_with(&with_transcribe(&raw, &fresh, 2), Some(&recognizer)).unwrap();
    let (expected, actual) = (tree_bytes(&out), tree_bytes(&fresh));
    for name in ["metadata.jsonl", "data/crema_d-00000-of-00001.parquet", "README.md"] {
        assert!(expected[name] == actual[name], "{name} differs");
    }
    assert_eq!(build_json_without_run(&fresh)["transcription"]["models"], serde_json::json!(["model-a"]));

    // A build without --transcribe goes back to the corpus texts.
    build(&raw, &out, 1);
    assert!(records(&out).iter().all(|r| r.transcription_source == Some(TranscriptionSource::Corpus)));
    assert!(state(&out, "crema_d").transcription.is_none());
}

#[test]
fn a_repetition_loop_is_unclear_and_leaves_the_text_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    crema_d_tree(&raw);
    oreau_tree(&raw);
    let ids = file_ids(&raw, &dir.path().join("plain"));
    let mut script = crema_d_script(&ids);
    // The loop's start is the labelled sentence: even so it confirms nothing.
    script.insert(ids[AGREES].clone(), Ok("Don't forget a jacket. Don't forget a jacket. Don't".into()));
    let looping_oreau = ids[&oreau_source(OREAU_FILES[0])].clone();
    script.insert(looping_oreau.clone(), Ok("Nothing, nothing, nothing, nothing,".into()));
    script.insert(ids[&oreau_source(OREAU_FILES[1])].clone(), Ok("Un cheval fou.".into()));
    script.insert(ids[&oreau_source(OREAU_FILES[2])].clone(), Ok("Trois cygnes.".into()));
    let mut recognizer = Scripted::new("model-a", &["en", "fr"], script);
    recognizer.looping = BTreeSet::from([ids[AGREES].clone(), looping_oreau]);
    let out = dir.path().join("build");
    run_build_with(&with_transcribe(&raw, &out, 2), Some(&recognizer)).unwrap();
    let by_source = by_source_of(&out);
    use TranscriptionSource::*;
    assert_eq!(text_and_source(&by_source[AGREES]), (Some("Don't forget a jacket"), Some(Corpus)));
    assert_eq!(text_and_source(&by_source[&oreau_source(OREAU_FILES[0])]), (None, None));
    assert_eq!(text_and_source(&by_source[&oreau_source(OREAU_FILES[1])]), (Some("Un cheval fou."), Some(Asr)));
    let build_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("build.json")).unwrap()).unwrap();
    let section = &build_json["transcription"];
    let looped: Vec<(&str, &str)> = section["unclear"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["looped"] == true)
        .map(|u| (u["split"].as_str().unwrap(), u["heard"].as_str().unwrap()))
        .collect();
    assert_eq!(
        looped,
        [
            ("crema_d", "Don't forget a jacket. Don't forget a jacket. Don't"),
            ("oreau", "Nothing, nothing, nothing, nothing,")
        ]
    );
    assert_eq!(section["splits"]["crema_d"]["agreed"], 0);
    assert_eq!(section["splits"]["oreau"]["asr_texts"], 2);
    cameo::verify::verify(&out).unwrap();
}

#[test]
fn an_unsupported_language_stops_the_build_before_any_audio_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    crema_d_tree(&raw);
    oreau_tree(&raw);
    let english_only = Scripted::new("english-only", &["en"], BTreeMap::new());
    let out = dir.path().join("build");
    let error = run_build_with(&with_transcribe(&raw, &out, 1), Some(&english_only)).err().unwrap();
    assert!(matches!(error, BuildError::Transcribe(TranscribeError::Language { .. })));
    assert_eq!(error.to_string(), "--transcribe: corpus oreau is in French (fr): the model does not know 'fr'");
    assert!(!out.exists(), "the output folder was created");
    assert_eq!(english_only.calls(), 0);

    // An existing build is left as it was.
    build(&raw, &out, 1);
    let before = tree_bytes(&out);
    run_build_with(&with_transcribe(&raw, &out, 1), Some(&english_only)).err().unwrap();
    assert_eq!(tree_bytes(&out), before);

    // A corpus with its own text needs no language support: only CREMA-D's English is checked.
    let crema_only = BuildOptions { corpora: vec!["crema_d".into()], ..with_transcribe(&raw, &out, 1) };
    run_build_with(&crema_only, Some(&english_only)).unwrap();
}

#[test]
fn shards_recognise_their_share_and_the_merge_reuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    crema_d_tree(&raw);
    let ids = file_ids(&raw, &dir.path().join("plain"));
    let whole = dir.path().join("whole");
    let recognizer = Scripted::new("model-a", &["en"], crema_d_script(&ids));
    run_build_with(&with_transcribe(&raw, &whole, 1), Some(&recognizer)).unwrap();

    let mut parts = Vec::new();
    let mut calls = 0;
    for index in 1..=2 {
        let part = dir.path().join(format!("part{index}"));
        let options = BuildOptions { shard: Some(Shard { index, count: 2 }), ..with_transcribe(&raw, &part, 1) };
        let recognizer = Scripted::new("model-a", &["en"], crema_d_script(&ids));
        run_build_with(&options, Some(&recognizer)).unwrap();
        assert!(recognizer.calls() > 0, "shard {index} recognised nothing");
        calls += recognizer.calls();
        parts.push(part);
    }
    assert_eq!(calls, 4);
    // The merge's model sees only the sample whose recognition failed.
    let merged = dir.path().join("merged");
    let recognizer = Scripted::new("model-a", &["en"], crema_d_script(&ids));
    let options = with_transcribe(&raw, &merged, 2);
    let outcome = merge_with(&options, &parts, Some(&recognizer)).unwrap();
    assert_eq!(recognizer.calls(), 1);
    assert_eq!(outcome.run.recognised_from_cache, 3);
    assert_eq!(
        std::fs::read(whole.join("metadata.jsonl")).unwrap(),
        std::fs::read(merged.join("metadata.jsonl")).unwrap()
    );
    assert_eq!(build_json_without_run(&whole), build_json_without_run(&merged));
}
