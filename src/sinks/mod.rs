//! Sinks: everything a build writes from the per-split states — the FLAC tree is written by
//! the build itself; here metadata.jsonl, parquet shards, the dataset card, LICENSES/ and
//! build.json.
pub mod card;
pub mod jsonl;
pub mod licenses;
pub mod parquet;

use crate::build::report::{RunFacts, SplitState};
use crate::build::BuildError;
use crate::fsutil::StagedWrites;
use crate::manifest::Manifest;
use crate::record::Record;
use std::path::Path;
use std::time::Instant;

/// Size of a split's parquet shards: the ones this run staged, or else those on disk.
fn shard_bytes(out: &Path, split: &str, staged: &StagedWrites) -> u64 {
    let prefix = format!("{split}-");
    let ours = |name: &std::ffi::OsStr| name.to_string_lossy().starts_with(&prefix);
    let data = out.join("data");
    let new: Vec<u64> = staged
        .staged()
        .filter(|(path, _, _)| path.parent() == Some(data.as_path()) && path.file_name().is_some_and(ours))
        .map(|(_, _, bytes)| bytes)
        .collect();
    if !new.is_empty() {
        return new.iter().sum();
    }
    std::fs::read_dir(&data)
        .map(|entries| {
            entries.flatten().filter(|e| ours(&e.file_name())).filter_map(|e| e.metadata().ok().map(|m| m.len())).sum()
        })
        .unwrap_or(0)
}

/// Writes every collection-level output from the split states. All of them are staged and
/// put in place together at the end, so a failure (a full disk) leaves the earlier ones whole.
pub fn write_collection(
    out: &Path,
    states: &[SplitState],
    rebuilt: &[String],
    manifests: &[Manifest],
    run: &mut RunFacts,
    started: Instant,
) -> Result<(), BuildError> {
    let mut staged = StagedWrites::default();
    let records: Vec<&Record> = states.iter().flat_map(|s| &s.records).collect();
    let metadata = out.join("metadata.jsonl");
    jsonl::write_metadata(&metadata, &records, &mut staged).map_err(BuildError::io(&metadata))?;
    for state in states {
        let split = &state.report.split;
        if rebuilt.contains(split) || shard_bytes(out, split, &staged) == 0 {
            let split_records: Vec<&Record> = state.records.iter().collect();
            parquet::write_split(out, split, &split_records, &mut staged)
                .map_err(|error| BuildError::Sink { path: out.join("data"), message: error.to_string() })?;
        }
    }
    let card_path = out.join("README.md");
    let mut sizes = std::collections::BTreeMap::new();
    for state in states {
        let split_records: Vec<&Record> = state.records.iter().collect();
        let audio = parquet::audio_sizes(out, &split_records)
            .map_err(|error| BuildError::Sink { path: out.join("audio"), message: error.to_string() })?;
        let split = state.report.split.clone();
        let parquet_bytes = shard_bytes(out, &split, &staged);
        sizes.insert(
            split,
            card::SplitSizes { parquet_bytes, arrow_bytes: parquet::arrow_bytes(&split_records, &audio) },
        );
    }
    let input = card::CardInput { states, manifests, sizes: &|split| sizes.get(split).copied().unwrap_or_default() };
    let card = card::render_card(&input).map_err(|message| BuildError::Sink { path: card_path.clone(), message })?;
    staged.write(&card_path, card.as_bytes()).map_err(BuildError::io(&card_path))?;
    licenses::write_licenses(out, manifests, &mut staged).map_err(BuildError::io(&out.join("LICENSES")))?;
    run.seconds = started.elapsed().as_secs_f64();
    let build_json = serde_json::json!({
        "tool": "cameo",
        "version": env!("CARGO_PKG_VERSION"),
        "pipeline": crate::build::cache::PIPELINE_VERSION,
        "audio": {
            "format": "FLAC",
            "sample_rate": crate::audio::CANONICAL_RATE,
            "channels": 1,
            "bits_per_sample": 16,
            "resampler": "polyphase Kaiser-windowed sinc (90 dB, pass band 87.5 % of the lower Nyquist), f64, fixed summation order, no dither",
            "quantisation": "round half away from zero, clip to [-32768, 32767]",
            "file_id": "sha256 of the canonical PCM (little-endian i16) + .flac",
        },
        "totals": {
            "samples": records.len(),
            "duplicates": states.iter().map(|s| s.report.duplicates.len()).sum::<usize>(),
            "rejects": states.iter().map(|s| s.report.rejects.len()).sum::<usize>(),
            "skipped": states.iter().map(|s| s.report.skipped.len()).sum::<usize>(),
        },
        "splits": states.iter().map(|s| (s.report.split.clone(), serde_json::to_value(&s.report).expect("report serialises"))).collect::<serde_json::Map<_, _>>(),
        "run": run,
    });
    let path = out.join("build.json");
    let text = serde_json::to_vec_pretty(&build_json).expect("json serialises");
    staged.write(&path, &text).map_err(BuildError::io(&path))?;
    let sums = crate::checksums::render(out, &staged).map_err(BuildError::io(out))?;
    let sums_path = out.join(crate::checksums::FILE_NAME);
    staged.write(&sums_path, sums.as_bytes()).map_err(BuildError::io(&sums_path))?;
    staged.commit().map_err(BuildError::io(out))
}
