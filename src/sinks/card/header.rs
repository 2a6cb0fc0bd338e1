//! The card's YAML header: the metadata the hub indexes (pretty name, ISO 639-1 languages,
//! hub license ids, task, size category) and the `configs` / `dataset_info` sections that
//! `datasets` loads the folder with.
use super::{yaml_string, CardInput};
use crate::sinks::parquet::schema;
use arrow::datatypes::DataType;
use std::collections::BTreeSet;

pub const PRETTY_NAME: &str = "CAMEO (rebuilt from the original sources with cameo)";

/// The hub's size buckets.
fn size_category(samples: usize) -> &'static str {
    match samples {
        0..1_000 => "n<1K",
        1_000..10_000 => "1K<n<10K",
        10_000..100_000 => "10K<n<100K",
        100_000..1_000_000 => "100K<n<1M",
        _ => "1M<n<10M",
    }
}

fn list(key: &str, items: impl IntoIterator<Item = String>) -> String {
    let mut out = format!("{key}:\n");
    for item in items {
        out.push_str(&format!("- {item}\n"));
    }
    out
}

pub fn yaml_header(input: &CardInput) -> Result<String, String> {
    let splits: Vec<&str> = input.states.iter().map(|s| s.report.split.as_str()).collect();
    let manifests: Vec<_> = splits.iter().filter_map(|split| input.manifest(split)).collect();
    for manifest in &manifests {
        let code = &manifest.language_code;
        if code.len() != 2 || !code.chars().all(|c| c.is_ascii_lowercase()) {
            return Err(format!(
                "{}: key `language_code`: '{code}' is not an ISO 639-1 code (two lower-case letters)",
                manifest.origin
            ));
        }
    }
    let samples: usize = input.states.iter().map(|s| s.records.len()).sum();
    let languages: BTreeSet<&str> = manifests.iter().map(|m| m.language_code.as_str()).collect();
    let licenses: BTreeSet<&str> = manifests.iter().map(|m| crate::license_terms::hub_id(&m.license.spdx)).collect();

    let mut yaml = format!("---\npretty_name: {}\n", yaml_string(PRETTY_NAME));
    yaml.push_str(&list("language", languages.iter().map(|c| c.to_string())));
    yaml.push_str(&list("license", licenses.iter().map(|l| l.to_string())));
    if licenses.contains("other") {
        // The hub asks for a name and a text for `other`; ours are per corpus.
        yaml.push_str("license_name: cameo-corpus-licenses\nlicense_link: LICENSES/ATTRIBUTION.md\n");
    }
    let multilinguality = if languages.len() > 1 { "multilingual" } else { "monolingual" };
    yaml.push_str(&list("multilinguality", [multilinguality.to_string()]));
    yaml.push_str(&list("size_categories", [size_category(samples).to_string()]));
    yaml.push_str(&list("task_categories", ["audio-classification".to_string()]));
    yaml.push_str(&list("task_ids", ["audio-emotion-recognition".to_string()]));
    yaml.push_str(&list("tags", ["speech-emotion-recognition".to_string(), "emotion".into(), "speech".into()]));

    yaml.push_str("configs:\n- config_name: default\n  data_files:\n");
    for split in &splits {
        // Split ids are [a-z0-9_], so `<split>-*` never matches another split's shards.
        yaml.push_str(&format!("  - split: {split}\n    path: {}\n", crate::sinks::parquet::shard_glob(split)));
    }
    yaml.push_str("dataset_info:\n  features:\n");
    for field in schema().fields() {
        match field.data_type() {
            DataType::Struct(_) => yaml.push_str(&format!(
                "  - name: {}\n    dtype:\n      audio:\n        sampling_rate: {}\n",
                field.name(),
                crate::audio::CANONICAL_RATE
            )),
            DataType::Float32 => yaml.push_str(&format!("  - name: {}\n    dtype: float32\n", field.name())),
            _ => yaml.push_str(&format!("  - name: {}\n    dtype: string\n", field.name())),
        }
    }
    yaml.push_str("  splits:\n");
    let (mut download, mut dataset) = (0u64, 0u64);
    for state in input.states {
        let sizes = (input.sizes)(&state.report.split);
        download += sizes.parquet_bytes;
        dataset += sizes.arrow_bytes;
        yaml.push_str(&format!(
            "  - name: {}\n    num_bytes: {}\n    num_examples: {}\n",
            state.report.split,
            sizes.arrow_bytes,
            state.records.len()
        ));
    }
    yaml.push_str(&format!("  download_size: {download}\n  dataset_size: {dataset}\n---\n"));
    Ok(yaml)
}
