//! The score report (eval.md §6): its JSON shape, and its rendering as a terminal table and
//! as Markdown.
use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::EvalError;
use super::metrics::{ClassScores, ConfusionMatrix, Metrics};
use super::table::{figure, Table};

/// The headline figures. `macro_f1` is over the union of gold and predicted labels
/// (scikit-learn's default, the paper's figures), `macro_f1_gold` over the gold labels only;
/// the last two are absent from reports of older versions and from the paper's rows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub macro_f1: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub macro_f1_gold: Option<f64>,
    pub weighted_f1: f64,
    pub accuracy: f64,
    /// Share of answers that post-processing mapped to `unknown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown_rate: Option<f64>,
}

/// The headline figures of one subset (a language, a dataset), with its size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GroupSummary {
    pub n: usize,
    pub macro_f1: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub macro_f1_gold: Option<f64>,
    pub weighted_f1: f64,
    pub accuracy: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown_rate: Option<f64>,
    /// By dataset only: the model's macro F1 (gold labels) on the other datasets' samples
    /// whose gold label is one of this dataset's labels; the like-with-like reference of the
    /// contamination check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub others_macro_f1_gold: Option<f64>,
}

impl From<&Metrics> for Summary {
    fn from(m: &Metrics) -> Self {
        Self {
            macro_f1: m.macro_f1,
            macro_f1_gold: Some(m.macro_f1_gold),
            weighted_f1: m.weighted_f1,
            accuracy: m.accuracy,
            unknown_rate: Some(m.unknown_rate),
        }
    }
}

impl From<&Metrics> for GroupSummary {
    fn from(m: &Metrics) -> Self {
        Self {
            n: m.n,
            macro_f1: m.macro_f1,
            macro_f1_gold: Some(m.macro_f1_gold),
            weighted_f1: m.weighted_f1,
            accuracy: m.accuracy,
            unknown_rate: Some(m.unknown_rate),
            others_macro_f1_gold: None,
        }
    }
}

/// A figure, or `–` when the report does not have it.
fn maybe(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_string(), figure)
}

/// Confusion matrices of the whole set and of each dataset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Confusion {
    pub overall: Option<ConfusionMatrix>,
    pub by_dataset: BTreeMap<String, ConfusionMatrix>,
}

/// What `cameo eval score` writes. The first six keys are the contract of eval.md §6; the rest
/// are additions (absent keys read as empty, so hand-written reports load too).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub n: usize,
    pub overall: Summary,
    #[serde(default)]
    pub by_language: BTreeMap<String, GroupSummary>,
    #[serde(default)]
    pub by_dataset: BTreeMap<String, GroupSummary>,
    #[serde(default)]
    pub by_emotion: BTreeMap<String, ClassScores>,
    #[serde(default)]
    pub missing: usize,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub temperature: Option<f64>,
    #[serde(default)]
    pub template_version: Option<String>,
    #[serde(default)]
    pub labels_scope: Option<String>,
    /// Scored answers that post-processing mapped to `unknown`.
    #[serde(default)]
    pub unknown: usize,
    /// Samples whose only result lines are failures (`error`, no `response`); not scored and
    /// not counted in `missing`.
    #[serde(default)]
    pub failed: usize,
    /// Scored answers the server cut at the token limit (`finish_reason: "length"`).
    #[serde(default)]
    pub truncated: usize,
    /// The seed of the run, when its lines record one (the leaderboard averages over seeds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_language_dataset: Option<BTreeMap<String, GroupSummary>>,
    #[serde(default)]
    pub confusion: Confusion,
}

impl Report {
    pub fn read(path: &Path) -> Result<Self, EvalError> {
        let text = std::fs::read_to_string(path).map_err(|e| EvalError::io(path, e))?;
        serde_json::from_str(&text)
            .map_err(|e| EvalError::BadReport { path: path.to_path_buf(), message: e.to_string() })
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a report serialises");
        text.push('\n');
        text
    }

    /// One line saying what was scored.
    pub fn headline(&self) -> String {
        let model = self.model.as_deref().unwrap_or("(model not recorded)");
        let temperature = self.temperature.map(|t| format!(", temperature {t}")).unwrap_or_default();
        format!(
            "{model}{temperature}: {} scored, {} missing, {} failed, {} truncated, {} answers mapped to unknown",
            self.n, self.missing, self.failed, self.truncated, self.unknown
        )
    }

    /// The tables of the report: overall, per language, per dataset, (per language and
    /// dataset), per emotion.
    pub fn tables(&self) -> Vec<(String, Table)> {
        let header = ["", "n", "macro F1", "macro F1 (gold)", "weighted F1", "accuracy", "unknown rate"];
        let mut overall = Table::new(header);
        overall.push([
            "overall".to_string(),
            self.n.to_string(),
            figure(self.overall.macro_f1),
            maybe(self.overall.macro_f1_gold),
            figure(self.overall.weighted_f1),
            figure(self.overall.accuracy),
            maybe(self.overall.unknown_rate),
        ]);
        let mut tables = vec![("Overall".to_string(), overall)];
        let groups = |title: &str, column: &str, map: &BTreeMap<String, GroupSummary>| {
            let mut table =
                Table::new([column, "n", "macro F1", "macro F1 (gold)", "weighted F1", "accuracy", "unknown rate"]);
            for (name, g) in map {
                table.push([
                    name.clone(),
                    g.n.to_string(),
                    figure(g.macro_f1),
                    maybe(g.macro_f1_gold),
                    figure(g.weighted_f1),
                    figure(g.accuracy),
                    maybe(g.unknown_rate),
                ]);
            }
            (title.to_string(), table)
        };
        tables.push(groups("By language", "language", &self.by_language));
        tables.push(groups("By dataset", "dataset", &self.by_dataset));
        if let Some(map) = &self.by_language_dataset {
            tables.push(groups("By language and dataset", "language/dataset", map));
        }
        let mut emotions = Table::new(["emotion", "support", "precision", "recall", "F1"]);
        for (name, c) in &self.by_emotion {
            emotions.push([name.clone(), c.support.to_string(), figure(c.precision), figure(c.recall), figure(c.f1)]);
        }
        tables.push(("By emotion".to_string(), emotions));
        tables
    }

    fn text(&self) -> String {
        let mut out = format!("{}\n", self.headline());
        for (title, table) in self.tables() {
            out.push_str(&format!("\n{title}\n{}", table.to_text()));
        }
        out
    }

    pub fn to_markdown(&self) -> String {
        let mut out = format!("# Evaluation report\n\n{}\n", self.headline());
        for (title, table) in self.tables() {
            out.push_str(&format!("\n## {title}\n\n{}", table.to_markdown()));
        }
        out
    }
}

/// The report as text tables (what `cameo eval score` prints).
impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}
