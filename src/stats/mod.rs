//! `cameo stats`: the collection's figures as cameo-format.md gives them for the reference
//! (samples and hours per corpus and language, the emotion distribution, speaker-id and gender
//! coverage), the paper's collection figures beside the build's, a QA section (silent and
//! clipped samples, duration outliers) and plots.
pub mod paper;
pub mod plot;
pub mod qa;
mod render;

pub use qa::{Qa, QaError};

use crate::record::{Gender, Record};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Samples sharing one value (a corpus, a language), with their speaker and gender coverage.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Group {
    pub name: String,
    pub samples: usize,
    /// Percent of all samples.
    pub share: f64,
    pub hours: f64,
    /// Distinct speaker ids.
    pub speakers: usize,
    pub with_speaker_id: usize,
    pub with_gender: usize,
    pub female: usize,
    pub male: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Count {
    pub name: String,
    pub samples: usize,
    /// Percent of all samples.
    pub share: f64,
}

/// Sample durations in seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Durations {
    pub min: f64,
    pub p25: f64,
    pub median: f64,
    pub p75: f64,
    pub max: f64,
    pub mean: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub samples: usize,
    pub hours: f64,
    /// Per corpus (display name), in split order.
    pub corpora: Vec<Group>,
    /// Per language, most samples first.
    pub languages: Vec<Group>,
    /// Per emotion, most samples first.
    pub emotions: Vec<Count>,
    /// The collection as one group (speaker and gender coverage).
    pub overall: Group,
    pub durations: Durations,
    /// The paper's figures for the whole collection beside this build's.
    pub paper: paper::Comparison,
}

/// The figures and the QA findings of a build, as `cameo stats --json` prints them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    #[serde(flatten)]
    pub stats: Stats,
    pub qa: Qa,
}

#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    #[error(transparent)]
    Metadata(#[from] crate::verify::VerifyError),
    #[error(transparent)]
    Qa(#[from] QaError),
}

/// Reads a build folder (metadata.jsonl and build.json) and computes its report; the records
/// come back too, for the plot.
pub fn load(build: &std::path::Path) -> Result<(Report, Vec<Record>), StatsError> {
    let records = crate::verify::read_metadata(&build.join("metadata.jsonl"))?;
    let flags = qa::read_flags(&build.join("build.json"))?;
    let report = Report { stats: compute(&records), qa: qa::check(&records, &flags) };
    Ok((report, records))
}

pub fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

fn group(name: &str, records: &[&Record], total: usize) -> Group {
    Group {
        name: name.to_string(),
        samples: records.len(),
        share: percent(records.len(), total),
        hours: records.iter().map(|r| r.duration).sum::<f64>() / 3600.0,
        speakers: records.iter().filter_map(|r| r.speaker_id.as_deref()).collect::<BTreeSet<_>>().len(),
        with_speaker_id: records.iter().filter(|r| r.speaker_id.is_some()).count(),
        with_gender: records.iter().filter(|r| r.gender.is_some()).count(),
        female: records.iter().filter(|r| r.gender == Some(Gender::Female)).count(),
        male: records.iter().filter(|r| r.gender == Some(Gender::Male)).count(),
    }
}

/// The value at quantile `q` of sorted values, interpolating linearly between neighbours.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let position = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
}

fn durations(records: &[Record]) -> Durations {
    let mut values: Vec<f64> = records.iter().map(|r| r.duration).collect();
    values.sort_by(f64::total_cmp);
    Durations {
        min: values.first().copied().unwrap_or(0.0),
        p25: quantile(&values, 0.25),
        median: quantile(&values, 0.5),
        p75: quantile(&values, 0.75),
        max: values.last().copied().unwrap_or(0.0),
        mean: if values.is_empty() { 0.0 } else { values.iter().sum::<f64>() / values.len() as f64 },
    }
}

/// Groups records by a key, keeping the keys' first-seen order.
fn grouped(records: &[Record], key: impl Fn(&Record) -> &str) -> Vec<(String, Vec<&Record>)> {
    let mut groups: Vec<(String, Vec<&Record>)> = Vec::new();
    for record in records {
        let name = key(record);
        match groups.iter_mut().find(|(k, _)| k == name) {
            Some((_, members)) => members.push(record),
            None => groups.push((name.to_string(), vec![record])),
        }
    }
    groups
}

/// The figures of a build's records (metadata.jsonl order: by split, then file_id).
pub fn compute(records: &[Record]) -> Stats {
    let total = records.len();
    let corpora = grouped(records, |r| &r.dataset).iter().map(|(name, members)| group(name, members, total)).collect();
    let mut languages: Vec<Group> =
        grouped(records, |r| &r.language).iter().map(|(name, members)| group(name, members, total)).collect();
    languages.sort_by(|a, b| b.samples.cmp(&a.samples).then(a.name.cmp(&b.name)));
    let mut per_emotion: BTreeMap<&str, usize> = BTreeMap::new();
    for record in records {
        *per_emotion.entry(record.emotion.as_str()).or_default() += 1;
    }
    let mut emotions: Vec<Count> = per_emotion
        .into_iter()
        .map(|(name, samples)| Count { name: name.to_string(), samples, share: percent(samples, total) })
        .collect();
    emotions.sort_by(|a, b| b.samples.cmp(&a.samples).then(a.name.cmp(&b.name)));
    let all: Vec<&Record> = records.iter().collect();
    let splits: BTreeSet<&str> = records.iter().map(Record::split).collect();
    let mut stats = Stats {
        samples: total,
        hours: records.iter().map(|r| r.duration).sum::<f64>() / 3600.0,
        corpora,
        languages,
        emotions,
        overall: group("all", &all, total),
        durations: durations(records),
        paper: paper::Comparison { figures: Vec::new(), missing_corpora: Vec::new() },
    };
    stats.paper = paper::compare(&stats, &splits.into_iter().collect::<Vec<_>>());
    stats
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_between_neighbours() {
        let values = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&values, 0.0), 1.0);
        assert_eq!(quantile(&values, 0.5), 2.5);
        assert_eq!(quantile(&values, 0.25), 1.75);
        assert_eq!(quantile(&values, 1.0), 4.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }
}
