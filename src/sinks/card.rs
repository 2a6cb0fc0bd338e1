//! The dataset card `README.md` of a build: YAML metadata the Hugging Face hub reads (configs,
//! features, splits, languages, licenses) and a body with counts, licenses, citations and
//! provenance.
use super::parquet::schema;
use crate::build::report::SplitState;
use crate::manifest::Manifest;
use arrow::datatypes::DataType;
use std::collections::BTreeSet;

/// Quotes a YAML scalar (double-quoted style, JSON escaping is valid YAML).
fn yaml_string(text: &str) -> String {
    serde_json::to_string(text).expect("string serialises")
}

pub fn render_card(states: &[SplitState], manifests: &[Manifest], data_bytes: &dyn Fn(&str) -> u64) -> String {
    let mut yaml = String::from("---\npretty_name: CAMEO (rebuilt from the original sources with cameo)\n");
    let languages: BTreeSet<&str> = manifests.iter().map(|m| m.language_code.as_str()).collect();
    yaml.push_str("language:\n");
    for code in &languages {
        yaml.push_str(&format!("- {code}\n"));
    }
    let licenses: BTreeSet<String> = manifests.iter().map(|m| m.license.spdx.to_ascii_lowercase()).collect();
    yaml.push_str("license:\n");
    for license in &licenses {
        yaml.push_str(&format!("- {}\n", yaml_string(license)));
    }
    yaml.push_str("task_categories:\n- audio-classification\ntags:\n- speech-emotion-recognition\n- emotion\n");
    yaml.push_str("configs:\n- config_name: default\n  data_files:\n");
    for state in states {
        yaml.push_str(&format!("  - split: {0}\n    path: data/{0}-*.parquet\n", state.report.split));
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
    for state in states {
        yaml.push_str(&format!(
            "  - name: {}\n    num_bytes: {}\n    num_examples: {}\n",
            state.report.split,
            data_bytes(&state.report.split),
            state.records.len()
        ));
    }
    yaml.push_str("---\n\n");

    let total: usize = states.iter().map(|s| s.records.len()).sum();
    let hours: f64 = states.iter().flat_map(|s| &s.records).map(|r| r.duration).sum::<f64>() / 3600.0;
    let mut body = format!(
        "# CAMEO, rebuilt\n\n{total} emotional speech samples ({hours:.2} h) from {} corpora, as 16 kHz mono 16-bit FLAC, \
         rebuilt from the original downloads by `cameo {}`.\n\n",
        states.len(),
        env!("CARGO_PKG_VERSION")
    );
    body.push_str(
        "| split | dataset | language | samples | hours | speakers | license |\n|---|---|---|---:|---:|---:|---|\n",
    );
    for state in states {
        let manifest = manifests.iter().find(|m| m.id == state.report.split);
        let speakers: BTreeSet<&str> = state.records.iter().filter_map(|r| r.speaker_id.as_deref()).collect();
        let hours: f64 = state.records.iter().map(|r| r.duration).sum::<f64>() / 3600.0;
        body.push_str(&format!(
            "| {} | {} | {} | {} | {:.2} | {} | {} |\n",
            state.report.split,
            state.report.dataset,
            manifest.map_or("", |m| m.language.as_str()),
            state.records.len(),
            hours,
            speakers.len(),
            manifest.map_or("", |m| m.license.name.as_str())
        ));
    }
    body.push_str("\n## Loading\n\n```python\nfrom datasets import load_dataset\nds = load_dataset(\"path/to/this/folder\")\n```\n\n");
    body.push_str("## Citations\n\n");
    for manifest in manifests {
        body.push_str(&format!("- **{}**: {}\n", manifest.name, manifest.license.citation));
    }
    body.push_str("\n## Provenance\n\nSource checksums, duplicates and rejected files are listed in `build.json`; license texts and attributions in `LICENSES/`.\n");
    yaml + &body
}
