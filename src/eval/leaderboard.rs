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
pub const PRIMARY_EMOTIONS: [&str; 7] = crate::record::PRIMARY_LABELS;

/// Where a leaderboard row comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// One or more score reports of the same model and temperature (runs with other seeds).
    Reports(Vec<PathBuf>),
    Published,
}

/// Sample standard deviation (n - 1 in the denominator) of the runs' values, for each
/// headline figure; `None` with a single run.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Spread {
    pub macro_f1: Option<f64>,
    pub macro_f1_gold: Option<f64>,
    pub weighted_f1: Option<f64>,
    pub accuracy: Option<f64>,
}

/// The reports of one row, with their paths.
type Runs = Vec<(PathBuf, Report)>;

/// One row: a model at a temperature, the mean over its runs.
#[derive(Debug, Clone)]
pub struct Entry {
    pub model: String,
    pub temperature: Option<f64>,
    pub origin: Origin,
    /// Number of runs averaged (1 for a single report or a published row).
    pub runs: usize,
    /// The seeds of the runs, as their reports record them.
    pub seeds: Vec<Option<u64>>,
    /// Scored samples per run (the smallest, if runs differ).
    pub n: Option<usize>,
    /// Means over the runs.
    pub overall: Summary,
    pub spread: Spread,
    pub macro_f1_by_language: BTreeMap<String, f64>,
    pub macro_f1_by_dataset: BTreeMap<String, f64>,
    /// Per dataset: (its macro F1 over its gold labels, the model's on the other datasets'
    /// samples of the same labels), when the reports have both (means over the runs).
    pub like_with_like: BTreeMap<String, (f64, f64)>,
    pub f1_by_emotion: BTreeMap<String, f64>,
    /// Summed over the runs.
    pub confusion: Option<ConfusionMatrix>,
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Sample standard deviation, as `numpy.std(values, ddof=1)`; `None` below two values.
pub fn sample_std(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let m = mean(values);
    Some((values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (values.len() - 1) as f64).sqrt())
}

/// Mean per key over the maps that have the key.
fn mean_by_key<'a>(maps: impl Iterator<Item = BTreeMap<String, f64>> + 'a) -> BTreeMap<String, f64> {
    let mut values: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for map in maps {
        for (key, value) in map {
            values.entry(key).or_default().push(value);
        }
    }
    values.into_iter().map(|(key, list)| (key, mean(&list))).collect()
}

/// Adds confusion matrices cell by cell over the union of their labels.
fn sum_confusions<'a>(matrices: impl Iterator<Item = &'a ConfusionMatrix>) -> Option<ConfusionMatrix> {
    let mut cells: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut labels: BTreeSet<String> = BTreeSet::new();
    let mut any = false;
    for matrix in matrices {
        any = true;
        labels.extend(matrix.labels.iter().cloned());
        for (i, row) in matrix.counts.iter().enumerate() {
            for (j, count) in row.iter().enumerate() {
                *cells.entry((matrix.labels[i].clone(), matrix.labels[j].clone())).or_default() += count;
            }
        }
    }
    if !any {
        return None;
    }
    let labels: Vec<String> = labels.into_iter().collect();
    let index: BTreeMap<&str, usize> = labels.iter().enumerate().map(|(i, l)| (l.as_str(), i)).collect();
    let mut counts = vec![vec![0; labels.len()]; labels.len()];
    for ((gold, predicted), count) in &cells {
        counts[index[gold.as_str()]][index[predicted.as_str()]] = *count;
    }
    Some(ConfusionMatrix { labels, counts })
}

impl Entry {
    /// The row of one or more reports of the same model and temperature.
    fn from_reports(model: String, runs: &[(PathBuf, Report)]) -> Self {
        let figures =
            |get: &dyn Fn(&Summary) -> f64| -> Vec<f64> { runs.iter().map(|(_, r)| get(&r.overall)).collect() };
        let optional = |get: &dyn Fn(&Summary) -> Option<f64>| -> Option<Vec<f64>> {
            runs.iter().map(|(_, r)| get(&r.overall)).collect()
        };
        let macro_f1 = figures(&|s| s.macro_f1);
        let weighted_f1 = figures(&|s| s.weighted_f1);
        let accuracy = figures(&|s| s.accuracy);
        let macro_f1_gold = optional(&|s| s.macro_f1_gold);
        let unknown_rate = optional(&|s| s.unknown_rate);
        Self {
            model,
            temperature: runs[0].1.temperature,
            origin: Origin::Reports(runs.iter().map(|(p, _)| p.clone()).collect()),
            runs: runs.len(),
            seeds: runs.iter().map(|(_, r)| r.seed).collect(),
            n: runs.iter().map(|(_, r)| r.n).min(),
            overall: Summary {
                macro_f1: mean(&macro_f1),
                macro_f1_gold: macro_f1_gold.as_deref().map(mean),
                weighted_f1: mean(&weighted_f1),
                accuracy: mean(&accuracy),
                unknown_rate: unknown_rate.as_deref().map(mean),
            },
            spread: Spread {
                macro_f1: sample_std(&macro_f1),
                macro_f1_gold: macro_f1_gold.as_deref().and_then(sample_std),
                weighted_f1: sample_std(&weighted_f1),
                accuracy: sample_std(&accuracy),
            },
            macro_f1_by_language: mean_by_key(
                runs.iter().map(|(_, r)| r.by_language.iter().map(|(k, v)| (k.clone(), v.macro_f1)).collect()),
            ),
            macro_f1_by_dataset: mean_by_key(
                runs.iter().map(|(_, r)| r.by_dataset.iter().map(|(k, v)| (k.clone(), v.macro_f1)).collect()),
            ),
            like_with_like: {
                let own = mean_by_key(runs.iter().map(|(_, r)| {
                    r.by_dataset.iter().filter_map(|(k, v)| Some((k.clone(), v.macro_f1_gold?))).collect()
                }));
                let others = mean_by_key(runs.iter().map(|(_, r)| {
                    r.by_dataset.iter().filter_map(|(k, v)| Some((k.clone(), v.others_macro_f1_gold?))).collect()
                }));
                own.into_iter().filter_map(|(k, a)| others.get(&k).map(|&b| (k, (a, b)))).collect()
            },
            f1_by_emotion: mean_by_key(
                runs.iter().map(|(_, r)| r.by_emotion.iter().map(|(k, v)| (k.clone(), v.f1)).collect()),
            ),
            confusion: sum_confusions(runs.iter().filter_map(|(_, r)| r.confusion.overall.as_ref())),
        }
    }

    /// Datasets flagged as possibly seen in training. Like with like where the reports allow
    /// it: a dataset's macro F1 over its gold labels against the model's on the other
    /// datasets' samples of the same labels; otherwise (older reports) a dataset's macro F1
    /// against the model's overall macro F1, as the paper's figures allow.
    pub fn flags(&self, margin: f64) -> Vec<Flag> {
        let mut flags: Vec<Flag> = self
            .like_with_like
            .iter()
            .filter(|(_, (own, others))| own - others > margin)
            .map(|(dataset, &(own, others))| Flag {
                dataset: dataset.clone(),
                dataset_macro_f1: own,
                reference_macro_f1: others,
            })
            .collect();
        let rest: BTreeMap<String, f64> = self
            .macro_f1_by_dataset
            .iter()
            .filter(|(k, _)| !self.like_with_like.contains_key(*k))
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        flags.extend(contamination_flags(self.overall.macro_f1, &rest, margin));
        flags.sort_by(|a, b| a.dataset.cmp(&b.dataset));
        flags
    }

    /// `model (temperature)`, as the paper names rows.
    pub fn name(&self) -> String {
        format!("{} ({})", self.model, temperature_text(self.temperature))
    }

    fn source(&self) -> String {
        match &self.origin {
            Origin::Reports(paths) => paths
                .iter()
                .map(|p| p.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default())
                .collect::<Vec<_>>()
                .join(" "),
            Origin::Published => "paper".to_string(),
        }
    }
}

/// A mean with its spread: `0.2023 ± 0.0012`, or the mean alone for one run.
fn with_spread(mean: f64, std: Option<f64>) -> String {
    match std {
        Some(std) => format!("{} ± {}", figure(mean), figure(std)),
        None => figure(mean),
    }
}

fn temperature_text(temperature: Option<f64>) -> String {
    temperature.map_or_else(|| "n/s".to_string(), |t| format!("{t:.1}"))
}

/// A dataset whose macro F1 exceeds its reference (see [`Entry::flags`]) by more than the
/// margin.
#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    pub dataset: String,
    pub dataset_macro_f1: f64,
    /// The figure it is compared with.
    pub reference_macro_f1: f64,
}

impl Flag {
    fn excess(&self) -> f64 {
        self.dataset_macro_f1 - self.reference_macro_f1
    }
}

/// Datasets of `by_dataset` above `overall + margin`, sorted by name.
pub fn contamination_flags(overall: f64, by_dataset: &BTreeMap<String, f64>, margin: f64) -> Vec<Flag> {
    by_dataset
        .iter()
        .filter(|(_, &f1)| f1 - overall > margin)
        .map(|(dataset, &f1)| Flag { dataset: dataset.clone(), dataset_macro_f1: f1, reference_macro_f1: overall })
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
    /// Groups the reports by model and temperature (their runs are averaged) and adds the
    /// published rows.
    pub fn new(reports: &[(PathBuf, Report)], include_published: bool, margin: f64) -> Self {
        let mut groups: Vec<(String, Option<f64>, Runs)> = Vec::new();
        for (path, report) in reports {
            let model = report.model.clone().unwrap_or_else(|| {
                path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
            });
            let same = |t: Option<f64>| t.map(f64::to_bits) == report.temperature.map(f64::to_bits);
            match groups.iter_mut().find(|(m, t, _)| *m == model && same(*t)) {
                Some((_, _, runs)) => runs.push((path.clone(), report.clone())),
                None => groups.push((model, report.temperature, vec![(path.clone(), report.clone())])),
            }
        }
        // Runs in a fixed order (seed, then path), so that the sums behind the means, and so
        // every output byte, do not depend on the order the reports were given in.
        let mut entries: Vec<Entry> = groups
            .into_iter()
            .map(|(model, _, mut runs)| {
                runs.sort_by(|(pa, a), (pb, b)| a.seed.cmp(&b.seed).then_with(|| pa.cmp(pb)));
                Entry::from_reports(model, &runs)
            })
            .collect();
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
                    runs: 1,
                    seeds: vec![None],
                    n: Some(41_265),
                    overall: Summary {
                        macro_f1: row.macro_f1,
                        macro_f1_gold: None,
                        weighted_f1: row.weighted_f1,
                        accuracy: row.accuracy,
                        unknown_rate: None,
                    },
                    spread: Spread::default(),
                    macro_f1_by_language: by_language,
                    macro_f1_by_dataset: BTreeMap::new(),
                    like_with_like: BTreeMap::new(),
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
            "macro F1 (gold)",
            "weighted F1",
            "accuracy",
            "unknown rate",
            "runs",
            "n",
            "source",
            "possible contamination",
        ]);
        for entry in &self.entries {
            let flags = entry.flags(self.margin);
            let flagged = if entry.origin == Origin::Published {
                "–".to_string()
            } else if flags.is_empty() {
                "none".to_string()
            } else {
                flags.iter().map(|f| format!("{} {:.2}", f.dataset, f.dataset_macro_f1)).collect::<Vec<_>>().join(", ")
            };
            let gold = entry
                .overall
                .macro_f1_gold
                .map_or_else(|| "–".to_string(), |m| with_spread(m, entry.spread.macro_f1_gold));
            table.push([
                entry.name(),
                with_spread(entry.overall.macro_f1, entry.spread.macro_f1),
                gold,
                with_spread(entry.overall.weighted_f1, entry.spread.weighted_f1),
                with_spread(entry.overall.accuracy, entry.spread.accuracy),
                entry.overall.unknown_rate.map_or_else(|| "–".to_string(), figure),
                entry.runs.to_string(),
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
            Table::new(["model (temperature)", "dataset", "dataset macro F1", "compared with", "excess", "source"]);
        for entry in self.entries.iter().filter(|e| e.origin != Origin::Published) {
            for flag in entry.flags(self.margin) {
                table.push([
                    entry.name(),
                    flag.dataset.clone(),
                    figure(flag.dataset_macro_f1),
                    figure(flag.reference_macro_f1),
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
                        figure(flag.reference_macro_f1),
                        format!("+{:.4}", flag.excess()),
                        "paper".to_string(),
                    ]);
                }
            }
        }
        table
    }

    /// `leaderboard.json`: every row with its means, spreads, runs and seeds, in rank order.
    pub fn to_json(&self) -> serde_json::Value {
        let stat = |mean: Option<f64>, std: Option<f64>| match mean {
            Some(mean) => serde_json::json!({"mean": mean, "std": std}),
            None => serde_json::Value::Null,
        };
        let rows: Vec<serde_json::Value> = self
            .entries
            .iter()
            .map(|e| {
                let flags = if e.origin == Origin::Published {
                    Vec::new()
                } else {
                    e.flags(self.margin)
                };
                serde_json::json!({
                    "model": e.model,
                    "temperature": e.temperature,
                    "source": if e.origin == Origin::Published { "paper" } else { "reports" },
                    "reports": match &e.origin {
                        Origin::Reports(paths) => paths.iter().map(|p| p.display().to_string()).collect(),
                        Origin::Published => Vec::new(),
                    },
                    "runs": e.runs,
                    "seeds": e.seeds,
                    "n": e.n,
                    "macro_f1": stat(Some(e.overall.macro_f1), e.spread.macro_f1),
                    "macro_f1_gold": stat(e.overall.macro_f1_gold, e.spread.macro_f1_gold),
                    "weighted_f1": stat(Some(e.overall.weighted_f1), e.spread.weighted_f1),
                    "accuracy": stat(Some(e.overall.accuracy), e.spread.accuracy),
                    "unknown_rate": e.overall.unknown_rate,
                    "macro_f1_by_language": e.macro_f1_by_language,
                    "macro_f1_by_dataset": e.macro_f1_by_dataset,
                    "f1_by_emotion": e.f1_by_emotion,
                    "possible_contamination": flags.iter().map(|f| serde_json::json!({
                        "dataset": f.dataset, "dataset_macro_f1": f.dataset_macro_f1, "reference_macro_f1": f.reference_macro_f1,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        serde_json::json!({
            "ranked_by": "macro_f1",
            "std": "sample standard deviation over runs (n - 1); null for a single run",
            "contamination_margin": self.margin,
            "entries": rows,
        })
    }

    /// `leaderboard.csv`: one row per entry, means and spreads at full precision (empty
    /// cells where a figure does not exist).
    pub fn to_csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let cell = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        let header = [
            "model",
            "temperature",
            "source",
            "runs",
            "n",
            "macro_f1",
            "macro_f1_std",
            "macro_f1_gold",
            "macro_f1_gold_std",
            "weighted_f1",
            "weighted_f1_std",
            "accuracy",
            "accuracy_std",
            "unknown_rate",
        ];
        writer.write_record(header).expect("writing to memory");
        for e in &self.entries {
            writer
                .write_record([
                    e.model.clone(),
                    cell(e.temperature),
                    if e.origin == Origin::Published { "paper".to_string() } else { e.source() },
                    e.runs.to_string(),
                    e.n.map(|n| n.to_string()).unwrap_or_default(),
                    e.overall.macro_f1.to_string(),
                    cell(e.spread.macro_f1),
                    cell(e.overall.macro_f1_gold),
                    cell(e.spread.macro_f1_gold),
                    e.overall.weighted_f1.to_string(),
                    cell(e.spread.weighted_f1),
                    e.overall.accuracy.to_string(),
                    cell(e.spread.accuracy),
                    cell(e.overall.unknown_rate),
                ])
                .expect("writing to memory");
        }
        String::from_utf8(writer.into_inner().expect("writing to memory")).expect("CSV of UTF-8 cells")
    }

    /// The whole leaderboard as Markdown; `images` are relative paths of the plots.
    pub fn to_markdown(&self, images: &[(String, String)]) -> String {
        let mut out = String::from("# CAMEO leaderboard\n\n");
        out.push_str(
            "Zero-shot emotion recognition; rows ranked by macro F1 over the union of gold and predicted \
             labels (scikit-learn's default, the paper's convention); `macro F1 (gold)` averages over the \
             gold labels only. Several runs of a model at one temperature show mean ± sample standard \
             deviation, with their number in `runs`. ",
        );
        if let Some(data) = &self.published {
            out.push_str(&format!("Rows with source `paper`: {}.\n", data.source));
        } else {
            out.push('\n');
        }
        out.push_str(&format!(
            "\n## Overall (Table 4)\n\nPossible contamination: datasets where the model does better than \
             elsewhere by more than {:.2} macro F1. Like with like where the report allows: the \
             dataset's macro F1 over its gold labels against the model's on the other datasets' \
             samples of the same labels; for reports without that figure and for the paper's rows, \
             the dataset's macro F1 against the model's overall macro F1.\n\n{}",
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
    let mut reports: Vec<(PathBuf, Report)> = Vec::new();
    for path in &options.reports {
        let report = Report::read(path)?;
        if (report.missing > 0 || report.failed > 0) && !options.allow_incomplete {
            return Err(EvalError::IncompleteReport {
                path: path.clone(),
                missing: report.missing,
                failed: report.failed,
                total: report.n + report.missing + report.failed,
            });
        }
        check_same_run_settings(&reports, path, &report)?;
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
    let path = options.out.join("leaderboard.json");
    let mut json = serde_json::to_string_pretty(&board.to_json()).expect("a leaderboard serialises");
    json.push('\n');
    std::fs::write(&path, json).map_err(|e| EvalError::io(&path, e))?;
    let path = options.out.join("leaderboard.csv");
    std::fs::write(&path, board.to_csv()).map_err(|e| EvalError::io(&path, e))?;
    Ok(markdown)
}

/// Runs averaged into one row must have been asked and scored alike, and must be different
/// runs: the same template and label scope, and no seed twice.
fn check_same_run_settings(earlier: &[(PathBuf, Report)], path: &Path, report: &Report) -> Result<(), EvalError> {
    let text = |value: &Option<String>| value.clone().unwrap_or_else(|| "not recorded".to_string());
    for (first_path, first) in earlier {
        let same_row = first.model.is_some()
            && first.model == report.model
            && first.temperature.map(f64::to_bits) == report.temperature.map(f64::to_bits);
        if !same_row {
            continue;
        }
        for (column, this, that) in [
            ("template_version", &report.template_version, &first.template_version),
            ("labels_scope", &report.labels_scope, &first.labels_scope),
        ] {
            if this != that {
                return Err(EvalError::MixedRuns {
                    path: path.to_path_buf(),
                    column,
                    this: text(this),
                    first: text(that),
                    first_path: first_path.clone(),
                });
            }
        }
        if let (Some(seed), Some(other)) = (report.seed, first.seed) {
            if seed == other {
                return Err(EvalError::SameSeedTwice {
                    path: path.to_path_buf(),
                    model: report.model.clone().unwrap_or_default(),
                    temperature: temperature_text(report.temperature),
                    seed,
                    first_path: first_path.clone(),
                });
            }
        }
    }
    Ok(())
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
