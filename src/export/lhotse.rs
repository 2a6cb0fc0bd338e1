//! Lhotse manifests of a build: per split a recordings manifest and a supervisions manifest
//! (JSONL, one object per line, optionally gzipped), named as Lhotse recipes name theirs
//! (`cameo_recordings_<split>.jsonl`, `cameo_supervisions_<split>.jsonl`). Each recording is
//! one built FLAC file (absolute path, 16 kHz mono); each carries one supervision over its
//! whole length with the transcription, speaker, gender and language in Lhotse's own fields
//! and the emotion and the other CAMEO columns under `custom` (null ones left out, as Lhotse
//! does).
use super::ExportError;
use crate::record::Record;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The Lhotse id of a sample: its file_id without `.flac` (unique in the collection).
pub fn sample_id(record: &Record) -> &str {
    record.file_id.strip_suffix(".flac").unwrap_or(&record.file_id)
}

fn recording(record: &Record, audio: &str) -> Value {
    let rate = crate::audio::CANONICAL_RATE;
    json!({
        "id": sample_id(record),
        "sources": [{"type": "file", "channels": [0], "source": audio}],
        "sampling_rate": rate,
        "num_samples": (record.duration * rate as f64).round() as u64,
        "duration": record.duration,
        "channel_ids": [0],
    })
}

fn supervision(record: &Record) -> Value {
    let mut value = Map::new();
    value.insert("id".into(), json!(sample_id(record)));
    value.insert("recording_id".into(), json!(sample_id(record)));
    value.insert("start".into(), json!(0.0));
    value.insert("duration".into(), json!(record.duration));
    value.insert("channel".into(), json!(0));
    // Lhotse leaves unknown fields out rather than writing null.
    let optional = [
        ("text", record.transcription.as_deref()),
        ("language", Some(record.language.as_str())),
        ("speaker", record.speaker_id.as_deref()),
        ("gender", record.gender.map(|g| g.as_str())),
    ];
    for (key, field) in optional {
        if let Some(text) = field {
            value.insert(key.into(), json!(text));
        }
    }
    let mut custom = Map::new();
    custom.insert("emotion".into(), json!(record.emotion.as_str()));
    custom.insert("dataset".into(), json!(record.dataset));
    custom.insert("split".into(), json!(record.split()));
    if let Some(age) = &record.age {
        custom.insert("age".into(), json!(age));
    }
    custom.insert("license".into(), json!(record.license));
    custom.insert("source".into(), json!(record.source));
    custom.insert("file_id".into(), json!(record.file_id));
    if let Some(origin) = record.transcription_source {
        custom.insert("transcription_source".into(), json!(origin.as_str()));
    }
    value.insert("custom".into(), Value::Object(custom));
    Value::Object(value)
}

fn write_jsonl(path: &Path, lines: &[Value], gzip: bool) -> Result<(), ExportError> {
    let mut text = Vec::new();
    for line in lines {
        serde_json::to_writer(&mut text, line).map_err(|e| ExportError::file(path, e.to_string()))?;
        text.push(b'\n');
    }
    crate::fsutil::write_atomic_with(path, |file| {
        if gzip {
            // No file name or time in the header, so the bytes depend on the content only.
            let mut encoder = flate2::GzBuilder::new().write(file, flate2::Compression::default());
            encoder.write_all(&text)?;
            encoder.finish()?;
            Ok(())
        } else {
            file.write_all(&text)
        }
    })
    .map_err(|e| ExportError::file(path, e.to_string()))
}

/// Writes both manifests of every split into `out`; every FLAC file must exist.
pub fn write_manifests(build: &Path, records: &[Record], out: &Path, gzip: bool) -> Result<Vec<PathBuf>, ExportError> {
    let root = std::fs::canonicalize(build).map_err(|e| ExportError::file(build, format!("cannot resolve: {e}")))?;
    let mut by_split: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
    for record in records {
        by_split.entry(record.split()).or_default().push(record);
    }
    let extension = if gzip { "jsonl.gz" } else { "jsonl" };
    let mut written = Vec::new();
    for (split, members) in by_split {
        let mut recordings = Vec::with_capacity(members.len());
        for record in &members {
            let audio = root.join(&record.audio);
            if !audio.is_file() {
                return Err(ExportError::file(
                    &build.join(&record.audio),
                    "FLAC file listed in metadata.jsonl is missing",
                ));
            }
            let audio = audio.to_str().ok_or_else(|| ExportError::file(&audio, "path is not UTF-8"))?;
            recordings.push(recording(record, audio));
        }
        let supervisions: Vec<Value> = members.iter().map(|r| supervision(r)).collect();
        for (kind, lines) in [("recordings", &recordings), ("supervisions", &supervisions)] {
            let path = out.join(format!("cameo_{kind}_{split}.{extension}"));
            write_jsonl(&path, lines, gzip)?;
            written.push(path);
        }
    }
    Ok(written)
}
