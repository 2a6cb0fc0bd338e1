//! `cameo compare BUILD --reference REF`: is a rebuild the published release? The reference's
//! embedded audio is decoded and canonicalised exactly as a build does it, then samples are
//! paired: first by identical canonical PCM, then (per split, among those left) by duration
//! within 10 ms and the highest waveform correlation at or above a threshold. Every pair's
//! metadata is compared field by field.
pub mod near;
pub mod reference;
pub mod render;

use crate::record::Record;
use near::{BuildCandidate, RefSample, Scored};
use reference::{RefRow, Shard};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use unicode_normalization::UnicodeNormalization;

/// The metadata fields compared for every pair: the published columns other than file_id and
/// audio.
pub const FIELDS: [&str; 8] =
    ["emotion", "transcription", "speaker_id", "gender", "age", "license", "dataset", "language"];

/// The default least correlation of a near pair: another resampler's rendering of the same
/// recording stays far above it (0.999 and more), a different recording of the same length far
/// below.
pub const DEFAULT_MIN_CORRELATION: f64 = 0.99;

/// Field differences listed in the text report per field (the JSON lists them all).
const EXAMPLES: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// The arguments do not name what compare needs (exit code 2).
    #[error("{0}")]
    Usage(String),
    #[error("{path}: {1}", path = .0.display())]
    Build(PathBuf, String),
    #[error("{path}: {1}", path = .0.display())]
    Reference(PathBuf, String),
}

#[derive(Debug, Clone)]
pub struct CompareOptions {
    pub build: PathBuf,
    pub reference: PathBuf,
    /// Least waveform correlation of a near pair, 0..=1.
    pub min_correlation: f64,
}

/// Counts of one split (or of everything).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub exact: usize,
    pub near: usize,
    pub only_build: usize,
    pub only_reference: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldDifference {
    pub field: String,
    pub split: String,
    pub build_file_id: String,
    pub reference_id: String,
    pub build_value: Option<String>,
    pub reference_value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NearPair {
    pub split: String,
    pub build_file_id: String,
    pub reference_id: String,
    pub correlation: f64,
    /// None when the common part is identical (the two differ only in length).
    pub snr_db: Option<f64>,
    pub duration_difference_ms: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OnlyBuild {
    pub split: String,
    pub file_id: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OnlyReference {
    pub split: String,
    pub reference_id: String,
    pub shard: String,
    pub row: usize,
    /// Why its audio could not be decoded, when it could not.
    pub problem: Option<String>,
}

/// What `cameo compare` found; `--json` prints it as is (the first six keys are the contract).
#[derive(Debug, Clone, Serialize)]
pub struct CompareReport {
    pub exact: usize,
    pub near: usize,
    pub only_build: usize,
    pub only_reference: usize,
    pub splits: BTreeMap<String, Counts>,
    pub field_differences: Vec<FieldDifference>,
    pub field_difference_counts: BTreeMap<String, usize>,
    pub near_pairs: Vec<NearPair>,
    pub only_build_samples: Vec<OnlyBuild>,
    pub only_reference_samples: Vec<OnlyReference>,
    pub min_correlation: f64,
    pub reference_shards: usize,
    pub reference_rows: usize,
}

impl CompareReport {
    /// Every sample paired with identical audio and no field differing.
    pub fn identical(&self) -> bool {
        self.near == 0 && self.only_build == 0 && self.only_reference == 0 && self.field_differences.is_empty()
    }
}

/// The build's value of each of [`FIELDS`].
fn build_fields(record: &Record) -> [Option<String>; 8] {
    [
        Some(record.emotion.as_str().to_string()),
        record.transcription.clone(),
        record.speaker_id.clone(),
        record.gender.map(|g| g.as_str().to_string()),
        record.age.clone(),
        Some(record.license.clone()),
        Some(record.dataset.clone()),
        Some(record.language.clone()),
    ]
}

/// How a dataset name or split is matched across naming schemes: lower-case letters and digits,
/// accents dropped (decomposed, then the combining marks left out), so `Oréau`, `oreau` and
/// `OREAU` are one name.
fn name_key(name: &str) -> String {
    name.nfd().flat_map(char::to_lowercase).filter(|c| c.is_alphanumeric()).collect()
}

/// The build split a reference row belongs to: the split of the build's samples with its
/// dataset name, else a build split named like its shard's split, else its shard's split.
fn reference_group(row: &RefRow, shard: &Shard, splits_by_key: &HashMap<String, String>) -> String {
    let dataset = row.fields[6].as_deref().map(name_key);
    dataset
        .and_then(|key| splits_by_key.get(&key))
        .or_else(|| splits_by_key.get(&name_key(&shard.split)))
        .cloned()
        .unwrap_or_else(|| shard.split.clone())
}

fn differences(record: &Record, row: &RefRow, split: &str, out: &mut Vec<FieldDifference>) {
    for ((field, build), reference) in FIELDS.iter().zip(build_fields(record)).zip(&row.fields) {
        // Text is compared in NFC, so a decomposed accent is not a difference.
        let (b, r) = if *field == "transcription" {
            (
                build.as_ref().map(|t| t.nfc().collect::<String>()),
                reference.as_ref().map(|t| t.nfc().collect::<String>()),
            )
        } else {
            (build.clone(), reference.clone())
        };
        if b != r {
            out.push(FieldDifference {
                field: field.to_string(),
                split: split.to_string(),
                build_file_id: record.file_id.clone(),
                reference_id: row.id.clone(),
                build_value: build,
                reference_value: reference.clone(),
            });
        }
    }
}

/// The canonical PCM of a build sample, read from its FLAC file.
fn build_pcm(build: &Path, record: &Record) -> Option<Vec<i16>> {
    let mut stream = crate::audio::open_source(&build.join(&record.audio)).ok()?;
    let mut pcm = Vec::new();
    crate::audio::canonical::canonicalize(stream.as_mut(), |block| {
        pcm.extend_from_slice(block);
        Ok(())
    })
    .ok()?;
    Some(pcm)
}

/// The second pass: near pairs among the samples the exact pass left.
fn near_pairs(
    options: &CompareOptions,
    records: &[Record],
    shards: &[Shard],
    rows: &[RefRow],
    groups: &[String],
    candidates: &[BuildCandidate],
    left: &BTreeSet<usize>,
) -> Result<Vec<Scored>, CompareError> {
    let mut scored = Vec::new();
    if candidates.is_empty() || left.is_empty() {
        return Ok(scored);
    }
    let decode = |index: usize| build_pcm(&options.build, &records[index]);
    let mut chunk: Vec<RefSample> = Vec::new();
    let mut chunk_bytes = 0usize;
    for (shard_index, shard) in shards.iter().enumerate() {
        // Row numbers of this shard that are left, mapped back to their index in `rows`.
        let in_shard: BTreeMap<usize, usize> =
            left.iter().filter(|&&i| rows[i].shard == shard_index).map(|&i| (rows[i].row, i)).collect();
        if in_shard.is_empty() {
            continue;
        }
        let wanted: BTreeSet<usize> = in_shard.keys().copied().collect();
        crate::audio::embedded::for_each_embedded_file(&shard.path, "audio", &wanted, |row, bytes| {
            let Ok(pcm) = bytes.and_then(reference::canonical_pcm) else {
                return;
            };
            let index = in_shard[&row];
            chunk_bytes += pcm.len() * 2;
            chunk.push(RefSample { index, group: groups[index].clone(), pcm });
            if chunk_bytes >= near::CHUNK_BYTES {
                near::score_chunk(&mut chunk, candidates, options.min_correlation, decode, &mut scored);
                chunk.clear();
                chunk_bytes = 0;
            }
        })
        .map_err(|e| CompareError::Reference(shard.path.clone(), e.to_string()))?;
    }
    near::score_chunk(&mut chunk, candidates, options.min_correlation, decode, &mut scored);
    Ok(near::assign(scored))
}

/// Compares the build in `options.build` with the reference in `options.reference`.
pub fn compare(options: &CompareOptions) -> Result<CompareReport, CompareError> {
    if !(0.0..=1.0).contains(&options.min_correlation) {
        return Err(CompareError::Usage(format!(
            "--min-correlation {} is outside 0..1 (the default is {DEFAULT_MIN_CORRELATION})",
            options.min_correlation
        )));
    }
    let metadata = options.build.join("metadata.jsonl");
    if !metadata.is_file() {
        return Err(CompareError::Usage(format!(
            "{}: not a cameo build folder (no metadata.jsonl; give the --out folder of `cameo build`)",
            options.build.display()
        )));
    }
    let records = crate::verify::read_metadata(&metadata)
        .map_err(|e| CompareError::Build(options.build.clone(), e.to_string()))?;
    let shards = reference::find_shards(&options.reference)?;
    let mut rows = Vec::new();
    for (index, shard) in shards.iter().enumerate() {
        rows.extend(reference::read_shard(index, shard)?);
    }

    let mut splits_by_key: HashMap<String, String> = HashMap::new();
    for record in &records {
        splits_by_key.entry(name_key(&record.dataset)).or_insert_with(|| record.split().to_string());
        splits_by_key.entry(name_key(record.split())).or_insert_with(|| record.split().to_string());
    }
    let groups: Vec<String> = rows.iter().map(|row| reference_group(row, &shards[row.shard], &splits_by_key)).collect();

    // Exact pairs: the build's file_id is the hash of its canonical PCM.
    let by_id: HashMap<&str, usize> = records.iter().enumerate().map(|(i, r)| (r.file_id.as_str(), i)).collect();
    let mut paired_build: HashMap<usize, usize> = HashMap::new();
    let mut exact_pairs: Vec<(usize, usize)> = Vec::new();
    let mut left: BTreeSet<usize> = BTreeSet::new();
    for (index, row) in rows.iter().enumerate() {
        // A row whose audio does not decode is left out of both passes (reported with why).
        let Ok((file_id, _)) = &row.canonical else {
            continue;
        };
        match by_id.get(file_id.as_str()) {
            Some(&build) if !paired_build.contains_key(&build) => {
                paired_build.insert(build, index);
                exact_pairs.push((build, index));
            }
            _ => {
                left.insert(index);
            }
        }
    }
    let candidates: Vec<BuildCandidate> = records
        .iter()
        .enumerate()
        .filter(|(i, _)| !paired_build.contains_key(i))
        .map(|(index, r)| BuildCandidate {
            index,
            group: r.split().to_string(),
            frames: (r.duration * crate::audio::CANONICAL_RATE as f64).round() as u64,
        })
        .collect();
    // Only rows with a candidate of their split within 10 ms are read again (their length is
    // known from the first pass), so unpairable rows cost no second decoding and no memory.
    let mut reach: HashMap<&str, Vec<u64>> = HashMap::new();
    for candidate in &candidates {
        reach.entry(candidate.group.as_str()).or_default().push(candidate.frames);
    }
    reach.values_mut().for_each(|frames| frames.sort_unstable());
    left.retain(|&index| {
        let frames = rows[index].canonical.as_ref().map_or(0, |(_, frames)| *frames);
        reach.get(groups[index].as_str()).is_some_and(|list| {
            let start = list.partition_point(|&f| f + near::MAX_FRAME_DIFFERENCE < frames);
            list.get(start).is_some_and(|&f| f <= frames + near::MAX_FRAME_DIFFERENCE)
        })
    });
    let near = near_pairs(options, &records, &shards, &rows, &groups, &candidates, &left)?;

    let mut report = CompareReport {
        exact: exact_pairs.len(),
        near: near.len(),
        only_build: 0,
        only_reference: 0,
        splits: BTreeMap::new(),
        field_differences: Vec::new(),
        field_difference_counts: BTreeMap::new(),
        near_pairs: Vec::new(),
        only_build_samples: Vec::new(),
        only_reference_samples: Vec::new(),
        min_correlation: options.min_correlation,
        reference_shards: shards.len(),
        reference_rows: rows.len(),
    };
    let mut pairs: Vec<(usize, usize, Option<&Scored>)> = exact_pairs.iter().map(|&(b, r)| (b, r, None)).collect();
    pairs.extend(near.iter().map(|s| (s.build, s.reference, Some(s))));
    // Reported in the build's order (split, then file_id).
    pairs.sort_by_key(|&(b, _, _)| b);
    let mut paired_reference: BTreeSet<usize> = BTreeSet::new();
    let mut paired_builds: BTreeSet<usize> = BTreeSet::new();
    for (b, r, scored) in pairs {
        let record = &records[b];
        let row = &rows[r];
        let split = record.split().to_string();
        paired_builds.insert(b);
        paired_reference.insert(r);
        let counts = report.splits.entry(split.clone()).or_default();
        match scored {
            None => counts.exact += 1,
            Some(scored) => {
                counts.near += 1;
                let reference_frames = row.canonical.as_ref().map(|(_, f)| *f).unwrap_or(0);
                let build_frames = (record.duration * crate::audio::CANONICAL_RATE as f64).round();
                report.near_pairs.push(NearPair {
                    split: split.clone(),
                    build_file_id: record.file_id.clone(),
                    reference_id: row.id.clone(),
                    correlation: scored.likeness.correlation,
                    snr_db: scored.likeness.snr_db,
                    duration_difference_ms: (reference_frames as f64 - build_frames) / 16.0,
                });
            }
        }
        differences(record, row, &split, &mut report.field_differences);
    }
    for (_, record) in records.iter().enumerate().filter(|(i, _)| !paired_builds.contains(i)) {
        report.splits.entry(record.split().to_string()).or_default().only_build += 1;
        report.only_build_samples.push(OnlyBuild {
            split: record.split().to_string(),
            file_id: record.file_id.clone(),
            source: record.source.clone(),
        });
    }
    for (index, row) in rows.iter().enumerate().filter(|(i, _)| !paired_reference.contains(i)) {
        report.splits.entry(groups[index].clone()).or_default().only_reference += 1;
        report.only_reference_samples.push(OnlyReference {
            split: groups[index].clone(),
            reference_id: row.id.clone(),
            shard: shards[row.shard]
                .path
                .strip_prefix(&options.reference)
                .unwrap_or(&shards[row.shard].path)
                .display()
                .to_string(),
            row: row.row,
            problem: row.canonical.as_ref().err().cloned(),
        });
    }
    report.only_build = report.only_build_samples.len();
    report.only_reference = report.only_reference_samples.len();
    for difference in &report.field_differences {
        *report.field_difference_counts.entry(difference.field.clone()).or_default() += 1;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::name_key;

    #[test]
    fn names_match_across_case_accents_and_punctuation() {
        assert_eq!(name_key("Oréau"), "oreau");
        assert_eq!(name_key("OREAU"), "oreau");
        assert_eq!(name_key("JL-Corpus"), name_key("jl_corpus"));
        assert_eq!(name_key("CREMA-D"), name_key("crema_d"));
        assert_ne!(name_key("nEMO"), name_key("EMNS"));
    }
}
