//! The QA section of `cameo stats`: samples worth a listen before publishing. Silent and
//! clipped samples come from build.json (the build measured them while converting); duration
//! outliers are found here, per corpus, with Tukey's far-out fences.
use super::quantile;
use crate::record::Record;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct QaError {
    pub path: PathBuf,
    pub message: String,
}

/// A sample the build flagged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flagged {
    pub split: String,
    pub file_id: String,
    /// The original file (null when metadata.jsonl no longer lists the sample).
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outlier {
    pub split: String,
    pub file_id: String,
    pub source: String,
    pub duration: f64,
    /// The corpus' fences: durations outside [low, high] are outliers.
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Qa {
    /// Digital silence (every sample zero).
    pub silent: Vec<Flagged>,
    /// At least one sample at full scale after conversion.
    pub clipped: Vec<Flagged>,
    pub duration_outliers: Vec<Outlier>,
    pub outlier_rule: String,
}

/// Fences of `FENCE × spread` beyond the quartiles, the spread being the interquartile range
/// but at least `FLOOR` × the median, so that a corpus of near-identical lengths (a fixed
/// sentence set) does not flag every small difference.
const FENCE: f64 = 3.0;
const FLOOR: f64 = 0.1;
/// Corpora with fewer samples get no fences (quartiles of a handful mean little).
const MIN_SAMPLES: usize = 8;

pub const OUTLIER_RULE: &str =
    "per corpus of 8 samples or more, below Q1 - 3 x spread or above Q3 + 3 x spread, spread = max(Q3 - Q1, 0.1 x median)";

/// The file_ids of one split that the build flagged.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SplitFlags {
    pub silent: Vec<String>,
    pub clipped: Vec<String>,
}

/// The silent and clipped file_ids per split that build.json records.
pub fn read_flags(build_json: &Path) -> Result<BTreeMap<String, SplitFlags>, QaError> {
    let fail = |message: String| QaError { path: build_json.to_path_buf(), message };
    let text = std::fs::read_to_string(build_json).map_err(|e| fail(format!("cannot read: {e}")))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| fail(format!("not JSON: {e}")))?;
    let splits = value["splits"].as_object().ok_or_else(|| fail("no `splits` object".into()))?;
    let mut flags = BTreeMap::new();
    for (split, report) in splits {
        let list = |key: &str| -> Result<Vec<String>, QaError> {
            let items = report[key].as_array().ok_or_else(|| fail(format!("split {split}: no `{key}` list")))?;
            items
                .iter()
                .map(|item| {
                    item.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| fail(format!("split {split}: `{key}` holds a non-string")))
                })
                .collect()
        };
        flags.insert(split.clone(), SplitFlags { silent: list("silent")?, clipped: list("clipped")? });
    }
    Ok(flags)
}

fn outliers(records: &[Record]) -> Vec<Outlier> {
    let mut by_split: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
    for record in records {
        by_split.entry(record.split()).or_default().push(record);
    }
    let mut found = Vec::new();
    for (split, members) in by_split {
        if members.len() < MIN_SAMPLES {
            continue;
        }
        let mut values: Vec<f64> = members.iter().map(|r| r.duration).collect();
        values.sort_by(f64::total_cmp);
        let (q1, median, q3) = (quantile(&values, 0.25), quantile(&values, 0.5), quantile(&values, 0.75));
        let spread = (q3 - q1).max(FLOOR * median);
        let (low, high) = (q1 - FENCE * spread, q3 + FENCE * spread);
        for record in members {
            if record.duration < low || record.duration > high {
                found.push(Outlier {
                    split: split.to_string(),
                    file_id: record.file_id.clone(),
                    source: record.source.clone(),
                    duration: record.duration,
                    low,
                    high,
                });
            }
        }
    }
    found
}

/// The QA findings of a build from its records and build.json's flags.
pub fn check(records: &[Record], flags: &BTreeMap<String, SplitFlags>) -> Qa {
    let source_of = |split: &str, file_id: &str| {
        records.iter().find(|r| r.split() == split && r.file_id == file_id).map(|r| r.source.clone())
    };
    let flagged = |pick: fn(&SplitFlags) -> &Vec<String>| -> Vec<Flagged> {
        flags
            .iter()
            .flat_map(|(split, lists)| {
                pick(lists).iter().map(move |file_id| Flagged {
                    split: split.clone(),
                    file_id: file_id.clone(),
                    source: source_of(split, file_id),
                })
            })
            .collect()
    };
    Qa {
        silent: flagged(|lists| &lists.silent),
        clipped: flagged(|lists| &lists.clipped),
        duration_outliers: outliers(records),
        outlier_rule: OUTLIER_RULE.into(),
    }
}
