//! The paper's published figures (eval.md §4), shipped as data (`published.json`) so the
//! leaderboard can show them beside new results.
use std::collections::BTreeMap;

use serde::Deserialize;

const PUBLISHED_JSON: &str = include_str!("published.json");

#[derive(Debug, Clone, Deserialize)]
pub struct Published {
    pub source: String,
    pub overall: Vec<PublishedOverall>,
    pub macro_f1_by_language: Vec<PublishedBreakdown>,
    pub macro_f1_by_dataset: Vec<PublishedBreakdown>,
    pub related: Vec<PublishedRelated>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PublishedOverall {
    pub model: String,
    pub temperature: f64,
    pub macro_f1: f64,
    pub weighted_f1: f64,
    pub accuracy: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PublishedBreakdown {
    pub model: String,
    /// `None` where the paper does not say.
    pub temperature: Option<f64>,
    pub values: BTreeMap<String, f64>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PublishedRelated {
    pub model: String,
    pub subset: String,
    pub macro_f1: f64,
    pub accuracy: f64,
    pub note: String,
}

/// The published figures. The data is compiled in and checked by a test, so this cannot fail
/// at run time.
pub fn published() -> Published {
    serde_json::from_str(PUBLISHED_JSON).expect("src/eval/published.json is valid (tested)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_figures_load_and_match_eval_md() {
        let data = published();
        assert_eq!(data.overall.len(), 12);
        let qwen = &data.overall[0];
        assert_eq!((qwen.macro_f1, qwen.weighted_f1, qwen.accuracy), (0.2023, 0.3710, 0.3911));
        assert_eq!(data.macro_f1_by_language[0].values.len(), 8);
        assert_eq!(data.macro_f1_by_dataset[0].values["CREMA-D"], 0.80);
        assert_eq!(data.related[0].macro_f1, 0.1829);
    }
}
