//! A build is ready for the Hugging Face hub: the card's YAML header and body say exactly what
//! the build holds, the parquet shards follow cameo-format.md (shard rollover, row groups,
//! uncompressed audio, `huggingface` metadata), the real `datasets` and `huggingface_hub`
//! libraries read it offline, and `cameo verify` names a card that does not parse.
mod hub_common;

use arrow::array::{Array, StringArray};
use cameo::record::Record;
use hub_common::*;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The hub's license ids (huggingface.co/docs/hub/repositories-licenses) of the SPDX ids in use.
fn hub_license(spdx: &str) -> &'static str {
    match spdx {
        "CC-BY-4.0" => "cc-by-4.0",
        "CC-BY-NC-SA-4.0" => "cc-by-nc-sa-4.0",
        "ODbL-1.0" => "odbl",
        "ODC-By-1.0" => "odc-by",
        "MIT" => "mit",
        id if id.starts_with("LicenseRef-") => "other",
        other => panic!("add the hub id of {other} to this test"),
    }
}

fn per_split(records: &[Record]) -> BTreeMap<String, Vec<&Record>> {
    let mut splits: BTreeMap<String, Vec<&Record>> = BTreeMap::new();
    for record in records {
        splits.entry(record.split().to_string()).or_default().push(record);
    }
    splits
}

fn yaml_header(card: &str) -> serde_yaml::Value {
    let rest = card.strip_prefix("---\n").expect("card starts with ---");
    let end = rest.find("\n---\n").expect("header ends with ---");
    serde_yaml::from_str(&rest[..end]).expect("header is YAML")
}

fn percent(part: usize, whole: usize) -> String {
    format!("{:.1}%", 100.0 * part as f64 / whole as f64)
}

#[test]
fn the_demo_build_card_and_shards_are_read_by_datasets_and_huggingface_hub() {
    let dir = tempfile::tempdir().unwrap();
    let out = demo_build(dir.path());
    let records = records(&out);
    let splits = per_split(&records);
    let manifests: Vec<_> = splits.keys().map(|s| cameo::corpora::find(s).unwrap().manifest.clone()).collect();
    let card = std::fs::read_to_string(out.join("README.md")).unwrap();
    let header = yaml_header(&card);

    // The YAML header, key by key.
    assert_eq!(header["pretty_name"], "CAMEO (rebuilt from the original sources with cameo)");
    let languages: BTreeSet<&str> = manifests.iter().map(|m| m.language_code.as_str()).collect();
    assert_eq!(header["language"], serde_yaml::to_value(&languages).unwrap());
    let licenses: BTreeSet<&str> = manifests.iter().map(|m| hub_license(&m.license.spdx)).collect();
    assert_eq!(header["license"], serde_yaml::to_value(&licenses).unwrap());
    if licenses.contains("other") {
        // The hub asks a name and a text of `other` (the research terms of a LicenseRef).
        assert_eq!(header["license_name"], "cameo-corpus-licenses");
        assert_eq!(header["license_link"], "LICENSES/ATTRIBUTION.md");
    }
    assert_eq!(header["task_categories"], serde_yaml::to_value(["audio-classification"]).unwrap());
    assert_eq!(header["task_ids"], serde_yaml::to_value(["audio-emotion-recognition"]).unwrap());
    let size = match records.len() {
        0..1_000 => "n<1K",
        1_000..10_000 => "1K<n<10K",
        _ => "10K<n<100K",
    };
    assert_eq!(header["size_categories"], serde_yaml::to_value([size]).unwrap());
    assert_eq!(header["multilinguality"], serde_yaml::to_value(["multilingual"]).unwrap());
    let data_files: Vec<_> =
        splits.keys().map(|s| json!({"split": s, "path": format!("data/{s}-*.parquet")})).collect();
    let configs = json!([{"config_name": "default", "data_files": data_files}]);
    assert_eq!(serde_json::to_value(&header["configs"]).unwrap(), configs);
    let features: Vec<(String, String)> = header["dataset_info"]["features"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap().to_string(), serde_json::to_string(&f["dtype"]).unwrap()))
        .collect();
    let string = "\"string\"".to_string();
    let expected_features: Vec<(String, String)> = [
        ("file_id", string.clone()),
        ("audio", r#"{"audio":{"sampling_rate":16000}}"#.to_string()),
        ("emotion", string.clone()),
        ("transcription", string.clone()),
        ("speaker_id", string.clone()),
        ("gender", string.clone()),
        ("age", string.clone()),
        ("dataset", string.clone()),
        ("language", string.clone()),
        ("license", string.clone()),
        ("duration", "\"float32\"".to_string()),
        ("source", string.clone()),
        ("transcription_source", string.clone()),
    ]
    .into_iter()
    .map(|(n, d)| (n.to_string(), d))
    .collect();
    assert_eq!(features, expected_features);
    let info_splits = header["dataset_info"]["splits"].as_sequence().unwrap();
    let listed: Vec<(&str, u64)> =
        info_splits.iter().map(|s| (s["name"].as_str().unwrap(), s["num_examples"].as_u64().unwrap())).collect();
    let built: Vec<(&str, u64)> = splits.iter().map(|(s, r)| (s.as_str(), r.len() as u64)).collect();
    assert_eq!(listed, built);
    let shard_bytes: u64 =
        std::fs::read_dir(out.join("data")).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum();
    assert_eq!(header["dataset_info"]["download_size"].as_u64(), Some(shard_bytes));
    let num_bytes: BTreeMap<String, u64> = info_splits
        .iter()
        .map(|s| (s["name"].as_str().unwrap().to_string(), s["num_bytes"].as_u64().unwrap()))
        .collect();
    assert_eq!(header["dataset_info"]["dataset_size"].as_u64(), Some(num_bytes.values().sum()));

    // The body: one row per corpus, per emotion, per provenance line, computed here.
    let total = records.len();
    for (index, ((split, members), manifest)) in splits.iter().zip(&manifests).enumerate() {
        let speakers: BTreeSet<&str> = members.iter().filter_map(|r| r.speaker_id.as_deref()).collect();
        let hours = members.iter().map(|r| r.duration).sum::<f64>() / 3600.0;
        let row = format!(
            "| {split} | {} | {} | {} | {} | {hours:.2} | {} | {} | [{}](#citations) |",
            manifest.name,
            manifest.language,
            members.len(),
            percent(members.len(), total),
            speakers.len(),
            manifest.license.name,
            index + 1
        );
        assert!(card.lines().any(|line| line == row), "missing corpus row {row}");
        let citation = format!("{}. **{}**: {}", index + 1, manifest.name, manifest.license.citation);
        assert!(card.lines().any(|line| line == citation), "missing citation {citation}");
    }
    let mut emotions: BTreeMap<&str, (usize, BTreeSet<&str>)> = BTreeMap::new();
    for record in &records {
        let entry = emotions.entry(record.emotion.as_str()).or_default();
        entry.0 += 1;
        entry.1.insert(record.split());
    }
    for (emotion, (count, in_splits)) in &emotions {
        let names: Vec<&str> = in_splits.iter().copied().collect();
        let row = format!("| {emotion} | {count} | {} | {} |", percent(*count, total), names.join(", "));
        assert!(card.lines().any(|line| line == row), "missing emotion row {row}");
    }
    let build_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("build.json")).unwrap()).unwrap();
    for (split, report) in build_json["splits"].as_object().unwrap() {
        let sources = report["sources"].as_array().unwrap();
        let mut lines: Vec<(String, String)> = sources
            .iter()
            .map(|s| (s["path"].as_str().unwrap().to_string(), s["sha256"].as_str().unwrap().to_string()))
            .collect();
        lines.sort();
        let list: String = lines.iter().map(|(path, sha)| format!("{sha}  {path}\n")).collect();
        let bytes: u64 = sources.iter().map(|s| s["bytes"].as_u64().unwrap()).sum();
        let row = format!(
            "| {split} | {} | {bytes} | `{}` | {} | {} | {} |",
            sources.len(),
            hex::encode(Sha256::digest(list.as_bytes())),
            report["duplicates"].as_array().unwrap().len(),
            report["rejects"].as_array().unwrap().len(),
            report["skipped"].as_array().unwrap().len()
        );
        assert!(card.lines().any(|line| line == row), "missing provenance row {row}");
    }
    let built_by =
        format!("Built by `cameo {}` (pipeline `{}`)", env!("CARGO_PKG_VERSION"), cameo::collection::PIPELINE_VERSION);
    assert!(card.contains(&built_by), "{built_by}");

    // The real libraries, offline.
    let seen = python_check("check_hub.py", &[&out], &dir.path().join("hf-home"));
    let counts: BTreeMap<&str, usize> = splits.iter().map(|(s, r)| (s.as_str(), r.len())).collect();
    assert_eq!(seen["parquet_rows"], json!(counts));
    let decoded: usize = counts.values().map(|&n| BTreeSet::from([0, n / 2, n - 1]).len()).sum();
    assert_eq!(seen["decoded"], json!(decoded));
    for (split, n) in &counts {
        // datasets recounts the examples and the Arrow bytes itself; the card said the same.
        assert_eq!(seen["folder_splits"][split], json!({"num_examples": n, "num_bytes": num_bytes[*split]}), "{split}");
        assert_eq!(seen["card"]["splits"][split], json!({"num_examples": n, "num_bytes": num_bytes[*split]}));
    }
    assert_eq!(seen["card"]["language"], json!(languages));
    assert_eq!(seen["card"]["license"], json!(licenses));
    assert_eq!(seen["card"]["data_files"], json!(data_files));
    assert_eq!(seen["card"]["task_ids"], json!(["audio-emotion-recognition"]));
    assert_eq!(seen["card"]["download_size"], json!(shard_bytes));
}

/// The audio bytes of each record, by file_id.
fn audio_sizes(out: &Path, records: &[Record]) -> BTreeMap<String, u64> {
    records.iter().map(|r| (r.file_id.clone(), std::fs::metadata(out.join(&r.audio)).unwrap().len())).collect()
}

/// (file_ids per row group) per shard, as written.
fn shard_layout(path: &Path) -> Vec<Vec<String>> {
    let file = std::fs::File::open(path).unwrap();
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let groups = builder.metadata().num_row_groups();
    let mut layout = Vec::new();
    for group in 0..groups {
        let file = std::fs::File::open(path).unwrap();
        let reader =
            ParquetRecordBatchReaderBuilder::try_new(file).unwrap().with_row_groups(vec![group]).build().unwrap();
        let mut ids = Vec::new();
        for batch in reader {
            let batch = batch.unwrap();
            let column =
                batch.column_by_name("file_id").unwrap().as_any().downcast_ref::<StringArray>().unwrap().clone();
            ids.extend((0..column.len()).map(|i| column.value(i).to_string()));
        }
        layout.push(ids);
    }
    layout
}

#[test]
fn parquet_shards_roll_over_and_row_groups_stay_under_their_limits() {
    let dir = tempfile::tempdir().unwrap();
    let out = ravdess_build(dir.path(), 0.1);
    let records = records(&out);
    let sizes = audio_sizes(&out, &records);

    // The build's own shard: one file, one row group, the settings of cameo-format.md.
    let shard = out.join("data/ravdess-00000-of-00001.parquet");
    let file = std::fs::File::open(&shard).unwrap();
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let huggingface = cameo::sinks::parquet::huggingface_metadata();
    let expected_features: serde_json::Value = serde_json::from_str(&huggingface).unwrap();
    assert_eq!(expected_features["info"]["features"]["audio"], json!({"_type": "Audio", "sampling_rate": 16000}));
    assert_eq!(expected_features["info"]["features"]["duration"], json!({"_type": "Value", "dtype": "float32"}));
    assert_eq!(expected_features["info"]["features"]["emotion"], json!({"_type": "Value", "dtype": "string"}));
    assert_eq!(builder.schema().metadata().get("huggingface"), Some(&huggingface), "Arrow schema metadata");
    let key_value = builder.metadata().file_metadata().key_value_metadata().unwrap();
    assert!(key_value.iter().any(|kv| kv.key == "huggingface" && kv.value.as_deref() == Some(huggingface.as_str())));
    assert_eq!(builder.metadata().num_row_groups(), 1);
    for column in builder.metadata().row_group(0).columns() {
        let path = column.column_path().string();
        let expected = if path.starts_with("audio.") { Compression::UNCOMPRESSED } else { Compression::SNAPPY };
        assert_eq!(column.compression(), expected, "{path}");
        if path == "audio.bytes" {
            assert!(column.statistics().is_none(), "no statistics over FLAC bytes");
        }
    }

    // Small limits: a new shard past `shard_bytes`, a new row group past `row_group_bytes`.
    let mean = sizes.values().sum::<u64>() / sizes.len() as u64;
    let limits = cameo::sinks::parquet::ShardLimits { shard_bytes: 9 * mean, row_group_bytes: 3 * mean };
    let refs: Vec<&Record> = records.iter().collect();
    let written = cameo::sinks::parquet::write_split_with(&out, "ravdess", &refs, limits).unwrap();
    // The plan, computed here: greedy by bytes, in record order.
    let mut expected: Vec<Vec<Vec<String>>> = vec![vec![vec![]]];
    let (mut shard_total, mut group_total) = (0u64, 0u64);
    for record in &records {
        let size = sizes[&record.file_id];
        if shard_total > 0 && shard_total + size > limits.shard_bytes {
            expected.push(vec![vec![]]);
            (shard_total, group_total) = (0, 0);
        } else if group_total > 0 && group_total + size > limits.row_group_bytes {
            expected.last_mut().unwrap().push(vec![]);
            group_total = 0;
        }
        shard_total += size;
        group_total += size;
        expected.last_mut().unwrap().last_mut().unwrap().push(record.file_id.clone());
    }
    assert!(expected.len() > 3, "the test needs several shards");
    let count = expected.len();
    let names: Vec<String> = written.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    let expected_names: Vec<String> = (0..count).map(|i| format!("ravdess-{i:05}-of-{count:05}.parquet")).collect();
    assert_eq!(names, expected_names);
    let on_disk: BTreeSet<String> = std::fs::read_dir(out.join("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(on_disk, expected_names.iter().cloned().collect(), "the old single shard is gone");
    let layout: Vec<Vec<Vec<String>>> = written.iter().map(|p| shard_layout(p)).collect();
    assert_eq!(layout, expected);
}

#[test]
fn verify_names_a_card_that_does_not_parse_or_disagrees() {
    let dir = tempfile::tempdir().unwrap();
    let out = ravdess_build(dir.path(), 0.05);
    let target = path_str(&out).to_string();
    let (code, stdout, stderr) = cameo(&["verify", &target]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("ok: 60 samples"), "{stdout}");
    let card_path = out.join("README.md");
    let card = std::fs::read_to_string(&card_path).unwrap();

    let broken = card.replacen("configs:\n", "configs: [\n", 1);
    std::fs::write(&card_path, broken).unwrap();
    let (code, _, stderr) = cameo(&["verify", &target]);
    assert_eq!(code, 1);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with(&format!("error: {}: the YAML header does not parse", card_path.display())), "{stderr}");

    std::fs::write(&card_path, card.replacen("num_examples: 60", "num_examples: 61", 1)).unwrap();
    let (code, _, stderr) = cameo(&["verify", &target]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr.trim(),
        format!(
            "error: {}: dataset_info splits [(\"ravdess\", 61)], the build has [(\"ravdess\", 60)]",
            card_path.display()
        )
    );

    std::fs::remove_file(&card_path).unwrap();
    let (code, _, stderr) = cameo(&["verify", &target]);
    assert_eq!(code, 1);
    assert!(stderr.starts_with(&format!("error: {}: cannot read", card_path.display())), "{stderr}");
}
