//! Transcript alignment: which of a corpus' candidate sentences a recognised text is, and
//! whether that agrees with the sentence the sample's label (code, file name, sidecar) names.
//!
//! Texts are compared after [`normalise`] by the character-level Levenshtein distance divided
//! by the longer length ([`distance`], 0 = same, 1 = nothing in common). The two thresholds
//! come from the corpora's own sentence lists and from what a recogniser gets wrong:
//!
//! - Different sentences of one list lie far apart: the nearest pairs are 0.25 (RAVDESS' two
//!   sentences), 0.46 (eNTERFACE), 0.53 (CREMA-D), 0.67 (CaFE). A recogniser's errors on the
//!   right sentence stay well below that: a wrong word or two, or a number written in digits
//!   ("It's 11 o'clock." against "It's eleven o'clock" is 0.35). A hallucination on noise, or
//!   speech in another language, lies 0.6 and more from every sentence. So a text more than
//!   [`UNCLEAR_ABOVE`] = 0.5 from every candidate matches none of them: *unclear*.
//! - A label is called wrong only when the text is nearer another sentence by at least
//!   [`MISMATCH_MARGIN`] = 0.1 (a tenth of the length: two or more characters on the shortest
//!   sentences), so one slipped character never overturns a label; where the text is about as
//!   near both, the label stands. With RAVDESS' pair (0.25 apart) a mislabel is still found
//!   while the recognised text is within 0.075 of what was said.
//!
//! Checked on real recorded speech (tests/whisper_real_speech.rs: 50 telephony prompts of five
//! speakers in English, French, Spanish, Italian and Russian, each among its language's hundreds
//! of prompts, Whisper base): the spoken prompt lay 0 from the text in half the clips, at most
//! 0.13 in nine of ten, and 0.26, 0.39 (a paraphrase) and 0.44 ("M I S D N" heard as "MISDN") at
//! worst, all under [`UNCLEAR_ABOVE`]; no other prompt was ever nearer than the spoken one, so no
//! right label was overturned, while prompts that differ by a word or two lay 0.055–0.1 apart:
//! such a pair stays below [`MISMATCH_MARGIN`], and a label naming the other of the pair stands.
//! Every deliberately wrong label (another prompt's text) was caught with the spoken prompt
//! chosen.
//!
//! Numbers are not spelled out (digits against words cost distance, see above): out of scope.
use std::collections::BTreeMap;
use unicode_normalization::UnicodeNormalization;

/// A recognised text further than this from every candidate matches none of them.
pub const UNCLEAR_ABOVE: f64 = 0.5;
/// How much nearer another sentence the text must be before the label is called wrong.
pub const MISMATCH_MARGIN: f64 = 0.1;
/// Slack for comparing distances (which are ratios of small integers).
const EPSILON: f64 = 1e-9;

/// The form texts are compared in: accents of Latin, Greek and Cyrillic letters removed (MESD's
/// file names lack them, a recogniser writes them), lower case, punctuation dropped (apostrophes
/// join: "it's" → "its"), dashes and slashes as spaces, whitespace runs collapsed; NFC.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    // U+0300..U+036F: the combining accents that NFD splits off Latin, Greek and Cyrillic
    // letters. Other marks (Bengali vowel signs, …) belong to their letters and stay.
    let bare = text.nfd().filter(|c| !('\u{300}'..='\u{36f}').contains(c));
    for c in bare.flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c) {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        } else if c.is_whitespace() || matches!(c, '-' | '‐' | '‑' | '–' | '—' | '/' | '_') {
            space = true;
        }
    }
    out.nfc().collect()
}

/// Normalised Levenshtein distance between two normalised texts, in characters: edits divided
/// by the longer length; 0 for two empty texts.
pub fn distance(a: &str, b: &str) -> f64 {
    1.0 - strsim::normalized_levenshtein(a, b)
}

/// One sentence a sample may say.
#[derive(Debug, Clone)]
struct Candidate {
    normalised: String,
    chars: usize,
    /// The text a record gets when this sentence is chosen.
    text: String,
}

/// A corpus' candidate sentences, one per normalised form, in a fixed order.
#[derive(Debug, Clone, Default)]
pub struct Candidates {
    entries: Vec<Candidate>,
}

impl Candidates {
    /// The distinct sentences among `texts`; where several spellings normalise alike, the
    /// smallest (in code point order) stands for them, whatever order they came in.
    pub fn new<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        let mut by_form: BTreeMap<String, String> = BTreeMap::new();
        for text in texts {
            let text = text.trim();
            let normalised = normalise(text);
            if normalised.is_empty() {
                continue;
            }
            match by_form.get(&normalised) {
                Some(kept) if kept.as_str() <= text => {}
                _ => {
                    by_form.insert(normalised, text.to_string());
                }
            }
        }
        let entries = by_form
            .into_iter()
            .map(|(normalised, text)| Candidate { chars: normalised.chars().count(), normalised, text })
            .collect();
        Candidates { entries }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The most sentences one candidate has (at least 1), or None without candidates: what a
    /// recogniser may stop decoding after.
    pub fn max_sentences(&self) -> Option<usize> {
        self.entries.iter().map(|c| crate::whisper::sentence_count(&c.text).max(1)).max()
    }

    /// The candidate nearest `heard` (normalised) among those other than `except`, if one is
    /// strictly nearer than `within`. Lengths bound the distance from below (|a − b| edits at
    /// least), which skips most of a long list (PAVOQUE's thousands of prompts) unread.
    fn nearest(&self, heard: &str, except: Option<&str>, within: f64) -> Option<(&Candidate, f64)> {
        let heard_chars = heard.chars().count();
        let mut best: Option<(&Candidate, f64)> = None;
        let mut limit = within;
        for candidate in &self.entries {
            if Some(candidate.normalised.as_str()) == except {
                continue;
            }
            let longer = heard_chars.max(candidate.chars).max(1) as f64;
            if heard_chars.abs_diff(candidate.chars) as f64 / longer >= limit {
                continue;
            }
            let d = distance(heard, &candidate.normalised);
            if d < limit {
                limit = d;
                best = Some((candidate, d));
            }
        }
        best
    }
}

/// What alignment decided for one sample.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The text matches the labelled sentence (or is about as near it as any other).
    Agrees { distance: f64 },
    /// The text is clearly another candidate sentence than the labelled one.
    Mismatch { chosen: String, labelled_distance: f64, chosen_distance: f64 },
    /// No label, and the text is near this candidate.
    Chosen { chosen: String, distance: f64 },
    /// The text is near no candidate (or too far from the label, with no clearly better one).
    Unclear { nearest: Option<String>, distance: f64 },
}

/// Aligns a recognised text with the candidates, given the sentence the label names (if any).
pub fn align(heard: &str, labelled: Option<&str>, candidates: &Candidates) -> Verdict {
    let heard = normalise(heard);
    let labelled = labelled.map(|text| (text, normalise(text))).filter(|(_, normalised)| !normalised.is_empty());
    let Some((labelled_text, labelled_form)) = labelled else {
        return match candidates.nearest(&heard, None, f64::INFINITY) {
            Some((candidate, d)) if d <= UNCLEAR_ABOVE + EPSILON => {
                Verdict::Chosen { chosen: candidate.text.clone(), distance: d }
            }
            Some((candidate, d)) => Verdict::Unclear { nearest: Some(candidate.text.clone()), distance: d },
            None => Verdict::Unclear { nearest: None, distance: 1.0 },
        };
    };
    let labelled_distance = distance(&heard, &labelled_form);
    // Only sentences nearer than the labelled one can overturn it.
    let other = candidates.nearest(&heard, Some(&labelled_form), labelled_distance);
    if let Some((candidate, d)) = other {
        if labelled_distance - d >= MISMATCH_MARGIN - EPSILON && d <= UNCLEAR_ABOVE + EPSILON {
            return Verdict::Mismatch { chosen: candidate.text.clone(), labelled_distance, chosen_distance: d };
        }
    }
    if labelled_distance <= UNCLEAR_ABOVE + EPSILON {
        return Verdict::Agrees { distance: labelled_distance };
    }
    let (nearest, distance) = match other {
        Some((candidate, d)) => (candidate.text.clone(), d),
        None => (labelled_text.to_string(), labelled_distance),
    };
    Verdict::Unclear { nearest: Some(nearest), distance }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREMA_D: [&str; 12] = [
        "It's eleven o'clock",
        "That is exactly what happened",
        "I'm on my way to the meeting",
        "I wonder what this is about",
        "The airplane is almost full",
        "Maybe tomorrow it will be cold",
        "I would like a new alarm clock",
        "I think I have a doctor's appointment",
        "Don't forget a jacket",
        "I think I've seen this before",
        "The surface is slick",
        "We'll stop in a couple of minutes",
    ];

    fn crema_d() -> Candidates {
        Candidates::new(CREMA_D)
    }

    #[test]
    fn normalisation_drops_case_punctuation_accents_and_extra_space() {
        assert_eq!(normalise("  It's eleven   o'clock! "), "its eleven oclock");
        assert_eq!(normalise("Wahoo... This is so great."), "wahoo this is so great");
        assert_eq!(normalise("adiós"), "adios");
        assert_eq!(normalise("Deux ânes aigris"), "deux anes aigris");
        assert_eq!(normalise("Ein Brief – heute/morgen"), "ein brief heute morgen");
        assert_eq!(normalise("Zażółć gęślą jaźń"), "zazołc gesla jazn");
        assert_eq!(normalise("...?!"), "");
        // Bengali vowel signs are part of their letters, not accents.
        assert_eq!(normalise("আমি ভাত খাই।"), "আমি ভাত খাই");
    }

    #[test]
    fn distance_is_edits_over_the_longer_length() {
        assert_eq!(distance("abc", "abc"), 0.0);
        assert_eq!(distance("", ""), 0.0);
        assert_eq!(distance("abcd", ""), 1.0);
        assert!((distance("kids are talking by the door", "dogs are sitting by the door") - 7.0 / 28.0).abs() < 1e-12);
    }

    #[test]
    fn candidates_are_distinct_by_normal_form_and_keep_the_smallest_spelling() {
        let candidates = Candidates::new(["Kids are talking by the door.", "Kids are talking by the door", "", "?"]);
        assert_eq!(candidates.len(), 1);
        assert_eq!(candidates.entries[0].text, "Kids are talking by the door");
        let reversed = Candidates::new(["Kids are talking by the door", "Kids are talking by the door."]);
        assert_eq!(reversed.entries[0].text, "Kids are talking by the door");
    }

    #[test]
    fn the_longest_candidate_sets_the_sentence_limit() {
        assert_eq!(crema_d().max_sentences(), Some(1));
        let enterface = Candidates::new(["What??? No, no, no, listen! I need this money!", "I'm not alone! Go away!"]);
        assert_eq!(enterface.max_sentences(), Some(3));
        assert_eq!(Candidates::default().max_sentences(), None);
    }

    #[test]
    fn a_correct_label_is_confirmed_despite_punctuation_and_digits() {
        assert_eq!(
            align("Don't forget a jacket.", Some("Don't forget a jacket"), &crema_d()),
            Verdict::Agrees { distance: 0.0 }
        );
        let Verdict::Agrees { distance } = align("It's 11 o'clock.", Some("It's eleven o'clock"), &crema_d()) else {
            panic!("digits must not overturn the label")
        };
        assert!((distance - 6.0 / 17.0).abs() < 1e-12, "{distance}");
    }

    #[test]
    fn a_wrong_label_is_a_mismatch_naming_the_sentence_heard() {
        let verdict = align("The surface is slick.", Some("Don't forget a jacket"), &crema_d());
        let Verdict::Mismatch { chosen, labelled_distance, chosen_distance } = verdict else { panic!("{verdict:?}") };
        assert_eq!(chosen, "The surface is slick");
        assert_eq!(chosen_distance, 0.0);
        assert!(labelled_distance > 0.6, "{labelled_distance}");
        // With recognition errors too.
        let verdict = align("the surface is sleek", Some("Don't forget a jacket"), &crema_d());
        assert!(
            matches!(&verdict, Verdict::Mismatch { chosen, .. } if chosen == "The surface is slick"),
            "{verdict:?}"
        );
    }

    #[test]
    fn the_nearest_pair_of_ravdess_is_still_told_apart() {
        let ravdess = Candidates::new(["Kids are talking by the door", "Dogs are sitting by the door"]);
        let verdict = align("Kids are talking by the door.", Some("Dogs are sitting by the door"), &ravdess);
        assert!(matches!(&verdict, Verdict::Mismatch { chosen, .. } if chosen == "Kids are talking by the door"));
        // A text about as near both leaves the label standing.
        let verdict = align("Kids are sitting by the door", Some("Dogs are sitting by the door"), &ravdess);
        assert!(matches!(verdict, Verdict::Agrees { .. }), "{verdict:?}");
    }

    #[test]
    fn a_text_far_from_every_sentence_is_unclear() {
        let verdict = align("Thank you for watching!", Some("Don't forget a jacket"), &crema_d());
        let Verdict::Unclear { distance, .. } = verdict else { panic!("{verdict:?}") };
        assert!(distance > UNCLEAR_ABOVE);
        assert!(matches!(align("", Some("Don't forget a jacket"), &crema_d()), Verdict::Unclear { .. }));
    }

    #[test]
    fn without_a_label_the_nearest_sentence_is_chosen_when_near_enough() {
        let verdict = align("the airplane is almost full", None, &crema_d());
        assert_eq!(verdict, Verdict::Chosen { chosen: "The airplane is almost full".into(), distance: 0.0 });
        assert!(matches!(align("zzzz qqqq", None, &crema_d()), Verdict::Unclear { nearest: Some(_), .. }));
        assert_eq!(align("x", None, &Candidates::default()), Verdict::Unclear { nearest: None, distance: 1.0 });
    }

    #[test]
    fn pruning_by_length_finds_the_same_nearest_as_a_full_search() {
        let texts: Vec<String> =
            (0..300).map(|i| format!("sentence number {i} of a long prompt list {}", i * 7)).collect();
        let candidates = Candidates::new(texts.iter().map(String::as_str));
        for heard in ["sentence number 42 of a long prompt list 294", "number 7 long list", "sentence"] {
            let form = normalise(heard);
            let full = candidates
                .entries
                .iter()
                .map(|c| (distance(&form, &c.normalised), &c.text))
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .unwrap();
            let (found, d) = candidates.nearest(&form, None, f64::INFINITY).unwrap();
            assert_eq!(d, full.0, "{heard}");
            assert_eq!(distance(&form, &found.normalised), full.0);
        }
    }
}
