//! The card's Markdown body: per-corpus table, emotion distribution, licenses and the uses
//! they allow, how to load the folder, citations, and the build provenance (tool version,
//! source checksums).
use super::CardInput;
use crate::collection::split::SplitState;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

fn hours(seconds: f64) -> String {
    format!("{:.2}", seconds / 3600.0)
}

fn share(part: usize, whole: usize) -> String {
    if whole == 0 {
        "0.0%".into()
    } else {
        format!("{:.1}%", 100.0 * part as f64 / whole as f64)
    }
}

/// SHA-256 of the split's source list in `sha256sum` format (`<sha256>  <path>` lines sorted
/// by path): one checksum standing for every source file, each of which build.json lists.
pub fn sources_digest(state: &SplitState) -> String {
    let mut sources: Vec<_> = state.report.sources.iter().collect();
    sources.sort_by(|a, b| a.path.cmp(&b.path));
    let list: String = sources.iter().map(|s| format!("{}  {}\n", s.sha256, s.path)).collect();
    hex::encode(Sha256::digest(list.as_bytes()))
}

fn corpora_table(input: &CardInput, total: usize) -> String {
    let mut out = String::from(
        "| split | dataset | language | samples | share | hours | speakers | license | citation |\n\
         |---|---|---|---:|---:|---:|---:|---|---|\n",
    );
    for (index, state) in input.states.iter().enumerate() {
        let manifest = input.manifest(&state.report.split);
        let speakers: BTreeSet<&str> = state.records.iter().filter_map(|r| r.speaker_id.as_deref()).collect();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | [{}](#citations) |\n",
            state.report.split,
            state.report.dataset,
            manifest.map_or("", |m| m.language.as_str()),
            state.records.len(),
            share(state.records.len(), total),
            hours(state.records.iter().map(|r| r.duration).sum()),
            speakers.len(),
            manifest.map_or("", |m| m.license.name.as_str()),
            index + 1
        ));
    }
    out
}

/// Per split, the share of samples with a speaker id and with a gender, and how the two are
/// filled where the corpus does not simply give them (the manifest's `speaker_note`, and the
/// third-party annotation when `--third-party-genders` used one).
fn speakers_section(input: &CardInput) -> String {
    let mut out = String::from(
        "`null` where the corpus does not give a value (never a made-up one).\n\n\
         | split | speaker id | gender | female | male | how |\n|---|---:|---:|---:|---:|---|\n",
    );
    for state in input.states {
        let records = &state.records;
        let count = |keep: &dyn Fn(&crate::record::Record) -> bool| records.iter().filter(|r| keep(r)).count();
        let mut how: Vec<String> =
            input.manifest(&state.report.split).and_then(|m| m.speaker_note.clone()).into_iter().collect();
        if let Some(source) = &state.report.third_party_genders {
            how.push(format!(
                "**This build's genders are a third party's annotation, not the corpus'** (built with \
                 `--third-party-genders`): {source}."
            ));
        }
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            state.report.split,
            share(count(&|r| r.speaker_id.is_some()), records.len()),
            share(count(&|r| r.gender.is_some()), records.len()),
            share(count(&|r| r.gender == Some(crate::record::Gender::Female)), records.len()),
            share(count(&|r| r.gender == Some(crate::record::Gender::Male)), records.len()),
            how.join(" ").replace('|', "\\|")
        ));
    }
    out
}

fn emotion_table(input: &CardInput, total: usize) -> String {
    let mut counts: BTreeMap<&str, (usize, BTreeSet<&str>)> = BTreeMap::new();
    for state in input.states {
        for record in &state.records {
            let entry = counts.entry(record.emotion.as_str()).or_default();
            entry.0 += 1;
            entry.1.insert(state.report.split.as_str());
        }
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
    let mut out = String::from("| emotion | samples | share | splits |\n|---|---:|---:|---|\n");
    for (emotion, (count, splits)) in rows {
        let splits: Vec<&str> = splits.into_iter().collect();
        out.push_str(&format!("| {emotion} | {count} | {} | {} |\n", share(count, total), splits.join(", ")));
    }
    out
}

fn licenses_section(input: &CardInput) -> String {
    let manifests: Vec<_> = input.states.iter().filter_map(|s| input.manifest(&s.report.split)).collect();
    let counts: BTreeMap<String, usize> =
        input.states.iter().map(|s| (s.report.split.clone(), s.records.len())).collect();
    let uses = crate::audit::collection_uses(&manifests, Some(&counts));
    let mut out = format!("Each split keeps the license of its corpus. {}\n\n", uses.summary);
    out.push_str("| split | license | allowed | conditions |\n|---|---|---|---|\n");
    for split in &uses.per_split {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            split.split,
            split.license,
            split.allowed.join(", "),
            split.conditions.join("; ")
        ));
    }
    for note in &uses.notes {
        out.push_str(&format!("\n- {note}"));
    }
    out.push_str(
        "\n\nThe full license texts are in `LICENSES/`, the credits in `LICENSES/ATTRIBUTION.md`; \
         `cameo audit` prints how each license was verified and which sources disagree.\n",
    );
    out
}

const LOADING: &str = r#"```python
from datasets import load_dataset

ds = load_dataset("path/to/this/folder")  # or the hub repository it was uploaded to
ravdess = load_dataset("path/to/this/folder", split="ravdess")
audio = ravdess[0]["audio"]  # datasets >= 4 decodes with torchcodec
samples = audio.get_all_samples()  # .data: float32 [1, n], .sample_rate: 16000
```

Without `datasets`: `metadata.jsonl` has one JSON record per sample (sorted by split, then
`file_id`) whose `audio` field is the path of its FLAC file, `audio/<split>/<file_id>`.
`cameo export --format lhotse . OUT` writes Lhotse manifests for the same files.
"#;

fn provenance(input: &CardInput) -> String {
    let mut out = format!(
        "Built by `cameo {}` (pipeline `{}`): 16 kHz mono 16-bit FLAC; `file_id` is the SHA-256 of \
         the canonical PCM. `build.json` lists every source file with its SHA-256, every duplicate and \
         every rejected or skipped file with the reason.\n\n\
         | split | source files | source bytes | SHA-256 of the source list | duplicates | rejects | skipped |\n\
         |---|---:|---:|---|---:|---:|---:|\n",
        env!("CARGO_PKG_VERSION"),
        crate::collection::PIPELINE_VERSION
    );
    for state in input.states {
        let report = &state.report;
        out.push_str(&format!(
            "| {} | {} | {} | `{}` | {} | {} | {} |\n",
            report.split,
            report.sources.len(),
            report.sources.iter().map(|s| s.bytes).sum::<u64>(),
            sources_digest(state),
            report.duplicates.len(),
            report.rejects.len(),
            report.skipped.len()
        ));
    }
    out.push_str(
        "\nThe source-list checksum is the SHA-256 of the lines `<sha256>  <path>` (the format of \
         `sha256sum`, sorted by path) of the split's source files, paths relative to `raw/<split>/`.\n",
    );
    let declared: Vec<String> = input
        .states
        .iter()
        .filter_map(|s| input.manifest(&s.report.split))
        .flat_map(|m| {
            m.sources.iter().filter_map(move |source| {
                source.sha256.as_ref().map(|sha| format!("- {}: `{}` SHA-256 `{sha}`\n", m.id, source.file))
            })
        })
        .collect();
    if !declared.is_empty() {
        out.push_str("\nArchives the manifests pin:\n\n");
        out.push_str(&declared.concat());
    }
    out
}

pub fn markdown_body(input: &CardInput) -> String {
    let total: usize = input.states.iter().map(|s| s.records.len()).sum();
    let seconds: f64 = input.states.iter().flat_map(|s| &s.records).map(|r| r.duration).sum();
    let mut out = format!(
        "# CAMEO, rebuilt\n\n{total} emotional speech samples ({} h) from {} corpora, as 16 kHz mono 16-bit \
         FLAC, rebuilt from the original downloads by `cameo {}`. One split per source corpus; no \
         train/test split (the collection is a benchmark).\n\n",
        hours(seconds),
        input.states.len(),
        env!("CARGO_PKG_VERSION")
    );
    out.push_str("## Corpora\n\n");
    out.push_str(&corpora_table(input, total));
    out.push_str("\n## Speakers and genders\n\n");
    out.push_str(&speakers_section(input));
    out.push_str("\n## Emotions\n\n");
    out.push_str(&emotion_table(input, total));
    out.push_str("\n## Licenses\n\n");
    out.push_str(&licenses_section(input));
    out.push_str("\n## Loading\n\n");
    out.push_str(LOADING);
    out.push_str("\n## Citations\n\n");
    for (index, state) in input.states.iter().enumerate() {
        let citation = input.manifest(&state.report.split).map_or("", |m| m.license.citation.as_str());
        out.push_str(&format!("{}. **{}**: {citation}\n", index + 1, state.report.dataset));
    }
    out.push_str("\n## Provenance\n\n");
    out.push_str(&provenance(input));
    out
}
