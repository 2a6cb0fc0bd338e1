//! Post-processing (eval.md §2): maps a free-text model answer to one candidate label, using
//! exact match first and then Levenshtein-ratio voting over the answer's words.
use std::collections::BTreeSet;
use std::sync::OnceLock;

use regex::Regex;

use super::error::EvalError;

/// The label given when no candidate label gets any vote.
pub const UNKNOWN: &str = "unknown";

/// Word scores below this are dropped (a score of exactly 4/7 = 0.5714 is kept).
pub const THRESHOLD: f64 = 0.57;

/// `ratio(a, b) = 2 * LCS(a, b) / (|a| + |b|)` over Unicode scalar values: the normalised
/// indel similarity of python-Levenshtein's `ratio`. Two empty strings have ratio 1.0.
pub fn ratio(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    ratio_chars(&a, &b)
}

fn ratio_chars(a: &[char], b: &[char]) -> f64 {
    let total = a.len() + b.len();
    if total == 0 {
        return 1.0;
    }
    (2 * lcs_len(a, b)) as f64 / total as f64
}

/// Length of the longest common subsequence, one rolling row of `b.len() + 1` cells.
fn lcs_len(a: &[char], b: &[char]) -> usize {
    let mut row = vec![0usize; b.len() + 1];
    for &ca in a {
        let mut diagonal = 0;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == cb { diagonal + 1 } else { above.max(row[j]) };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Whitespace as Python's `str.isspace` (and so `str.split()`, `str.strip()` and `re`'s `\s`)
/// sees it: Unicode White_Space plus the separators U+001C..U+001F, which Rust's
/// `char::is_whitespace` leaves out.
pub fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Lower-cases, deletes every character that Python's `re` would match with `[^\w\s]`
/// (`\w` there is letters, numbers and underscore; unlike Rust's `\w` it excludes combining
/// marks; `\s` includes U+001C..U+001F), and splits on whitespace as `str.split()` does.
pub fn normalise(response: &str) -> Vec<String> {
    static PUNCTUATION: OnceLock<Regex> = OnceLock::new();
    let punctuation = PUNCTUATION.get_or_init(|| Regex::new(r"[^\p{L}\p{N}_\s\x1C-\x1F]").expect("valid regex"));
    let lowered = response.to_lowercase();
    punctuation.replace_all(&lowered, "").split(is_python_space).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

/// A candidate label set prepared for parsing many responses: sorted, with each label's
/// characters decoded once.
#[derive(Debug, Clone)]
pub struct LabelSet {
    labels: Vec<String>,
    chars: Vec<Vec<char>>,
}

impl LabelSet {
    /// Sorts and de-duplicates the labels (duplicates are harmless here; the CLI rejects them
    /// earlier with [`parse_label_list`]).
    pub fn new<I, S>(labels: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let labels: Vec<String> = labels.into_iter().map(Into::into).collect::<BTreeSet<_>>().into_iter().collect();
        let chars = labels.iter().map(|l| l.chars().collect()).collect();
        Self { labels, chars }
    }

    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The label post-processing picks for `response`, or [`UNKNOWN`].
    pub fn pick(&self, response: &str) -> &str {
        let exact = response.trim_matches(is_python_space).to_lowercase();
        if let Some(label) = self.labels.iter().find(|l| **l == exact) {
            return label;
        }
        let words: Vec<Vec<char>> = normalise(response).iter().map(|w| w.chars().collect()).collect();
        let mut best: Option<(usize, f64)> = None;
        for (index, label) in self.chars.iter().enumerate() {
            let score: f64 = words.iter().map(|word| ratio_chars(label, word)).filter(|&s| s >= THRESHOLD).sum();
            // Labels are sorted, so a strict `>` sends ties to the alphabetically first one.
            if score > 0.0 && best.is_none_or(|(_, top)| score > top) {
                best = Some((index, score));
            }
        }
        match best {
            Some((index, _)) => &self.labels[index],
            None => UNKNOWN,
        }
    }
}

/// The label post-processing picks for `response` among `labels`.
pub fn parse_response(response: &str, labels: &[String]) -> String {
    LabelSet::new(labels.iter().cloned()).pick(response).to_string()
}

/// Splits a `--labels a,b,c` argument into lower-case labels (answers are lower-cased before
/// matching, so an upper-case label could never match exactly); an empty or repeated label
/// is an error.
pub fn parse_label_list(text: &str) -> Result<Vec<String>, EvalError> {
    let mut labels: Vec<String> = Vec::new();
    for (index, raw) in text.split(',').enumerate() {
        let label = raw.trim_matches(is_python_space).to_lowercase();
        if label.is_empty() {
            return Err(EvalError::EmptyLabel { position: index + 1 });
        }
        if let Some(first) = labels.iter().position(|l| *l == label) {
            return Err(EvalError::DuplicateLabel { label, first: first + 1, second: index + 1 });
        }
        labels.push(label);
    }
    Ok(labels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn labels(list: &str) -> Vec<String> {
        list.split(',').map(str::to_string).collect()
    }

    /// Table 3 of the seed paper, to four decimals.
    #[test]
    fn table_3_ratios() {
        let table = [
            ("anger", "angry", 0.8000),
            ("disgust", "disgusted", 0.8750),
            ("fear", "fearful", 0.7273),
            ("happiness", "happy", 0.5714),
            ("neutrality", "neutral", 0.8235),
            ("sadness", "sad", 0.6000),
            ("surprise", "surprised", 0.9412),
        ];
        for (a, b, expected) in table {
            let got = ratio(a, b);
            assert!((got - expected).abs() < 0.00005, "ratio({a}, {b}) = {got}, expected {expected}");
        }
    }

    #[test]
    fn happiness_happy_survives_the_threshold() {
        assert!(ratio("happiness", "happy") >= THRESHOLD);
        let set = LabelSet::new(["anger", "happiness", "sadness"]);
        assert_eq!(set.pick("I'd say happy!"), "happiness");
    }

    #[test]
    fn worked_example() {
        let set = LabelSet::new(labels("anger,disgust,fear,happiness,neutral,sadness,surprise"));
        assert!((ratio("anger", "answer") - 0.7273).abs() < 0.00005);
        assert!((ratio("happiness", "sadness") - 0.625).abs() < 1e-12);
        assert_eq!(set.pick("The answer is sadness."), "sadness");
    }

    #[test]
    fn exact_match_wins_after_trim_and_lowercase() {
        let set = LabelSet::new(["fear", "neutral"]);
        assert_eq!(set.pick("  Neutral \n"), "neutral");
    }

    #[test]
    fn ties_go_to_the_alphabetically_first_label() {
        // "ab" scores 0.8 against both "abc" and "abd".
        let set = LabelSet::new(["abd", "abc"]);
        assert_eq!(set.pick("ab"), "abc");
    }

    #[test]
    fn nothing_surviving_gives_unknown() {
        let set = LabelSet::new(["anger", "fear"]);
        assert_eq!(set.pick("I cannot tell."), UNKNOWN);
        assert_eq!(set.pick(""), UNKNOWN);
        assert_eq!(set.pick("!!!"), UNKNOWN);
    }

    #[test]
    fn votes_add_up_over_words() {
        // "fear" once (1.0) loses to "anger" voted by "angry" and "anger" (0.8 + 1.0).
        let set = LabelSet::new(["anger", "fear"]);
        assert_eq!(set.pick("fear? no: angry, anger"), "anger");
    }

    #[test]
    fn normalise_drops_punctuation_but_keeps_letters_digits_underscore() {
        assert_eq!(normalise("Émotion: TRISTE!! (état_2)"), vec!["émotion", "triste", "état_2"]);
    }

    #[test]
    fn label_list_rejects_duplicates_and_empties() {
        assert_eq!(parse_label_list("a, b,c").unwrap(), labels("a,b,c"));
        let error = parse_label_list("anger,fear,anger").unwrap_err();
        assert_eq!(error.to_string(), "--labels: label \"anger\" is given twice (positions 1 and 3)");
        assert!(parse_label_list("a,,b").is_err());
        assert_eq!(parse_label_list("Anger, FEAR").unwrap(), labels("anger,fear"));
        assert!(parse_label_list("anger,Anger").is_err());
    }

    /// Python: `"disgust\x1canger".split()` is `['disgust', 'anger']`, and `re.sub(r"[^\w\s]", "", ...)`
    /// keeps U+001C..U+001F (they are `\s`); `" \x1fFear\x1c".strip()` is `'Fear'`.
    #[test]
    fn information_separators_are_whitespace_as_in_python() {
        assert_eq!(normalise("disgust\u{1c}anger"), vec!["disgust", "anger"]);
        assert_eq!(normalise("a\u{1d}b\u{1e}c\u{1f}d"), vec!["a", "b", "c", "d"]);
        let set = LabelSet::new(["anger", "disgust", "fear"]);
        assert_eq!(set.pick("\u{1f}Fear\u{1c}"), "fear");
        // One word each: "disgust" and "anger" both score 1.0; the tie goes to "anger".
        assert_eq!(set.pick("disgust\u{1c}anger"), "anger");
    }

    proptest! {
        #[test]
        fn ratio_is_symmetric(a in "\\PC*", b in "\\PC*") {
            prop_assert_eq!(ratio(&a, &b), ratio(&b, &a));
        }

        #[test]
        fn ratio_is_between_zero_and_one(a in any::<String>(), b in any::<String>()) {
            let r = ratio(&a, &b);
            prop_assert!((0.0..=1.0).contains(&r), "ratio = {}", r);
        }

        #[test]
        fn ratio_of_a_string_with_itself_is_one(a in any::<String>()) {
            prop_assert_eq!(ratio(&a, &a), 1.0);
        }

        #[test]
        fn pick_never_panics_and_returns_a_candidate(response in any::<String>()) {
            let set = LabelSet::new(["anger", "fear", "sadness"]);
            let picked = set.pick(&response);
            prop_assert!(picked == UNKNOWN || set.labels().iter().any(|l| l == picked));
        }
    }
}
