//! Checking an `[adapter]` section and turning it into matchers: globs, regular expressions and
//! templates, each mistake reported once, naming the manifest key and saying what to change.
use super::template::{Template, BUILTIN_FILTERS};
use crate::manifest::adapter::{AdapterSpec, Check, FileRule};
use crate::manifest::{Manifest, ManifestError};
use globset::{GlobBuilder, GlobMatcher};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};

/// Values every file has.
pub const FILE_VALUES: [(&str, &str); 4] = [
    ("file.path", "the path below the corpus folder"),
    ("file.name", "the file name"),
    ("file.stem", "the file name without its extension"),
    ("file.folder", "the name of the folder holding the file"),
];

/// An `[adapter]` ready to scan.
#[derive(Debug)]
pub struct Compiled {
    pub manifest_file: String,
    pub missing_folder: String,
    pub files: Vec<Rule>,
    pub no_audio: Option<String>,
    pub several_folders: Option<String>,
    pub names: Vec<Regex>,
    pub name_mismatch: Template,
    pub table: Option<Table>,
    pub speaker_table: Option<SpeakerTable>,
    pub sidecar: Option<Sidecar>,
    pub checks: Vec<CompiledCheck>,
    pub maps: BTreeMap<String, BTreeMap<String, String>>,
    pub fields: Fields,
}

#[derive(Debug)]
pub struct Rule {
    pub glob: GlobMatcher,
    /// `None`: the files are audio; `Some(reason)`: set aside.
    pub skip: Option<String>,
}

/// Where a table is and how it is read.
#[derive(Debug)]
pub struct TableFormat {
    pub glob: GlobMatcher,
    /// The glob's fixed tail (`data.tsv` of `{,*/}data.tsv`), for naming a missing table.
    pub shown_as: String,
    pub delimiter: u8,
    pub quoting: bool,
    pub trim: bool,
    pub columns: Vec<String>,
    pub missing: String,
    pub skip: String,
}

#[derive(Debug)]
pub struct Table {
    pub format: TableFormat,
    pub file: Template,
}

#[derive(Debug)]
pub struct SpeakerTable {
    pub format: TableFormat,
    pub key: String,
    pub unknown: Option<Template>,
}

#[derive(Debug)]
pub struct Sidecar {
    pub extension: String,
    pub skip: String,
    pub missing: Template,
}

#[derive(Debug)]
pub struct CompiledCheck {
    pub key: String,
    pub value: Option<Template>,
    pub when: Vec<(String, Regex)>,
    pub condition: Option<Condition>,
    pub message: Template,
    pub skip: bool,
}

#[derive(Debug)]
pub enum Condition {
    OneOf(Vec<String>),
    Regex(Regex),
    Range(u64, u64),
    Equals(Template),
    /// A key of `speakers`, `sentences` or a map.
    In(String),
}

#[derive(Debug)]
pub struct Fields {
    pub label: Template,
    pub speaker: Option<Template>,
    pub gender: Option<Template>,
    pub age: Option<Template>,
    pub transcription: Option<Template>,
    /// Gender comes from `[speakers]` by the speaker value.
    pub gender_from_table: bool,
    /// Age comes from `[speakers]` by the speaker value.
    pub age_from_table: bool,
}

/// Checks an `[adapter]` section: a Rust corpus says why and nothing else (the registry
/// resolves the adapter's name); a declarative one must compile.
pub fn validate(spec: &AdapterSpec, manifest: &Manifest, manifest_file: &str) -> Result<(), ManifestError> {
    let invalid = |key: &str, message: String| ManifestError::Invalid {
        manifest: manifest_file.to_string(),
        key: key.into(),
        message,
    };
    if spec.rust.is_none() {
        if spec.why.is_some() {
            return Err(invalid("adapter.why", "says why a Rust adapter is needed, but `rust` names none".into()));
        }
        return compile(spec, manifest, manifest_file).map(|_| ());
    }
    let declarative = !spec.files.is_empty()
        || !spec.names.is_empty()
        || !spec.checks.is_empty()
        || !spec.maps.is_empty()
        || spec.table.is_some()
        || spec.speaker_table.is_some()
        || spec.sidecar.is_some()
        || spec.fields.is_some()
        || spec.no_audio.is_some()
        || spec.several_folders.is_some()
        || spec.name_mismatch.is_some()
        || spec.missing_folder.is_some();
    if declarative {
        return Err(invalid("adapter.rust", "a corpus with a Rust adapter describes nothing else in [adapter]".into()));
    }
    if spec.why.as_deref().is_none_or(|why| why.trim().is_empty()) {
        return Err(invalid("adapter.why", "say why this corpus needs Rust code".into()));
    }
    Ok(())
}

/// Checks `spec` against its manifest and builds the matchers; `manifest_file` names the
/// manifest in errors and messages (e.g. `manifests/cafe.toml`).
pub fn compile(spec: &AdapterSpec, manifest: &Manifest, manifest_file: &str) -> Result<Compiled, ManifestError> {
    let invalid = |key: &str, message: String| ManifestError::Invalid {
        manifest: manifest_file.to_string(),
        key: key.to_string(),
        message,
    };
    if spec.rust.is_some() {
        return Err(invalid("adapter.rust", "this corpus has a Rust adapter, not a declarative one".into()));
    }
    if spec.files.is_empty() {
        return Err(invalid(
            "adapter.files",
            "no file rules: add e.g. files = [{ glob = \"**/*.wav\", take = true }]".into(),
        ));
    }
    let Some(fields) = &spec.fields else {
        return Err(invalid(
            "adapter.fields",
            "missing: add [adapter.fields] with at least label = \"{group}\"".into(),
        ));
    };
    let files = spec
        .files
        .iter()
        .enumerate()
        .map(|(index, rule)| compile_rule(rule).map_err(|message| invalid(&format!("adapter.files[{index}]"), message)))
        .collect::<Result<Vec<_>, _>>()?;
    if files.iter().all(|rule| rule.skip.is_some()) {
        return Err(invalid("adapter.files", "no rule takes audio: give one rule take = true".into()));
    }

    let names = spec
        .names
        .iter()
        .enumerate()
        .map(|(index, text)| {
            compile_regex(text).map_err(|message| invalid(&format!("adapter.names[{index}]"), message))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut known: BTreeSet<String> = FILE_VALUES.iter().map(|(name, _)| name.to_string()).collect();
    for (index, regex) in names.iter().enumerate() {
        for group in regex.capture_names().flatten() {
            if !group.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(invalid(
                    &format!("adapter.names[{index}]"),
                    format!("group name `{group}`: use letters, digits and _ only"),
                ));
            }
            known.insert(group.to_string());
        }
    }

    let mut filters: BTreeSet<String> = BUILTIN_FILTERS.iter().map(|(name, _)| name.to_string()).collect();
    for name in spec.maps.keys() {
        if filters.contains(name) || name == "sentences" || name == "speakers" {
            return Err(invalid(
                &format!("adapter.maps.{name}"),
                "this name is a built-in filter; rename the map".into(),
            ));
        }
    }
    filters.extend(spec.maps.keys().cloned());
    if !manifest.sentences.is_empty() {
        filters.insert("sentences".into());
    }

    let table = match &spec.table {
        None => None,
        Some(table) => {
            let format = TableFormat::new(
                (&table.path, &table.delimiter, table.quoting, table.trim, &table.columns),
                "adapter.table",
                table.missing.clone(),
                table.skip.clone().unwrap_or_else(|| "the metadata table (read for labels)".into()),
                manifest_file,
            )?;
            let mut row_values: BTreeSet<String> = table.columns.iter().map(|c| format!("row.{c}")).collect();
            row_values.insert("table.row".into());
            let file = template(&table.file, "adapter.table.file", &row_values, &filters, manifest_file)?;
            if table.file.starts_with('/') || table.file.starts_with('\\') {
                return Err(invalid("adapter.table.file", "must be relative to the table's folder".into()));
            }
            known.extend(row_values);
            known.insert("table.file".into());
            Some(Table { format, file })
        }
    };

    let speaker_table = match &spec.speaker_table {
        None => None,
        Some(speakers) => {
            let format = TableFormat::new(
                (&speakers.path, &speakers.delimiter, speakers.quoting, speakers.trim, &speakers.columns),
                "adapter.speaker_table",
                speakers.missing.clone(),
                speakers.skip.clone().unwrap_or_else(|| "the speaker table (read for speaker facts)".into()),
                manifest_file,
            )?;
            if !speakers.columns.contains(&speakers.key) {
                return Err(invalid("adapter.speaker_table.key", format!("'{}' is not in columns", speakers.key)));
            }
            if spec.fields.as_ref().is_none_or(|fields| fields.speaker.is_none()) {
                return Err(invalid(
                    "adapter.speaker_table",
                    "a speaker table is joined by the speaker: set adapter.fields.speaker".into(),
                ));
            }
            let unknown = speakers
                .unknown
                .as_deref()
                .map(|text| template(text, "adapter.speaker_table.unknown", &known, &filters, manifest_file))
                .transpose()?;
            known.extend(speakers.columns.iter().map(|c| format!("speaker.{c}")));
            known.insert("speaker_table.row".into());
            known.insert("speaker_table.file".into());
            Some(SpeakerTable { format, key: speakers.key.clone(), unknown })
        }
    };

    let sidecar = match &spec.sidecar {
        None => None,
        Some(sidecar) => {
            let extension = sidecar.extension.trim_start_matches('.').to_string();
            if extension.is_empty() || extension.contains(['/', '\\']) {
                return Err(invalid("adapter.sidecar.extension", "an extension such as \"txt\"".into()));
            }
            known.insert("sidecar.text".into());
            known.insert("sidecar.file".into());
            let missing = sidecar.missing.clone().unwrap_or_else(|| "no transcript: {sidecar.file} is missing".into());
            if missing.contains("sidecar.text") {
                return Err(invalid(
                    "adapter.sidecar.missing",
                    "cannot show {sidecar.text}: the sidecar is missing".into(),
                ));
            }
            Some(Sidecar {
                extension,
                skip: sidecar
                    .skip
                    .clone()
                    .unwrap_or_else(|| "sidecar text (read as its audio file's transcription)".into()),
                missing: template(&missing, "adapter.sidecar.missing", &known, &filters, manifest_file)?,
            })
        }
    };

    let name_mismatch = match &spec.name_mismatch {
        Some(text) => template(text, "adapter.name_mismatch", &known, &filters, manifest_file)?,
        None => Template::parse(&format!(
            "file name matches no regular expression of adapter.names in {}",
            manifest_file.replace('{', "{{").replace('}', "}}")
        ))
        .expect("escaped text"),
    };

    let checks = spec
        .checks
        .iter()
        .enumerate()
        .map(|(index, check)| compile_check(check, index, manifest, spec, &known, &filters, manifest_file))
        .collect::<Result<Vec<_>, _>>()?;

    let field = |text: &Option<String>, key: &str| {
        text.as_deref()
            .map(|text| template(text, &format!("adapter.fields.{key}"), &known, &filters, manifest_file))
            .transpose()
    };
    let fields = Fields {
        label: template(&fields.label, "adapter.fields.label", &known, &filters, manifest_file)?,
        speaker: field(&fields.speaker, "speaker")?,
        gender: field(&fields.gender, "gender")?,
        age: field(&fields.age, "age")?,
        transcription: field(&fields.transcription, "transcription")?,
        gender_from_table: !manifest.speakers.is_empty() && spec.speaker_table.is_none() && fields.gender.is_none(),
        age_from_table: !manifest.speakers.is_empty() && spec.speaker_table.is_none() && fields.age.is_none(),
    };
    if (fields.gender_from_table || fields.age_from_table) && fields.speaker.is_none() {
        return Err(invalid(
            "adapter.fields.speaker",
            "the manifest has a [speakers] table, so name the value that keys it, e.g. speaker = \"{actor}\"".into(),
        ));
    }

    Ok(Compiled {
        manifest_file: manifest_file.to_string(),
        missing_folder: spec.missing_folder.clone().unwrap_or_else(|| "extract the corpus download into it".into()),
        files,
        no_audio: spec.no_audio.clone(),
        several_folders: spec.several_folders.clone(),
        names,
        name_mismatch,
        table,
        speaker_table,
        sidecar,
        checks,
        maps: spec.maps.clone(),
        fields,
    })
}

impl TableFormat {
    /// `(path, delimiter, quoting, trim, columns)` of a table section named `key`.
    fn new(
        (path, delimiter, quoting, trim, columns): (&String, &Option<String>, Option<bool>, bool, &Vec<String>),
        key: &str,
        missing: Option<String>,
        skip: String,
        manifest_file: &str,
    ) -> Result<TableFormat, ManifestError> {
        let invalid = |sub: &str, message: String| ManifestError::Invalid {
            manifest: manifest_file.to_string(),
            key: format!("{key}.{sub}"),
            message,
        };
        let glob = compile_glob(path).map_err(|message| invalid("path", message))?;
        let delimiter = match delimiter.as_deref().unwrap_or(",") {
            "," => b',',
            "\t" | "tab" => b'\t',
            "|" => b'|',
            ";" => b';',
            other => return Err(invalid("delimiter", format!("'{other}': use \",\", \"\\t\", \"|\" or \";\""))),
        };
        if columns.is_empty() {
            return Err(invalid("columns", "list the columns the manifest uses".into()));
        }
        Ok(TableFormat {
            glob,
            shown_as: fixed_tail(path),
            delimiter,
            quoting: quoting.unwrap_or(true),
            trim,
            columns: columns.clone(),
            missing: missing.unwrap_or_else(|| format!("missing: no file matches {key}.path = \"{path}\"")),
            skip,
        })
    }
}

fn compile_rule(rule: &FileRule) -> Result<Rule, String> {
    let glob = compile_glob(&rule.glob)?;
    match (rule.take, &rule.skip) {
        (true, None) => Ok(Rule { glob, skip: None }),
        (false, Some(reason)) if !reason.trim().is_empty() => Ok(Rule { glob, skip: Some(reason.clone()) }),
        (true, Some(_)) => Err("give either take = true or skip = \"why\", not both".into()),
        (false, _) => Err("give take = true (the files are audio) or skip = \"why they are not\"".into()),
    }
}

/// A glob relative to the corpus folder: `*` stays within a folder, `**` crosses folders,
/// `{a,b}` alternates (an empty alternative allowed). Absolute paths and `..` are refused:
/// a manifest only ever reads inside its corpus folder.
pub fn compile_glob(text: &str) -> Result<GlobMatcher, String> {
    if text.trim().is_empty() {
        return Err("empty glob".into());
    }
    if text.starts_with('/') || text.starts_with('\\') || text.starts_with('~') || text.get(1..2) == Some(":") {
        return Err(format!("'{text}' is absolute; globs are relative to the corpus folder raw/<id>/"));
    }
    if text.split(['/', ',', '{', '}']).any(|part| part == "..") {
        return Err(format!("'{text}' leaves the corpus folder (`..`); globs stay inside raw/<id>/"));
    }
    if text.contains('\\') {
        return Err(format!("'{text}': separate folders with `/`, not `\\`"));
    }
    GlobBuilder::new(text)
        .literal_separator(true)
        .empty_alternates(true)
        .backslash_escape(false)
        .build()
        .map(|glob| glob.compile_matcher())
        .map_err(|error| format!("'{text}' is not a glob: {}", error.kind()))
}

/// A regular expression that must match a whole value. Look-around and backreferences, which
/// the engine does not have, get a message saying so and what to use instead.
pub fn compile_regex(text: &str) -> Result<Regex, String> {
    let anchored = format!("^(?:{text})$");
    Regex::new(&anchored).map_err(|error| {
        let detail = match &error {
            regex::Error::Syntax(message) => message
                .lines()
                .rev()
                .find_map(|line| line.trim().strip_prefix("error: "))
                .unwrap_or(message)
                .to_string(),
            other => other.to_string(),
        };
        let unsupported = detail.contains("look-around") || detail.contains("backreference");
        let hint = if unsupported {
            "; cameo's regular expressions (the Rust regex engine) have no look-around ((?=…), (?!…), (?<=…), \
             (?<!…)) and no backreferences (\\1): match the parts with named groups and compare or restrict them \
             with [[adapter.checks]] (equals, one_of, regex)"
        } else {
            ""
        };
        format!("'{text}' is not a regular expression cameo can use: {detail}{hint}")
    })
}

fn template(
    text: &str,
    key: &str,
    known: &BTreeSet<String>,
    filters: &BTreeSet<String>,
    manifest_file: &str,
) -> Result<Template, ManifestError> {
    let invalid =
        |message: String| ManifestError::Invalid { manifest: manifest_file.to_string(), key: key.to_string(), message };
    let parsed = Template::parse(text).map_err(|message| invalid(format!("'{text}': {message}")))?;
    if let Some(unknown) = parsed.names().find(|name| !known.contains(*name)) {
        let choices: Vec<&str> = known.iter().map(String::as_str).collect();
        return Err(invalid(format!(
            "'{text}' uses {{{unknown}}}, which is not a value here (known: {}); name a group of adapter.names or \
             a column of adapter.table",
            choices.join(", ")
        )));
    }
    if let Some(unknown) = parsed.filters().find(|filter| !filters.contains(*filter)) {
        let hint = if unknown == "sentences" { "; the manifest has no [sentences] table" } else { "" };
        let choices: Vec<&str> = filters.iter().map(String::as_str).collect();
        return Err(invalid(format!(
            "'{text}' uses the filter `{unknown}`, which does not exist{hint} (known: {}; add a map under \
             [adapter.maps.{unknown}])",
            choices.join(", ")
        )));
    }
    Ok(parsed)
}

fn compile_check(
    check: &Check,
    index: usize,
    manifest: &Manifest,
    spec: &AdapterSpec,
    known: &BTreeSet<String>,
    filters: &BTreeSet<String>,
    manifest_file: &str,
) -> Result<CompiledCheck, ManifestError> {
    let key = format!("adapter.checks[{index}]");
    let invalid =
        |message: String| ManifestError::Invalid { manifest: manifest_file.to_string(), key: key.clone(), message };
    let (message, skip) = match (&check.reject, &check.skip) {
        (Some(reject), None) => (reject, false),
        (None, Some(skip)) => (skip, true),
        _ => return Err(invalid("give either reject = \"message\" or skip = \"reason\"".into())),
    };
    let message =
        template(message, &format!("{key}.{}", if skip { "skip" } else { "reject" }), known, filters, manifest_file)?;
    let value = check
        .value
        .as_deref()
        .map(|text| template(text, &format!("{key}.value"), known, filters, manifest_file))
        .transpose()?;
    let mut when = Vec::new();
    for (name, pattern) in &check.when {
        if !known.contains(name) {
            return Err(invalid(format!("when: `{name}` is not a value here (a group of adapter.names or a column)")));
        }
        let regex = compile_regex(pattern).map_err(|message| invalid(format!("when.{name}: {message}")))?;
        when.push((name.clone(), regex));
    }
    let mut conditions = Vec::new();
    if let Some(list) = &check.one_of {
        conditions.push(Condition::OneOf(list.clone()));
    }
    if let Some(pattern) = &check.regex {
        conditions
            .push(Condition::Regex(compile_regex(pattern).map_err(|message| invalid(format!("regex: {message}")))?));
    }
    if let Some([low, high]) = check.range {
        if low > high {
            return Err(invalid(format!("range [{low}, {high}] is empty")));
        }
        conditions.push(Condition::Range(low, high));
    }
    if let Some(text) = &check.equals {
        conditions.push(Condition::Equals(template(text, &format!("{key}.equals"), known, filters, manifest_file)?));
    }
    if let Some(table) = &check.known_in {
        let exists = match table.as_str() {
            "speakers" => !manifest.speakers.is_empty(),
            "sentences" => !manifest.sentences.is_empty(),
            map => spec.maps.contains_key(map),
        };
        if !exists {
            return Err(invalid(format!(
                "in = \"{table}\": the manifest has no such table (use speakers, sentences or a map of [adapter.maps])"
            )));
        }
        conditions.push(Condition::In(table.clone()));
    }
    if conditions.len() > 1 {
        return Err(invalid("give one condition (one_of, regex, range, equals or in) per check".into()));
    }
    let condition = conditions.pop();
    match (&value, &condition) {
        (None, Some(_)) => return Err(invalid("a condition needs the value it tests: add value = \"{group}\"".into())),
        (Some(_), None) => {
            return Err(invalid("value without a condition: add one_of, regex, range, equals or in".into()))
        }
        (None, None) if when.is_empty() => {
            return Err(invalid("a check without a condition needs `when`, or it would apply to every file".into()))
        }
        _ => {}
    }
    Ok(CompiledCheck { key, value, when, condition, message, skip })
}

/// The part of a glob after its last wildcard, e.g. `data.tsv` of `{,*/}data.tsv`.
fn fixed_tail(glob: &str) -> String {
    let start = glob.rfind(['*', '?', '[', ']', '{', '}']).map_or(0, |i| i + 1);
    glob[start..].trim_start_matches('/').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_stay_inside_the_corpus_folder() {
        assert!(compile_glob("**/*.wav").unwrap().is_match("a/b/c.wav"));
        assert!(compile_glob("**/*.wav").unwrap().is_match("c.wav"));
        assert!(!compile_glob("*.wav").unwrap().is_match("a/c.wav"));
        let wrapped = compile_glob("{,*/}data.tsv").unwrap();
        assert!(wrapped.is_match("data.tsv") && wrapped.is_match("nEMO/data.tsv") && !wrapped.is_match("a/b/data.tsv"));
        assert!(compile_glob("JL(wav+txt)/*.wav").unwrap().is_match("JL(wav+txt)/x.wav"));
        for bad in ["../x/*.wav", "/data/*.wav", "a/../../b", "{a,..}/x", "C:/x", "~/x"] {
            let error = compile_glob(bad).unwrap_err();
            assert!(error.contains("corpus folder") || error.contains("absolute"), "{bad}: {error}");
        }
        assert!(compile_glob("a\\b").unwrap_err().contains("not `\\`"));
        assert!(compile_glob("{a,b").unwrap_err().contains("is not a glob"));
    }

    #[test]
    fn unsupported_regex_syntax_says_what_to_do() {
        let error = compile_regex(r"(?P<a>\d+)(?=x)").unwrap_err();
        assert!(error.contains("look-around") && error.contains("[[adapter.checks]]"), "{error}");
        let error = compile_regex(r"(\d)\1").unwrap_err();
        assert!(error.contains("backreference"), "{error}");
        let error = compile_regex(r"(?P<a>\d").unwrap_err();
        assert!(error.contains("not a regular expression") && !error.contains("look-around"), "{error}");
        assert!(compile_regex(r"\d{2}").unwrap().is_match("12"));
        assert!(!compile_regex(r"\d{2}").unwrap().is_match("123"), "regular expressions match whole values");
    }

    #[test]
    fn fixed_tails_name_missing_tables() {
        assert_eq!(fixed_tail("{,*/}data.tsv"), "data.tsv");
        assert_eq!(fixed_tail("**/metadata/samples.csv"), "metadata/samples.csv");
        assert_eq!(fixed_tail("labels.csv"), "labels.csv");
    }
}
