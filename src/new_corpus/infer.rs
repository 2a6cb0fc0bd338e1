//! What `cameo new-corpus` can tell from a raw tree without knowing the corpus: the file-name
//! grammar (names split into runs of digits and letters, each run a named group), the values
//! each group takes, which group looks like the emotion code, and the header and delimiter of
//! a metadata table. Everything here is a guess the contributor confirms.
use std::collections::{BTreeMap, BTreeSet};

/// One run of a file stem.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Digits,
    /// Upper-case letters.
    Upper,
    /// Lower-case letters (or letters without case).
    Lower,
    /// One capital followed by two or more lower-case letters (`Anger`).
    Capitalised,
    /// Anything else, kept literally (`-`, `_`, ...).
    Separator(char),
}

/// Splits a stem into runs: a change between digits, upper and lower case starts a new run,
/// except that a capital starting a lower-case word stays with it.
fn runs(stem: &str) -> Vec<(Kind, String)> {
    let class = |c: char| {
        if c.is_ascii_digit() {
            Kind::Digits
        } else if c.is_uppercase() {
            Kind::Upper
        } else if c.is_alphabetic() {
            Kind::Lower
        } else {
            Kind::Separator(c)
        }
    };
    let mut runs: Vec<(Kind, String)> = Vec::new();
    for c in stem.chars() {
        let kind = class(c);
        match runs.last_mut() {
            Some((last, text)) if *last == kind && !matches!(kind, Kind::Separator(_)) => text.push(c),
            Some((last, text)) if *last == Kind::Capitalised && kind == Kind::Lower => text.push(c),
            _ => runs.push((kind, c.to_string())),
        }
    }
    // A single capital followed by at least two lower-case letters is one word.
    let mut merged: Vec<(Kind, String)> = Vec::new();
    for (kind, text) in runs {
        match merged.last_mut() {
            Some((Kind::Upper, capital))
                if kind == Kind::Lower && capital.chars().count() == 1 && text.chars().count() >= 2 =>
            {
                capital.push_str(&text);
                let word = std::mem::take(capital);
                merged.pop();
                merged.push((Kind::Capitalised, word));
            }
            _ => merged.push((kind, text)),
        }
    }
    merged
}

/// A named group of the proposed grammar and what it matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    /// What kind of run, in words (`2 digits`, `1 upper-case letter`).
    pub description: String,
    /// Values seen, with how many names carry each.
    pub values: BTreeMap<String, usize>,
}

/// The proposed file-name grammar.
#[derive(Debug, Clone, PartialEq)]
pub struct Grammar {
    /// The regular expression for whole file names, with groups `g1`, `g2`, ...
    pub regex: String,
    pub groups: Vec<Group>,
    /// Names of other shapes, not matched (a few shown).
    pub others: Vec<String>,
    pub other_count: usize,
}

/// Proposes a grammar for file names sharing one extension (`names` are whole file names).
pub fn grammar(names: &[String], extension: &str) -> Option<Grammar> {
    let stems: Vec<(&String, &str)> =
        names.iter().map(|name| (name, name.rsplit_once('.').map_or(name.as_str(), |(stem, _)| stem))).collect();
    // The shape of a stem: its run kinds in order.
    let shape = |stem: &str| runs(stem).into_iter().map(|(kind, _)| kind).collect::<Vec<_>>();
    let mut shapes: BTreeMap<Vec<Kind>, usize> = BTreeMap::new();
    for (_, stem) in &stems {
        *shapes.entry(shape(stem)).or_default() += 1;
    }
    let (common, _) = shapes.iter().max_by_key(|(shape, count)| (**count, std::cmp::Reverse(shape.len())))?;
    let common = common.clone();
    let mut lengths: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); common.len()];
    let mut ascii = vec![true; common.len()];
    let mut values: Vec<BTreeMap<String, usize>> = vec![BTreeMap::new(); common.len()];
    let mut others = Vec::new();
    let mut other_count = 0;
    for (name, stem) in &stems {
        let parts = runs(stem);
        if parts.iter().map(|(kind, _)| kind).ne(common.iter()) {
            other_count += 1;
            if others.len() < 5 {
                others.push(name.to_string());
            }
            continue;
        }
        for (index, (_, text)) in parts.into_iter().enumerate() {
            lengths[index].insert(text.chars().count());
            ascii[index] &= text.is_ascii();
            *values[index].entry(text).or_default() += 1;
        }
    }
    let mut regex = String::new();
    let mut groups = Vec::new();
    for (index, kind) in common.iter().enumerate() {
        let fixed = (lengths[index].len() == 1).then(|| *lengths[index].iter().next().unwrap_or(&1));
        let count = fixed.map_or("+".to_string(), |n| if n == 1 { String::new() } else { format!("{{{n}}}") });
        let (class, noun) = match (kind, ascii[index]) {
            (Kind::Separator(c), _) => {
                regex.push_str(&regex::escape(&c.to_string()));
                continue;
            }
            (Kind::Digits, _) => (r"\d".to_string(), "digit"),
            (Kind::Upper, true) => ("[A-Z]".into(), "upper-case letter"),
            (Kind::Upper, false) => (r"\p{Lu}".into(), "upper-case letter"),
            (Kind::Lower, true) => ("[a-z]".into(), "lower-case letter"),
            (Kind::Lower, false) => (r"\p{Ll}".into(), "lower-case letter"),
            (Kind::Capitalised, true) => {
                let name = format!("g{}", groups.len() + 1);
                regex.push_str(&format!("(?P<{name}>[A-Z][a-z]+)"));
                groups.push(Group { name, description: "capitalised word".into(), values: values[index].clone() });
                continue;
            }
            (Kind::Capitalised, false) => {
                let name = format!("g{}", groups.len() + 1);
                regex.push_str(&format!(r"(?P<{name}>\p{{Lu}}\p{{Ll}}+)"));
                groups.push(Group { name, description: "capitalised word".into(), values: values[index].clone() });
                continue;
            }
        };
        let name = format!("g{}", groups.len() + 1);
        regex.push_str(&format!("(?P<{name}>{class}{count})"));
        let description = match fixed {
            Some(1) => format!("1 {noun}"),
            Some(n) => format!("{n} {noun}s"),
            None => format!("{noun}s"),
        };
        groups.push(Group { name, description, values: values[index].clone() });
    }
    regex.push_str(&regex::escape(&format!(".{extension}")));
    Some(Grammar { regex, groups, others, other_count })
}

/// Emotion words and codes seen in corpora, with their CAMEO label.
const KNOWN_LABELS: [(&str, &str); 40] = [
    ("anger", "anger"),
    ("angry", "anger"),
    ("ang", "anger"),
    ("disgust", "disgust"),
    ("disgusted", "disgust"),
    ("dis", "disgust"),
    ("fear", "fear"),
    ("fearful", "fear"),
    ("fea", "fear"),
    ("happiness", "happiness"),
    ("happy", "happiness"),
    ("hap", "happiness"),
    ("joy", "happiness"),
    ("neutral", "neutral"),
    ("neu", "neutral"),
    ("neutrality", "neutral"),
    ("sadness", "sadness"),
    ("sad", "sadness"),
    ("surprise", "surprise"),
    ("surprised", "surprise"),
    ("sur", "surprise"),
    ("calm", "calm"),
    ("excited", "excitement"),
    ("excitement", "excitement"),
    ("sarcastic", "sarcasm"),
    ("sarcasm", "sarcasm"),
    ("anxious", "anxiety"),
    ("anxiety", "anxiety"),
    ("apologetic", "apology"),
    ("apology", "apology"),
    ("assertive", "assertiveness"),
    ("assertiveness", "assertiveness"),
    ("concerned", "concern"),
    ("concern", "concern"),
    ("encouraging", "encouragement"),
    ("encouragement", "encouragement"),
    ("enthusiastic", "enthusiasm"),
    ("enthusiasm", "enthusiasm"),
    ("poker", "poker"),
    ("pokerface", "poker"),
];

/// The CAMEO label an emotion word or code of a corpus means, when it is a known one.
pub fn known_label(code: &str) -> Option<&'static str> {
    let code = code.to_lowercase();
    KNOWN_LABELS.iter().find(|(word, _)| *word == code).map(|(_, label)| *label)
}

/// The group most likely holding the emotion: the one whose values are known emotion words,
/// else the non-numeric group with 4 to 20 distinct values (most values first).
pub fn emotion_group(groups: &[Group]) -> Option<&Group> {
    let known = |group: &&Group| group.values.keys().filter(|value| known_label(value).is_some()).count();
    if let Some(best) = groups.iter().filter(|g| known(g) >= 2).max_by_key(known) {
        return Some(best);
    }
    groups
        .iter()
        .filter(|group| !group.description.contains("digit") && (4..=20).contains(&group.values.len()))
        .max_by_key(|group| group.values.len())
}

/// A table found in the raw tree: its delimiter and header.
#[derive(Debug, Clone, PartialEq)]
pub struct TableGuess {
    pub relative: String,
    /// As a manifest writes it: `","`, `"\t"`, `"|"` or `";"`.
    pub delimiter: &'static str,
    pub columns: Vec<String>,
    /// A column whose values name audio files, if one does.
    pub file_column: Option<String>,
    pub rows: usize,
}

/// Reads a table's header and first rows: the delimiter is the most frequent of tab, comma,
/// pipe and semicolon in the header line.
pub fn table(path: &std::path::Path, relative: &str, audio_names: &BTreeSet<String>) -> Option<TableGuess> {
    let text = std::fs::read(path).ok()?;
    let text = String::from_utf8_lossy(&text[..text.len().min(1 << 20)]).into_owned();
    let header = text.lines().next()?.trim_start_matches('\u{feff}');
    let (delimiter, byte) = [("\t", b'\t'), (",", b','), ("|", b'|'), (";", b';')]
        .into_iter()
        .max_by_key(|(d, _)| header.matches(d).count())
        .filter(|(d, _)| header.contains(d))?;
    let mut reader = csv::ReaderBuilder::new().delimiter(byte).flexible(true).from_reader(text.as_bytes());
    let columns: Vec<String> = reader.headers().ok()?.iter().map(|c| c.trim().to_string()).collect();
    let mut hits = vec![0usize; columns.len()];
    let mut rows = 0;
    for record in reader.records().take(2000).flatten() {
        rows += 1;
        for (index, field) in record.iter().enumerate().take(columns.len()) {
            let name = field.trim().rsplit(['/', '\\']).next().unwrap_or_default();
            if audio_names.contains(name) {
                hits[index] += 1;
            }
        }
    }
    let file_column =
        hits.iter().enumerate().filter(|(_, n)| **n > 0).max_by_key(|(_, n)| **n).map(|(i, _)| columns[i].clone());
    Some(TableGuess { relative: relative.to_string(), delimiter, columns, file_column, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn runs_split_on_digits_and_case_but_keep_capitalised_words() {
        let kinds = |stem: &str| runs(stem).into_iter().map(|(_, text)| text).collect::<Vec<_>>();
        assert_eq!(kinds("03a01Fa"), ["03", "a", "01", "F", "a"]);
        assert_eq!(kinds("Anger_C_A_abajo"), ["Anger", "_", "C", "_", "A", "_", "abajo"]);
        assert_eq!(kinds("03-01-05"), ["03", "-", "01", "-", "05"]);
    }

    #[test]
    fn an_emodb_like_grammar_with_its_groups() {
        let grammar = grammar(&names(&["03a01Fa.wav", "08b10Wb.wav", "16a05Lc.wav", "10b02Na.wav"]), "wav").unwrap();
        assert_eq!(grammar.regex, r"(?P<g1>\d{2})(?P<g2>[a-z])(?P<g3>\d{2})(?P<g4>[A-Z])(?P<g5>[a-z])\.wav");
        assert_eq!(grammar.groups[3].description, "1 upper-case letter");
        assert_eq!(grammar.groups[0].values.keys().collect::<Vec<_>>(), ["03", "08", "10", "16"]);
        assert_eq!(grammar.other_count, 0);
        let regex = regex::Regex::new(&format!("^{}$", grammar.regex)).unwrap();
        assert!(regex.is_match("03a01Fa.wav"));
        assert_eq!(emotion_group(&grammar.groups).map(|g| g.name.as_str()), Some("g4"));
    }

    #[test]
    fn emotion_words_are_recognised_and_odd_names_counted() {
        let list = names(&["f1_angry_1a_1.wav", "f1_sad_2b_1.wav", "m2_happy_1a_2.wav", "readme_x.wav"]);
        let grammar = grammar(&list, "wav").unwrap();
        assert_eq!(grammar.other_count, 1);
        assert_eq!(grammar.others, ["readme_x.wav"]);
        let emotion = emotion_group(&grammar.groups).unwrap();
        assert_eq!(emotion.values.keys().collect::<Vec<_>>(), ["angry", "happy", "sad"]);
        assert_eq!(known_label("Angry"), Some("anger"));
        assert_eq!(known_label("W"), None);
    }
}
