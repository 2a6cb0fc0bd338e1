//! Classification metrics (eval.md §3), computed the way scikit-learn does: accuracy, per-class
//! precision/recall/F1 with zero division counted as 0, macro and support-weighted F1 over the
//! union of gold and predicted labels, macro F1 over the gold labels only (scikit-learn's
//! `labels=sorted(set(gold))`), and the confusion matrix.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::parse::UNKNOWN;

/// Precision, recall and F1 of one class, and its gold support.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassScores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

/// All figures of one set of (gold, predicted) pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    pub n: usize,
    pub accuracy: f64,
    /// Mean F1 over the union of gold and predicted labels (scikit-learn's default).
    pub macro_f1: f64,
    /// Mean F1 over the gold labels only: a predicted label absent from the gold set (such as
    /// `unknown`) lowers precision of no class and adds no class of F1 0.
    pub macro_f1_gold: f64,
    pub weighted_f1: f64,
    /// Share of predictions that are `unknown`.
    pub unknown_rate: f64,
    /// Every label of the union of gold and predicted labels, sorted.
    pub classes: BTreeMap<String, ClassScores>,
}

#[derive(Default, Clone, Copy)]
struct Counts {
    true_positive: usize,
    gold: usize,
    predicted: usize,
}

fn divide(numerator: usize, denominator: usize) -> f64 {
    if denominator == 0 {
        0.0
    } else {
        numerator as f64 / denominator as f64
    }
}

impl Metrics {
    /// Computes the metrics of `(gold, predicted)` pairs. An empty input gives all zeros.
    pub fn compute<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut counts: BTreeMap<&str, Counts> = BTreeMap::new();
        let mut n = 0;
        let mut correct = 0;
        for (gold, predicted) in pairs {
            n += 1;
            counts.entry(gold).or_default().gold += 1;
            counts.entry(predicted).or_default().predicted += 1;
            if gold == predicted {
                correct += 1;
                counts.entry(gold).or_default().true_positive += 1;
            }
        }
        let classes: BTreeMap<String, ClassScores> = counts
            .iter()
            .map(|(label, c)| {
                let scores = ClassScores {
                    precision: divide(c.true_positive, c.predicted),
                    recall: divide(c.true_positive, c.gold),
                    // scikit-learn: F1 = 2 tp / (gold + predicted), 0 when both are 0.
                    f1: divide(2 * c.true_positive, c.gold + c.predicted),
                    support: c.gold,
                };
                (label.to_string(), scores)
            })
            .collect();
        let f1_sum: f64 = classes.values().map(|c| c.f1).sum();
        let weighted_sum: f64 = classes.values().map(|c| c.f1 * c.support as f64).sum();
        let macro_f1 = if classes.is_empty() { 0.0 } else { f1_sum / classes.len() as f64 };
        let gold: Vec<f64> = classes.values().filter(|c| c.support > 0).map(|c| c.f1).collect();
        let macro_f1_gold = if gold.is_empty() { 0.0 } else { gold.iter().sum::<f64>() / gold.len() as f64 };
        let weighted_f1 = if n == 0 { 0.0 } else { weighted_sum / n as f64 };
        let unknown = counts.get(UNKNOWN).map_or(0, |c| c.predicted);
        Self {
            n,
            accuracy: divide(correct, n),
            macro_f1,
            macro_f1_gold,
            weighted_f1,
            unknown_rate: divide(unknown, n),
            classes,
        }
    }
}

/// Counts of (gold row, predicted column) over the sorted union of labels, as
/// scikit-learn's `confusion_matrix`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    pub labels: Vec<String>,
    /// `counts[i][j]`: samples of gold label `labels[i]` predicted as `labels[j]`.
    pub counts: Vec<Vec<usize>>,
}

impl ConfusionMatrix {
    pub fn compute<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut cells: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        let mut labels: BTreeMap<&str, usize> = BTreeMap::new();
        for (gold, predicted) in pairs {
            *cells.entry((gold, predicted)).or_default() += 1;
            labels.insert(gold, 0);
            labels.insert(predicted, 0);
        }
        for (index, slot) in labels.values_mut().enumerate() {
            *slot = index;
        }
        let mut counts = vec![vec![0; labels.len()]; labels.len()];
        for ((gold, predicted), count) in cells {
            counts[labels[gold]][labels[predicted]] = count;
        }
        Self { labels: labels.keys().map(|l| l.to_string()).collect(), counts }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOLD: [&str; 12] = [
        "anger",
        "anger",
        "anger",
        "fear",
        "fear",
        "happiness",
        "happiness",
        "neutral",
        "neutral",
        "neutral",
        "sadness",
        "calm",
    ];
    const PRED: [&str; 12] = [
        "anger",
        "fear",
        "unknown",
        "fear",
        "anger",
        "happiness",
        "neutral",
        "neutral",
        "neutral",
        "sadness",
        "sadness",
        "surprise",
    ];

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12
    }

    /// Expected values computed once with scikit-learn 1.9.1 (Python 3.11):
    /// ```python
    /// from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
    /// gold = ["anger","anger","anger","fear","fear","happiness","happiness","neutral","neutral",
    ///         "neutral","sadness","calm"]
    /// pred = ["anger","fear","unknown","fear","anger","happiness","neutral","neutral","neutral",
    ///         "sadness","sadness","surprise"]
    /// print(repr(accuracy_score(gold, pred)), repr(f1_score(gold, pred, average="macro")),
    ///       repr(f1_score(gold, pred, average="weighted")),
    ///       repr(f1_score(gold, pred, labels=sorted(set(gold)), average="macro")))
    /// labels = sorted(set(gold) | set(pred))
    /// p, r, f, s = precision_recall_fscore_support(gold, pred, labels=labels, zero_division=0)
    /// for row in zip(labels, p, r, f, s): print(row)
    /// ```
    #[test]
    fn matches_scikit_learn() {
        let metrics = Metrics::compute(GOLD.iter().copied().zip(PRED.iter().copied()));
        assert_eq!(metrics.n, 12);
        assert!(close(metrics.accuracy, SK_ACCURACY), "{}", metrics.accuracy);
        assert!(close(metrics.macro_f1, SK_MACRO), "{}", metrics.macro_f1);
        assert!(close(metrics.weighted_f1, SK_WEIGHTED), "{}", metrics.weighted_f1);
        assert!(close(metrics.macro_f1_gold, SK_MACRO_GOLD), "{}", metrics.macro_f1_gold);
        assert!(close(metrics.unknown_rate, 1.0 / 12.0));
        let labels: Vec<&str> = metrics.classes.keys().map(String::as_str).collect();
        let expected: Vec<&str> = SK_CLASSES.iter().map(|c| c.0).collect();
        assert_eq!(labels, expected);
        for (label, precision, recall, f1, support) in SK_CLASSES {
            let got = metrics.classes[label];
            assert!(close(got.precision, precision), "{label} precision");
            assert!(close(got.recall, recall), "{label} recall");
            assert!(close(got.f1, f1), "{label} f1");
            assert_eq!(got.support, support, "{label} support");
        }
    }

    const SK_ACCURACY: f64 = 0.5;
    const SK_MACRO: f64 = 0.36249999999999993;
    const SK_WEIGHTED: f64 = 0.5166666666666666;
    const SK_MACRO_GOLD: f64 = 0.48333333333333334;
    const SK_CLASSES: [(&str, f64, f64, f64, usize); 8] = [
        ("anger", 0.5, 0.3333333333333333, 0.4, 3),
        ("calm", 0.0, 0.0, 0.0, 1),
        ("fear", 0.5, 0.5, 0.5, 2),
        ("happiness", 1.0, 0.5, 0.6666666666666666, 2),
        ("neutral", 0.6666666666666666, 0.6666666666666666, 0.6666666666666666, 3),
        ("sadness", 0.5, 1.0, 0.6666666666666666, 1),
        ("surprise", 0.0, 0.0, 0.0, 0),
        ("unknown", 0.0, 0.0, 0.0, 0),
    ];

    #[test]
    fn confusion_matrix_rows_are_gold_columns_predicted() {
        let matrix = ConfusionMatrix::compute([("a", "a"), ("a", "b"), ("b", "b"), ("c", "a")]);
        assert_eq!(matrix.labels, vec!["a", "b", "c"]);
        assert_eq!(matrix.counts, vec![vec![1, 1, 0], vec![0, 1, 0], vec![1, 0, 0]]);
    }

    /// The issue's CREMA-D case: 6 labels, 10 samples each, 59 of 60 right and one answer
    /// mapped to unknown. scikit-learn:
    /// `f1_score(g, p, average="macro")` and `f1_score(g, p, labels=sorted(set(g)), average="macro")`.
    #[test]
    fn one_unknown_answer_and_both_macro_conventions() {
        let labels = ["anger", "disgust", "fear", "happiness", "neutral", "sadness"];
        let gold: Vec<&str> = (0..60).map(|i| labels[i / 10]).collect();
        let mut pred = gold.clone();
        pred[59] = UNKNOWN;
        let metrics = Metrics::compute(gold.iter().copied().zip(pred.iter().copied()));
        assert!(close(metrics.macro_f1, SK_CREMA_UNION), "{}", metrics.macro_f1);
        assert!(close(metrics.macro_f1_gold, SK_CREMA_GOLD), "{}", metrics.macro_f1_gold);
        assert!(close(metrics.unknown_rate, 1.0 / 60.0));
    }

    const SK_CREMA_UNION: f64 = 0.849624060150376;
    const SK_CREMA_GOLD: f64 = 0.9912280701754387;

    #[test]
    fn empty_input_gives_zeros() {
        let metrics = Metrics::compute(std::iter::empty());
        assert_eq!(metrics.n, 0);
        assert_eq!(metrics.macro_f1, 0.0);
        assert_eq!(metrics.accuracy, 0.0);
    }
}
