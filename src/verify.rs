//! `cameo verify`: re-checks a build from its files alone — every record's schema, every FLAC
//! re-decoded and re-hashed against its file_id and STREAMINFO MD5, counts against build.json,
//! the parquet shards read back and compared byte for byte with the FLAC files, and the
//! dataset card's YAML header parsed and compared with the splits.
use crate::record::Record;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct VerifyError {
    pub path: PathBuf,
    pub message: String,
}

fn fail<T>(path: &Path, message: impl Into<String>) -> Result<T, VerifyError> {
    Err(VerifyError { path: path.to_path_buf(), message: message.into() })
}

#[derive(Debug, Default, serde::Serialize)]
pub struct VerifyReport {
    pub samples: usize,
    pub per_split: BTreeMap<String, usize>,
    pub parquet_rows: usize,
    pub audio_seconds: f64,
    /// Files whose SHA-256 matched SHA256SUMS.
    pub files_checked: usize,
}

/// Reads metadata.jsonl, checking each line's schema and the file order.
pub fn read_metadata(path: &Path) -> Result<Vec<Record>, VerifyError> {
    let text = std::fs::read_to_string(path).or_else(|e| fail(path, format!("cannot read: {e}")))?;
    let mut records: Vec<Record> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let at = |message: String| VerifyError {
            path: path.to_path_buf(),
            message: format!("line {}: {message}", index + 1),
        };
        let record: Record = serde_json::from_str(line).map_err(|e| at(e.to_string()))?;
        let hex = record.file_id.strip_suffix(".flac").unwrap_or("");
        if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)) {
            return Err(at(format!("file_id '{}' is not 64 lower-case hex digits + .flac", record.file_id)));
        }
        if record.audio != format!("audio/{}/{}", record.split(), record.file_id) || record.split().is_empty() {
            return Err(at(format!("audio path '{}' does not match audio/<split>/<file_id>", record.audio)));
        }
        for (name, value) in [
            ("dataset", &record.dataset),
            ("language", &record.language),
            ("license", &record.license),
            ("source", &record.source),
        ] {
            if value.trim().is_empty() {
                return Err(at(format!("{name} is empty")));
            }
        }
        for (name, value) in
            [("transcription", &record.transcription), ("speaker_id", &record.speaker_id), ("age", &record.age)]
        {
            if value.as_deref().is_some_and(|v| v.is_empty()) {
                return Err(at(format!("{name} is an empty string (null expected)")));
            }
        }
        if record.transcription.is_some() != record.transcription_source.is_some() {
            return Err(at("transcription_source must be null exactly when transcription is".into()));
        }
        if record.duration.is_nan() || record.duration <= 0.0 {
            return Err(at(format!("duration {} is not positive", record.duration)));
        }
        if let Some(previous) = records.last() {
            if (previous.split(), previous.file_id.as_str()) >= (record.split(), record.file_id.as_str()) {
                return Err(at("records are not sorted by split then file_id, or a file_id repeats".into()));
            }
        }
        records.push(record);
    }
    Ok(records)
}

/// Decodes a FLAC file and checks its parameters, hash, MD5 and duration against its record.
fn verify_flac(out: &Path, record: &Record) -> Result<(), VerifyError> {
    let path = out.join(&record.audio);
    let flac = crate::audio::flac_in::read_canonical_flac(&path).or_else(|e| fail(&path, e.to_string()))?;
    let pcm: Vec<u8> = flac.samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    let file_id = format!("{}.flac", hex::encode(Sha256::digest(&pcm)));
    if file_id != record.file_id {
        return fail(&path, format!("decoded audio hashes to {file_id}, not its file_id"));
    }
    if flac.md5 != <[u8; 16]>::from(md5::Md5::digest(&pcm)) {
        return fail(&path, "STREAMINFO MD5 does not match the decoded audio");
    }
    let duration = (pcm.len() / 2) as f64 / 16_000.0;
    if (duration - record.duration).abs() > 1e-9 {
        return fail(&path, format!("lasts {duration} s, metadata says {}", record.duration));
    }
    Ok(())
}

/// Reads a split's shards back and compares them with the records and FLAC files.
fn verify_parquet(out: &Path, split: &str, records: &[&Record]) -> Result<usize, VerifyError> {
    let data = out.join("data");
    let mut shards: Vec<PathBuf> = std::fs::read_dir(&data)
        .or_else(|e| fail(&data, format!("cannot read: {e}")))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| crate::sinks::parquet::is_shard_of(&p.file_name().unwrap_or_default().to_string_lossy(), split))
        .collect();
    shards.sort();
    if shards.is_empty() {
        return fail(&data, format!("no parquet shard for split {split}"));
    }
    let mut row = 0usize;
    for shard in &shards {
        let file = std::fs::File::open(shard).or_else(|e| fail(shard, e.to_string()))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)
            .or_else(|e| fail(shard, format!("not a readable parquet file: {e}")))?;
        let has_hf = builder
            .metadata()
            .file_metadata()
            .key_value_metadata()
            .is_some_and(|kv| kv.iter().any(|entry| entry.key == "huggingface"));
        if !has_hf {
            return fail(shard, "no `huggingface` schema metadata");
        }
        let reader = builder.build().or_else(|e| fail(shard, e.to_string()))?;
        for batch in reader {
            let batch = batch.or_else(|e| fail(shard, format!("reading failed: {e}")))?;
            let ids = batch
                .column_by_name("file_id")
                .and_then(|c| c.as_any().downcast_ref::<arrow::array::StringArray>().cloned());
            let audio = batch
                .column_by_name("audio")
                .and_then(|c| c.as_any().downcast_ref::<arrow::array::StructArray>().cloned());
            let (Some(ids), Some(audio)) = (ids, audio) else {
                return fail(shard, "file_id or audio column missing or of the wrong type");
            };
            let Some(bytes) = audio
                .column_by_name("bytes")
                .and_then(|c| c.as_any().downcast_ref::<arrow::array::BinaryArray>().cloned())
            else {
                return fail(shard, "audio.bytes missing");
            };
            for i in 0..batch.num_rows() {
                let Some(record) = records.get(row) else {
                    return fail(shard, "more rows than metadata.jsonl has for this split");
                };
                if ids.value(i) != record.file_id {
                    return fail(
                        shard,
                        format!("row {row}: file_id {} where metadata.jsonl has {}", ids.value(i), record.file_id),
                    );
                }
                let flac = std::fs::read(out.join(&record.audio))
                    .or_else(|e| fail(&out.join(&record.audio), e.to_string()))?;
                if bytes.value(i) != flac.as_slice() {
                    return fail(shard, format!("row {row}: embedded audio differs from {}", record.audio));
                }
                row += 1;
            }
        }
    }
    if row != records.len() {
        return fail(&data, format!("split {split}: {row} parquet rows, {} records", records.len()));
    }
    Ok(row)
}

/// Verifies the build in `out`; the error names the first bad file.
pub fn verify(out: &Path) -> Result<VerifyReport, VerifyError> {
    let records = read_metadata(&out.join("metadata.jsonl"))?;
    let build_json_path = out.join("build.json");
    let build_json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&build_json_path).or_else(|e| fail(&build_json_path, format!("cannot read: {e}")))?,
    )
    .or_else(|e| fail(&build_json_path, format!("not JSON: {e}")))?;
    let mut by_split: BTreeMap<String, Vec<&Record>> = BTreeMap::new();
    for record in &records {
        by_split.entry(record.split().to_string()).or_default().push(record);
    }
    for (split, split_records) in &by_split {
        let built = build_json["splits"][split]["built"].as_u64();
        if built != Some(split_records.len() as u64) {
            return fail(
                &build_json_path,
                format!("split {split}: build.json says {built:?} samples, metadata.jsonl has {}", split_records.len()),
            );
        }
        let folder = out.join("audio").join(split);
        let on_disk: BTreeSet<String> = std::fs::read_dir(&folder)
            .or_else(|e| fail(&folder, e.to_string()))?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        let listed: BTreeSet<String> = split_records.iter().map(|r| r.file_id.clone()).collect();
        if let Some(extra) = on_disk.difference(&listed).next() {
            return fail(
                &folder.join(extra),
                "file is not listed in metadata.jsonl (left by an unfinished build? run cameo build again)",
            );
        }
    }
    let counts: BTreeMap<String, usize> = by_split.iter().map(|(split, list)| (split.clone(), list.len())).collect();
    let card_path = out.join("README.md");
    let card = std::fs::read_to_string(&card_path).or_else(|e| fail(&card_path, format!("cannot read: {e}")))?;
    crate::sinks::card::check::check_card(&card, &counts).or_else(|message| fail(&card_path, message))?;
    // Every byte first (cheap, and it catches what no decoder reads), then the contents.
    let files_checked = crate::checksums::check(out).or_else(|(path, message)| fail(&path, message))?;
    // Decode in parallel; report the first failure in record order.
    let failures: Vec<VerifyError> = records.par_iter().filter_map(|r| verify_flac(out, r).err()).collect();
    if let Some(first) = failures.into_iter().next() {
        return Err(first);
    }
    let mut report = VerifyReport { samples: records.len(), files_checked, ..Default::default() };
    for (split, split_records) in &by_split {
        report.parquet_rows += verify_parquet(out, split, split_records)?;
        report.per_split.insert(split.clone(), split_records.len());
    }
    report.audio_seconds = records.iter().map(|r| r.duration).sum();
    Ok(report)
}
