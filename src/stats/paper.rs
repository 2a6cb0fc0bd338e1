//! The paper's figures for the whole collection (CAMEO, section 3.2, as cameo-format.md quotes
//! them) beside a build's own: samples, the shares with a speaker id and with a gender, the
//! female and male shares, the seven primary emotions' share and the English share. A full
//! build that follows the published release's value conventions agrees with every one.
use super::{percent, Stats};
use serde::Serialize;

/// Samples of the published release.
pub const SAMPLES: usize = 41_265;

/// How the paper states a figure, and so when a build agrees with it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Claim {
    /// An exact count.
    Count(usize),
    /// A percentage to one decimal: the build's share rounds to it.
    Percent(f64),
    /// "over N%".
    Over(f64),
    /// "about N%": within one percentage point.
    About(f64),
}

impl Claim {
    fn holds(self, build: f64) -> bool {
        match self {
            Claim::Count(count) => build == count as f64,
            // Compared in tenths of a percent, so 94.53 agrees with 94.5 and 94.56 does not.
            Claim::Percent(share) => (build * 10.0).round() == (share * 10.0).round(),
            Claim::Over(share) => build > share,
            Claim::About(share) => (build - share).abs() <= 1.0,
        }
    }

    /// The figure as the paper words it.
    pub fn text(self) -> String {
        match self {
            Claim::Count(count) => thousands(count),
            Claim::Percent(share) => format!("{share:.1}%"),
            Claim::Over(share) => format!("over {share:.0}%"),
            Claim::About(share) => format!("about {share:.1}%"),
        }
    }
}

/// One figure: the paper's claim, the build's value (a count or a percentage) and whether
/// they agree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    pub name: &'static str,
    pub paper: Claim,
    pub build: f64,
    pub agrees: bool,
}

/// The paper's figures beside the build's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub figures: Vec<Figure>,
    /// Corpora of the published release that the build lacks (the paper's figures are for
    /// all 13).
    pub missing_corpora: Vec<String>,
}

/// Compares a build's figures with the paper's; `splits` are the build's split ids.
pub fn compare(stats: &Stats, splits: &[&str]) -> Comparison {
    let n = stats.samples;
    let all = &stats.overall;
    let primary: usize = stats
        .emotions
        .iter()
        .filter(|count| crate::record::PRIMARY_LABELS.contains(&count.name.as_str()))
        .map(|count| count.samples)
        .sum();
    let english = stats.languages.iter().find(|group| group.name == "English").map_or(0, |group| group.samples);
    let figures = [
        ("samples", Claim::Count(SAMPLES), n as f64),
        ("with a speaker id", Claim::Percent(94.5), percent(all.with_speaker_id, n)),
        ("with a gender", Claim::Percent(92.9), percent(all.with_gender, n)),
        ("female", Claim::Percent(43.6), percent(all.female, n)),
        ("male", Claim::Percent(49.3), percent(all.male, n)),
        ("seven primary emotions", Claim::Over(93.0), percent(primary, n)),
        ("English", Claim::About(100.0 / 3.0), percent(english, n)),
    ]
    .into_iter()
    .map(|(name, paper, build)| Figure { name, paper, build, agrees: paper.holds(build) })
    .collect();
    let missing_corpora = crate::corpora::Registry::builtin()
        .iter()
        .map(|entry| entry.id.clone())
        .filter(|id| !splits.contains(&id.as_str()))
        .collect();
    Comparison { figures, missing_corpora }
}

fn thousands(count: usize) -> String {
    let digits = count.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The comparison as a plain-text table.
fn text_of_comparison(comparison: &Comparison) -> String {
    let mut out = format!("\n{:<24} {:>12} {:>11}\n", "the paper's figures", "paper", "this build");
    for figure in &comparison.figures {
        let build = match figure.paper {
            Claim::Count(_) => thousands(figure.build as usize),
            _ => format!("{:.1}%", figure.build),
        };
        let verdict = if figure.agrees { "agrees" } else { "DIFFERS" };
        out.push_str(&format!("{:<24} {:>12} {:>11}  {verdict}\n", figure.name, figure.paper.text(), build));
    }
    if !comparison.missing_corpora.is_empty() {
        out.push_str(&format!(
            "(the paper's figures are for all 13 corpora; this build lacks {})\n",
            comparison.missing_corpora.join(", ")
        ));
    } else if comparison.figures.iter().any(|figure| figure.paper == Claim::Count(SAMPLES) && !figure.agrees) {
        out.push_str("(the paper's figures are for the complete corpora; this build holds part of them)\n");
    }
    out
}

impl std::fmt::Display for Comparison {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&text_of_comparison(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_hold_as_the_paper_words_them() {
        assert!(Claim::Percent(94.5).holds(100.0 * 39_007.0 / 41_265.0));
        assert!(!Claim::Percent(94.5).holds(100.0 * 39_869.0 / 41_265.0));
        assert!(Claim::Percent(92.9).holds(92.88) && !Claim::Percent(92.9).holds(92.96));
        assert!(Claim::Over(93.0).holds(93.1) && !Claim::Over(93.0).holds(93.0));
        assert!(Claim::About(100.0 / 3.0).holds(33.31) && !Claim::About(100.0 / 3.0).holds(34.4));
        assert!(Claim::Count(41_265).holds(41_265.0) && !Claim::Count(41_265).holds(41_264.0));
        assert_eq!(Claim::Count(41_265).text(), "41,265");
        assert_eq!(Claim::About(100.0 / 3.0).text(), "about 33.3%");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }

    fn record(split: &str) -> crate::record::Record {
        crate::record::Record {
            file_id: format!("{split}.flac"),
            audio: format!("audio/{split}/{split}.flac"),
            emotion: crate::record::Emotion::Calm,
            transcription: None,
            speaker_id: None,
            gender: None,
            age: None,
            dataset: split.into(),
            language: "English".into(),
            license: "MIT".into(),
            duration: 1.0,
            source: "a.wav".into(),
            transcription_source: None,
        }
    }

    #[test]
    fn a_partial_build_says_why_its_figures_differ() {
        let two = [record("cafe"), record("mesd")];
        let text = super::super::compute(&two).paper.to_string();
        let has_row = |row: &str| text.lines().any(|line| line.split_whitespace().collect::<Vec<_>>().join(" ") == row);
        assert!(has_row("samples 41,265 2 DIFFERS"), "{text}");
        assert!(has_row("seven primary emotions over 93% 0.0% DIFFERS"), "{text}");
        assert!(has_row("English about 33.3% 100.0% DIFFERS"), "{text}");
        let missing =
            "crema_d, emns, emozionalmente, enterface, jl_corpus, nemo, oreau, pavoque, ravdess, resd, subesco";
        assert!(text.ends_with(&format!("this build lacks {missing})\n")), "{text}");
        let all: Vec<_> = crate::corpora::Registry::builtin().iter().map(|entry| record(&entry.id)).collect();
        let text = super::super::compute(&all).paper.to_string();
        assert!(text.ends_with("(the paper's figures are for the complete corpora; this build holds part of them)\n"));
    }
}
