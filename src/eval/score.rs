//! Scoring: joins predictions with the gold metadata, maps each answer to a label among the
//! sample's candidate labels, and computes the report with its breakdowns (plain BTreeMap
//! group-bys, so every output is sorted and stable).
use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde::Serialize;

use super::metrics::{ConfusionMatrix, Metrics};
use super::parse::{LabelSet, UNKNOWN};
use super::records::{GoldSample, Metadata, Predictions};
use super::report::{Confusion, GroupSummary, Report, Summary};

/// Which labels a sample's answer is matched against (eval.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LabelsScope {
    /// The labels occurring in the sample's own dataset (split).
    #[default]
    Dataset,
    /// Every label of the whole collection.
    Collection,
}

impl LabelsScope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dataset => "dataset",
            Self::Collection => "collection",
        }
    }

    /// The scope named in a results file, if it is one of ours.
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Dataset, Self::Collection].into_iter().find(|s| s.as_str() == name)
    }
}

/// Candidate labels per dataset display name, each sorted.
#[derive(Debug, Clone)]
pub struct CandidateLabels {
    by_dataset: BTreeMap<String, LabelSet>,
}

impl CandidateLabels {
    pub fn new(metadata: &Metadata, scope: LabelsScope) -> Self {
        let mut per_dataset: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for sample in &metadata.samples {
            per_dataset.entry(sample.dataset.as_str()).or_default().insert(sample.emotion.as_str());
        }
        let all: BTreeSet<&str> = per_dataset.values().flatten().copied().collect();
        let by_dataset = per_dataset
            .into_iter()
            .map(|(dataset, labels)| {
                let chosen = match scope {
                    LabelsScope::Dataset => &labels,
                    LabelsScope::Collection => &all,
                };
                (dataset.to_string(), LabelSet::new(chosen.iter().copied()))
            })
            .collect();
        Self { by_dataset }
    }

    /// The candidate labels of a sample (its dataset is always known: it came from the
    /// same metadata).
    pub fn of(&self, sample: &GoldSample) -> &LabelSet {
        &self.by_dataset[&sample.dataset]
    }

    /// Every dataset with its candidate labels, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &LabelSet)> {
        self.by_dataset.iter().map(|(name, labels)| (name.as_str(), labels))
    }
}

/// Options of one scoring.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScoreOptions {
    pub labels_scope: LabelsScope,
    pub by_language_dataset: bool,
}

/// The label chosen for one scored sample (`--parsed` output line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParsedAnswer {
    pub file_id: String,
    pub emotion: String,
    pub prediction: String,
}

/// Scores `predictions` against `metadata`. Samples are visited in metadata order, so the
/// parsed answers come out in that order whatever the order of the predictions file.
pub fn score(metadata: &Metadata, predictions: &Predictions, options: ScoreOptions) -> (Report, Vec<ParsedAnswer>) {
    let candidates = CandidateLabels::new(metadata, options.labels_scope);
    let mut answer_of: Vec<Option<&str>> = vec![None; metadata.samples.len()];
    for prediction in &predictions.items {
        if let Some(position) = metadata.position(&prediction.file_id) {
            answer_of[position] = Some(prediction.response.as_str());
        }
    }
    // Parsing is the costly step (Levenshtein on free text): in parallel, order kept.
    let scored: Vec<(&GoldSample, &str)> = metadata
        .samples
        .par_iter()
        .zip(answer_of.par_iter())
        .filter_map(|(sample, answer)| answer.map(|response| (sample, candidates.of(sample).pick(response))))
        .collect();

    let pairs = |subset: &[&(&GoldSample, &str)]| -> Metrics {
        Metrics::compute(subset.iter().map(|(s, p)| (s.emotion.as_str(), *p)))
    };
    let all: Vec<&(&GoldSample, &str)> = scored.iter().collect();
    let overall = pairs(&all);
    let group_by = |key: &dyn Fn(&GoldSample) -> String| {
        let mut groups: BTreeMap<String, Vec<&(&GoldSample, &str)>> = BTreeMap::new();
        for item in &scored {
            groups.entry(key(item.0)).or_default().push(item);
        }
        groups
    };
    let summarise = |groups: &BTreeMap<String, Vec<&(&GoldSample, &str)>>| {
        groups
            .iter()
            .map(|(name, subset)| (name.clone(), GroupSummary::from(&pairs(subset))))
            .collect::<BTreeMap<_, _>>()
    };
    let by_dataset_groups = group_by(&|s| s.dataset.clone());
    let confusion = Confusion {
        overall: Some(ConfusionMatrix::compute(scored.iter().map(|(s, p)| (s.emotion.as_str(), *p)))),
        by_dataset: by_dataset_groups
            .iter()
            .map(|(name, subset)| {
                let matrix = ConfusionMatrix::compute(subset.iter().map(|(s, p)| (s.emotion.as_str(), *p)));
                (name.clone(), matrix)
            })
            .collect(),
    };
    let report = Report {
        n: overall.n,
        overall: Summary::from(&overall),
        by_language: summarise(&group_by(&|s| s.language.clone())),
        by_dataset: with_references(summarise(&by_dataset_groups), metadata, &scored),
        by_emotion: overall.classes.clone(),
        missing: metadata.samples.len() - scored.len() - predictions.failed.len(),
        model: predictions.model.clone(),
        temperature: predictions.temperature,
        template_version: predictions.template_version.clone(),
        labels_scope: Some(options.labels_scope.as_str().to_string()),
        unknown: scored.iter().filter(|(_, p)| *p == UNKNOWN).count(),
        failed: predictions.failed.len(),
        truncated: predictions.items.iter().filter(|p| p.truncated).count(),
        seed: predictions.seed,
        by_language_dataset: options
            .by_language_dataset
            .then(|| summarise(&group_by(&|s| format!("{}/{}", s.language, s.dataset)))),
        confusion,
    };
    let parsed = scored
        .iter()
        .map(|(sample, prediction)| ParsedAnswer {
            file_id: sample.file_id.clone(),
            emotion: sample.emotion.clone(),
            prediction: prediction.to_string(),
        })
        .collect();
    (report, parsed)
}

/// Adds to each dataset's figures the like-with-like reference of the contamination check:
/// macro F1 over the gold labels on the samples of every other dataset whose gold label is one
/// of this dataset's labels (none when no such sample was scored).
fn with_references(
    mut by_dataset: BTreeMap<String, GroupSummary>,
    metadata: &Metadata,
    scored: &[(&GoldSample, &str)],
) -> BTreeMap<String, GroupSummary> {
    let mut labels_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for sample in &metadata.samples {
        labels_of.entry(sample.dataset.as_str()).or_default().insert(sample.emotion.as_str());
    }
    for (name, summary) in by_dataset.iter_mut() {
        let Some(labels) = labels_of.get(name.as_str()) else { continue };
        let others: Vec<(&str, &str)> = scored
            .iter()
            .filter(|(s, _)| s.dataset != *name && labels.contains(s.emotion.as_str()))
            .map(|(s, p)| (s.emotion.as_str(), *p))
            .collect();
        if !others.is_empty() {
            summary.others_macro_f1_gold = Some(Metrics::compute(others).macro_f1_gold);
        }
    }
    by_dataset
}
