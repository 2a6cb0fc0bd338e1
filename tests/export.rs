//! `cameo export --format lhotse`: recordings and supervisions manifests per split pointing at
//! the built FLAC files, checked field by field, gzip and plain alike, loaded by Lhotse itself
//! into a CutSet; a missing FLAC file is a one-line error naming it.
mod hub_common;

use cameo::fixtures::{cafe, ravdess};
use cameo::record::Record;
use hub_common::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

fn two_corpora_build(dir: &Path) -> PathBuf {
    let raw = dir.join("raw");
    ravdess::write_population(&raw.join("ravdess"), &ravdess::population(1..=1), 0.1).unwrap();
    cafe::write_population(&raw.join("cafe"), &cafe::population(2..=2), 0.1).unwrap();
    let out = dir.join("build");
    build(&raw, &out);
    out
}

fn jsonl(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8(bytes.to_vec()).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn expected_recording(record: &Record, build: &Path) -> Value {
    let id = record.file_id.strip_suffix(".flac").unwrap();
    let source = build.canonicalize().unwrap().join(&record.audio);
    json!({
        "id": id,
        "sources": [{"type": "file", "channels": [0], "source": source.to_str().unwrap()}],
        "sampling_rate": 16000,
        "num_samples": (record.duration * 16000.0).round() as u64,
        "duration": record.duration,
        "channel_ids": [0],
    })
}

fn expected_supervision(record: &Record) -> Value {
    let id = record.file_id.strip_suffix(".flac").unwrap();
    let mut value = json!({"id": id, "recording_id": id, "start": 0.0, "duration": record.duration, "channel": 0});
    let object = value.as_object_mut().unwrap();
    if let Some(text) = &record.transcription {
        object.insert("text".into(), json!(text));
    }
    object.insert("language".into(), json!(record.language));
    if let Some(speaker) = &record.speaker_id {
        object.insert("speaker".into(), json!(speaker));
    }
    if let Some(gender) = record.gender {
        object.insert("gender".into(), json!(gender.as_str()));
    }
    let mut custom = json!({"emotion": record.emotion.as_str(), "dataset": record.dataset, "split": record.split()});
    if let Some(age) = &record.age {
        custom["age"] = json!(age);
    }
    custom["license"] = json!(record.license);
    custom["source"] = json!(record.source);
    custom["file_id"] = json!(record.file_id);
    if let Some(origin) = record.transcription_source {
        custom["transcription_source"] = json!(origin.as_str());
    }
    object.insert("custom".into(), custom);
    value
}

#[test]
fn lhotse_manifests_describe_every_sample_and_lhotse_loads_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = two_corpora_build(dir.path());
    let records = records(&out);
    let plain = dir.path().join("lhotse");
    let (code, stdout, stderr) = cameo(&["export", "--format", "lhotse", path_str(&out), path_str(&plain)]);
    assert_eq!(code, 0, "{stderr}");
    let names = ["recordings_cafe", "supervisions_cafe", "recordings_ravdess", "supervisions_ravdess"];
    let listed: Vec<String> =
        names.iter().map(|n| plain.join(format!("cameo_{n}.jsonl")).display().to_string()).collect();
    assert_eq!(stdout.lines().collect::<Vec<_>>(), listed);

    let mut by_split: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
    for record in &records {
        by_split.entry(record.split()).or_default().push(record);
    }
    for (split, members) in &by_split {
        let recordings = jsonl(&std::fs::read(plain.join(format!("cameo_recordings_{split}.jsonl"))).unwrap());
        let supervisions = jsonl(&std::fs::read(plain.join(format!("cameo_supervisions_{split}.jsonl"))).unwrap());
        let expected: Vec<Value> = members.iter().map(|r| expected_recording(r, &out)).collect();
        assert_eq!(recordings, expected, "{split} recordings");
        let expected: Vec<Value> = members.iter().map(|r| expected_supervision(r)).collect();
        assert_eq!(supervisions, expected, "{split} supervisions");
    }

    // Gzipped: the same lines, and the same bytes on a second run.
    let gzipped = dir.path().join("lhotse-gz");
    for _ in 0..2 {
        let (code, _, stderr) = cameo(&["export", "--format", "lhotse", "--gzip", path_str(&out), path_str(&gzipped)]);
        assert_eq!(code, 0, "{stderr}");
    }
    let first = std::fs::read(gzipped.join("cameo_supervisions_cafe.jsonl.gz")).unwrap();
    for name in names {
        let mut text = Vec::new();
        let file = std::fs::File::open(gzipped.join(format!("cameo_{name}.jsonl.gz"))).unwrap();
        flate2::read::GzDecoder::new(file).read_to_end(&mut text).unwrap();
        assert_eq!(text, std::fs::read(plain.join(format!("cameo_{name}.jsonl"))).unwrap(), "{name}");
    }
    let (code, _, _) = cameo(&["export", "--format", "lhotse", "--gzip", path_str(&out), path_str(&gzipped)]);
    assert_eq!(code, 0);
    assert_eq!(std::fs::read(gzipped.join("cameo_supervisions_cafe.jsonl.gz")).unwrap(), first);

    // Lhotse reads both forms into CutSets; audio loaded by Lhotse hashes to the file_id.
    for folder in [&plain, &gzipped] {
        let seen = python_check("check_lhotse.py", &[&out, folder], &dir.path().join("hf-home"));
        for (split, members) in &by_split {
            let mut emotions: BTreeMap<&str, usize> = BTreeMap::new();
            for record in members {
                *emotions.entry(record.emotion.as_str()).or_default() += 1;
            }
            assert_eq!(
                seen["splits"][split],
                json!({"cuts": members.len(), "emotions": emotions, "audio_loaded": 3}),
                "{split}"
            );
        }
        assert_eq!(seen["splits"].as_object().unwrap().len(), by_split.len());
    }
}

#[test]
fn a_missing_flac_or_metadata_is_a_one_line_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = ravdess_build(dir.path(), 0.05);
    let victim = records(&out)[5].audio.clone();
    std::fs::remove_file(out.join(&victim)).unwrap();
    let target = dir.path().join("lhotse");
    let (code, _, stderr) = cameo(&["export", "--format", "lhotse", path_str(&out), path_str(&target)]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr.trim(),
        format!("error: {}: FLAC file listed in metadata.jsonl is missing", out.join(&victim).display())
    );
    std::fs::remove_file(out.join("metadata.jsonl")).unwrap();
    let (code, _, stderr) = cameo(&["export", "--format", "lhotse", path_str(&out), path_str(&target)]);
    assert_eq!(code, 1);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with(&format!("error: {}: cannot read", out.join("metadata.jsonl").display())), "{stderr}");
    let (code, _, stderr) = cameo(&["export", "--format", "kaldi", path_str(&out), path_str(&target)]);
    assert_eq!(code, 2, "{stderr}");
}
