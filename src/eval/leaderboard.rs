//! `cameo eval leaderboard`: puts score reports beside the paper's published figures, in the
//! layout of the paper's Tables 4-6 (overall; per language; per primary emotion), with a
//! contamination check per dataset and PNG plots.
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::error::EvalError;
use super::metrics::ConfusionMatrix;
use super::plot::{confusion_heatmap, grouped_bars, BarSeries};
use super::published::{published, Published};
use super::report::{Report, Summary};
use super::table::{figure, Table};

/// The seven primary emotional states (over 93% of samples): the columns of Table 6.
pub const PRIMARY_EMOTIONS: [&str; 7] = ["anger", "disgust", "fear", "happiness", "neutral", "sadness", "surprise"];

/// Where a leaderboard row comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    Report(PathBuf),
    Published,
}

/// One row: a model at a temperature.
#[derive(Debug, Clone)]
pub struct Entry {
    pub model: String,
    pub temperature: Option<f64>,
    pub origin: Origin,
    pub n: Option<usize>,
    pub overall: Summary,
    pub macro_f1_by_language: BTreeMap<String, f64>,
    pub macro_f1_by_dataset: BTreeMap<String, f64>,
    pub f1_by_emotion: BTreeMap<String, f64>,
    pub confusion: Option<ConfusionMatrix>,
}

impl Entry {
    fn from_report(path: &Path, report: &Report) -> Self {
        let model = report.model.clone().unwrap_or_else(|| {
            path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
        });
        Self {
            model,
            temperature: report.temperature,
            origin: Origin::Report(path.to_path_buf()),
            n: Some(report.n),
            overall: report.overall,
            macro_f1_by_language: report.by_language.iter().map(|(k, v)| (k.clone(), v.macro_f1)).collect(),
            macro_f1_by_dataset: report.by_dataset.iter().map(|(k, v)| (k.clone(), v.macro_f1)).collect(),
            f1_by_emotion: report.by_emotion.iter().map(|(k, v)| (k.clone(), v.f1)).collect(),
            confusion: report.confusion.overall.clone(),
        }
    }

    /// `model (temperature)`, as the paper names rows.
    pub fn name(&self) -> String {
        format!("{} ({})", self.model, temperature_text(self.temperature))
    }

    fn source(&self) -> String {
        match &self.origin {
            Origin::Report(path) => path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
            Origin::Published => "paper".to_string(),
        }
    }
}

fn temperature_text(temperature: Option<f64>) -> String {
    temperature.map_or_else(|| "n/s".to_string(), |t| format!("{t:.1}"))
}

/// A dataset whose macro F1 exceeds the model's overall macro F1 by more than the margin.
#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    pub dataset: String,
    pub dataset_macro_f1: f64,
    pub overall_macro_f1: f64,
}

impl Flag {
    fn excess(&self) -> f64 {
        self.dataset_macro_f1 - self.overall_macro_f1
    }
}

/// Datasets of `by_dataset` above `overall + margin`, sorted by name.
pub fn contamination_flags(overall: f64, by_dataset: &BTreeMap<String, f64>, margin: f64) -> Vec<Flag> {
    by_dataset
        .iter()
        .filter(|(_, &f1)| f1 - overall > margin)
        .map(|(dataset, &f1)| Flag { dataset: dataset.clone(), dataset_macro_f1: f1, overall_macro_f1: overall })
        .collect()
}

/// New results and (optionally) the published ones, ranked by macro F1.
#[derive(Debug, Clone)]
pub struct Leaderboard {
    pub entries: Vec<Entry>,
    pub published: Option<Published>,
    pub margin: f64,
}

impl Leaderboard {
    pub fn new(reports: &[(PathBuf, Report)], include_published: bool, margin: f64) -> Self {
        let mut entries: Vec<Entry> = reports.iter().map(|(path, report)| Entry::from_report(path, report)).collect();
        let published = include_published.then(published);
        if let Some(data) = &published {
            for row in &data.overall {
                let by_language = data
                    .macro_f1_by_language
                    .iter()
                    .find(|b| b.model == row.model && b.temperature == Some(row.temperature))
                    .map(|b| b.values.clone())
                    .unwrap_or_default();
                entries.push(Entry {
                    model: row.model.clone(),
                    temperature: Some(row.temperature),
                    origin: Origin::Published,
                    n: Some(41_265),
                    overall: Summary { macro_f1: row.macro_f1, weighted_f1: row.weighted_f1, accuracy: row.accuracy },
                    macro_f1_by_language: by_language,
                    macro_f1_by_dataset: BTreeMap::new(),
                    f1_by_emotion: BTreeMap::new(),
                    confusion: None,
                });
            }
        }
        entries.sort_by(|a, b| {
            b.overall
                .macro_f1
                .total_cmp(&a.overall.macro_f1)
                .then_with(|| a.model.cmp(&b.model))
                .then_with(|| {
                    let (ta, tb) = (a.temperature.unwrap_or(-1.0), b.temperature.unwrap_or(-1.0));
                    ta.partial_cmp(&tb).unwrap_or(Ordering::Equal)
                })
                .then_with(|| a.source().cmp(&b.source()))
        });
        Self { entries, published, margin }
    }

    /// Table 4: overall figures, with the contamination column.
    pub fn overall_table(&self) -> Table {
        let mut table = Table::new([
            "model (temperature)",
            "macro F1",
            "weighted F1",
            "accuracy",
            "n",
            "source",
            "possible contamination",
        ]);
        for entry in &self.entries {
            let flags = contamination_flags(entry.overall.macro_f1, &entry.macro_f1_by_dataset, self.margin);
            let flagged = if entry.origin == Origin::Published {
                "–".to_string()
            } else if flags.is_empty() {
                "none".to_string()
            } else {
                flags.iter().map(|f| format!("{} {:.2}", f.dataset, f.dataset_macro_f1)).collect::<Vec<_>>().join(", ")
            };
            table.push([
                entry.name(),
                figure(entry.overall.macro_f1),
                figure(entry.overall.weighted_f1),
                figure(entry.overall.accuracy),
                entry.n.map(|n| n.to_string()).unwrap_or_default(),
                entry.source(),
                flagged,
            ]);
        }
        table
    }

    /// Table 5: macro F1 per language (rows with per-language figures only).
    pub fn language_table(&self) -> Table {
        let languages: BTreeSet<&str> =
            self.entries.iter().flat_map(|e| e.macro_f1_by_language.keys().map(String::as_str)).collect();
        let mut header = vec!["model (temperature)".to_string()];
        header.extend(languages.iter().map(|l| l.to_string()));
        header.push("source".to_string());
        let mut table = Table::new(header);
        for entry in self.entries.iter().filter(|e| !e.macro_f1_by_language.is_empty()) {
            let mut row = vec![entry.name()];
            row.extend(
                languages
                    .iter()
                    .map(|l| entry.macro_f1_by_language.get(*l).map_or_else(|| "–".to_string(), |v| figure(*v))),
            );
            row.push(entry.source());
            table.push(row);
        }
        table
    }

    /// Table 6: F1 per primary emotion (new results; the published data has none).
    pub fn emotion_table(&self) -> Table {
        let mut header = vec!["model (temperature)".to_string()];
        header.extend(PRIMARY_EMOTIONS.iter().map(|e| e.to_string()));
        header.push("source".to_string());
        let mut table = Table::new(header);
        for entry in self.entries.iter().filter(|e| !e.f1_by_emotion.is_empty()) {
            let mut row = vec![entry.name()];
            row.extend(
                PRIMARY_EMOTIONS
                    .iter()
                    .map(|e| entry.f1_by_emotion.get(*e).map_or_else(|| "–".to_string(), |v| figure(*v))),
            );
            row.push(entry.source());
            table.push(row);
        }
        table
    }

    /// Every flagged (model, dataset): new results, and the paper's per-dataset figures
    /// compared with the same model's published temperature-0.0 macro F1.
    pub fn contamination_table(&self) -> Table {
        let mut table =
            Table::new(["model (temperature)", "dataset", "dataset macro F1", "overall macro F1", "excess", "source"]);
        for entry in self.entries.iter().filter(|e| e.origin != Origin::Published) {
            for flag in contamination_flags(entry.overall.macro_f1, &entry.macro_f1_by_dataset, self.margin) {
                table.push([
                    entry.name(),
                    flag.dataset.clone(),
                    figure(flag.dataset_macro_f1),
                    figure(flag.overall_macro_f1),
                    format!("+{:.4}", flag.excess()),
                    entry.source(),
                ]);
            }
        }
        if let Some(data) = &self.published {
            for breakdown in &data.macro_f1_by_dataset {
                let Some(greedy) = data.overall.iter().find(|o| o.model == breakdown.model && o.temperature == 0.0)
                else {
                    continue;
                };
                for flag in contamination_flags(greedy.macro_f1, &breakdown.values, self.margin) {
                    table.push([
                        format!("{} ({})", breakdown.model, temperature_text(breakdown.temperature)),
                        flag.dataset.clone(),
                        format!("{:.2}", flag.dataset_macro_f1),
                        figure(flag.overall_macro_f1),
                        format!("+{:.4}", flag.excess()),
                        "paper".to_string(),
                    ]);
                }
            }
        }
        table
    }

    /// The whole leaderboard as Markdown; `images` are relative paths of the plots.
    pub fn to_markdown(&self, images: &[(String, String)]) -> String {
        let mut out = String::from("# CAMEO leaderboard\n\n");
        out.push_str("Zero-shot emotion recognition; rows ranked by macro F1. ");
        if let Some(data) = &self.published {
            out.push_str(&format!("Rows with source `paper`: {}.\n", data.source));
        } else {
            out.push('\n');
        }
        out.push_str(&format!(
            "\n## Overall (Table 4)\n\nPossible contamination: datasets whose macro F1 exceeds the \
             model's overall macro F1 by more than {:.2}.\n\n{}",
            self.margin,
            self.overall_table().to_markdown()
        ));
        out.push_str(&format!("\n## Macro F1 per language (Table 5)\n\n{}", self.language_table().to_markdown()));
        out.push_str(&format!("\n## F1 per primary emotion (Table 6)\n\n{}", self.emotion_table().to_markdown()));
        let contamination = self.contamination_table();
        out.push_str(&format!("\n## Contamination check (margin {:.2})\n\n", self.margin));
        if contamination.rows.is_empty() {
            out.push_str("No dataset exceeds its model's overall macro F1 by the margin.\n");
        } else {
            out.push_str(&contamination.to_markdown());
            if self.published.is_some() {
                out.push_str(
                    "\nPaper rows: the paper's per-dataset figures (two decimals, temperature not \
                     stated, `n/s`) against the model's published temperature-0.0 macro F1.\n",
                );
            }
        }
        if let Some(data) = &self.published {
            if !data.related.is_empty() {
                out.push_str("\n## Related baselines (not comparable: a subset only)\n\n");
                let mut table = Table::new(["model", "subset", "macro F1", "accuracy", "note"]);
                for r in &data.related {
                    table.push([
                        r.model.clone(),
                        r.subset.clone(),
                        figure(r.macro_f1),
                        figure(r.accuracy),
                        r.note.clone(),
                    ]);
                }
                out.push_str(&table.to_markdown());
            }
        }
        if !images.is_empty() {
            out.push_str("\n## Plots\n\n");
            for (title, file) in images {
                out.push_str(&format!("![{title}]({file})\n\n"));
            }
        }
        out
    }
}

/// Options of `cameo eval leaderboard`.
#[derive(Debug, Clone)]
pub struct LeaderboardOptions {
    pub reports: Vec<PathBuf>,
    pub out: PathBuf,
    pub margin: f64,
    pub include_published: bool,
    pub allow_incomplete: bool,
    /// Plots as SVG rather than PNG (the plot functions pick the backend by the file name).
    pub svg: bool,
}

/// Reads the reports, writes `leaderboard.md` and the plots into `out`; returns the Markdown.
pub fn write_leaderboard(options: &LeaderboardOptions) -> Result<String, EvalError> {
    let mut reports = Vec::new();
    for path in &options.reports {
        let report = Report::read(path)?;
        if report.missing > 0 && !options.allow_incomplete {
            return Err(EvalError::Incomplete {
                path: path.clone(),
                missing: report.missing,
                total: report.n + report.missing,
            });
        }
        reports.push((path.clone(), report));
    }
    let board = Leaderboard::new(&reports, options.include_published, options.margin);
    std::fs::create_dir_all(&options.out).map_err(|e| EvalError::io(&options.out, e))?;
    let mut images = Vec::new();
    let extension = if options.svg { "svg" } else { "png" };
    let series: Vec<BarSeries> = board
        .entries
        .iter()
        .filter(|e| !e.macro_f1_by_language.is_empty())
        .map(|e| BarSeries {
            name: format!("{}{}", e.name(), if e.origin == Origin::Published { ", paper" } else { "" }),
            values: e.macro_f1_by_language.clone(),
        })
        .collect();
    if !series.is_empty() {
        let file = format!("per_language.{extension}");
        grouped_bars(&options.out.join(&file), "Macro F1 per language", "macro F1", &series)?;
        images.push(("Macro F1 per language".to_string(), file));
    }
    let mut used = BTreeSet::new();
    for entry in &board.entries {
        let Some(matrix) = &entry.confusion else {
            continue;
        };
        let base = format!("confusion-{}", slug(&entry.name()));
        let mut file = format!("{base}.{extension}");
        let mut k = 2;
        while !used.insert(file.clone()) {
            file = format!("{base}-{k}.{extension}");
            k += 1;
        }
        let title = format!("Confusion matrix: {}", entry.name());
        confusion_heatmap(&options.out.join(&file), &title, matrix)?;
        images.push((title, file));
    }
    let markdown = board.to_markdown(&images);
    let path = options.out.join("leaderboard.md");
    std::fs::write(&path, &markdown).map_err(|e| EvalError::io(&path, e))?;
    Ok(markdown)
}

/// File-name-safe form of a row name: lower-case ASCII letters and digits, `-` elsewhere.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if c == '.' && out.chars().last().is_some_and(|l| l.is_ascii_digit()) {
            out.push('.');
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_papers_contamination_case_is_flagged() {
        let datasets: BTreeMap<String, f64> =
            [("CREMA-D", 0.80), ("RAVDESS", 0.73), ("eNTERFACE", 0.54), ("nEMO", 0.18)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
        let flags = contamination_flags(0.2023, &datasets, 0.3);
        let names: Vec<&str> = flags.iter().map(|f| f.dataset.as_str()).collect();
        assert_eq!(names, ["CREMA-D", "RAVDESS", "eNTERFACE"]);
        assert!(contamination_flags(0.2023, &datasets, 0.6).is_empty());
    }

    #[test]
    fn published_rows_rank_by_macro_f1() {
        let board = Leaderboard::new(&[], true, 0.3);
        assert_eq!(board.entries.len(), 12);
        assert_eq!(board.entries[0].name(), "Qwen2-Audio-7B-Instruct (0.0)");
        assert_eq!(board.entries[11].name(), "Ichigo-llama3.1-s-instruct-v0.4 (0.3)");
        let contamination = board.contamination_table();
        assert_eq!(contamination.rows.len(), 5);
    }

    #[test]
    fn slugs_are_file_safe() {
        assert_eq!(slug("Qwen2-Audio-7B-Instruct (0.0)"), "qwen2-audio-7b-instruct-0.0");
    }
}
