//! The manifest's `[adapter]` section as written: how a file-per-utterance corpus becomes
//! items without Rust code (which files are audio, the file-name grammar, a metadata table,
//! checks, and how each record field is formed), or why a corpus keeps a Rust adapter.
//! Every table denies unknown keys, so a typo is an error naming the key. What the keys mean
//! is documented in CONTRIBUTING.md; [`super::compile`] checks them and names the key of any
//! mistake.
use serde::Deserialize;
use std::collections::BTreeMap;

/// `[adapter]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdapterSpec {
    /// The Rust adapter that reads this corpus, by its name in [`crate::corpora::RUST_ADAPTERS`]
    /// (src/corpora/<name>.rs); with it only `why` may be set.
    pub rust: Option<String>,
    /// Why the corpus needs the Rust adapter `rust` names (one sentence).
    pub why: Option<String>,
    /// What to do when `raw/<id>/` does not exist, e.g. "extract CaFE_48k.zip into it".
    pub missing_folder: Option<String>,
    /// Which files are audio and which are set aside: each file below the corpus folder takes
    /// the first rule whose glob matches its path. A file no rule matches is a reject telling
    /// the contributor to add a rule.
    #[serde(default)]
    pub files: Vec<FileRule>,
    /// The error when no file is taken (a corpus that must have a certain folder).
    pub no_audio: Option<String>,
    /// The error when taken files lie in more than one folder (two copies of a flat corpus).
    pub several_folders: Option<String>,
    /// The file-name grammar: regular expressions with named groups that must match the whole
    /// file name; the first one that matches gives the groups.
    #[serde(default)]
    pub names: Vec<String>,
    /// The reject reason for a name that no regular expression of `names` matches.
    pub name_mismatch: Option<String>,
    /// A metadata table with one row per audio file.
    pub table: Option<TableSpec>,
    /// A table with one row per speaker, joined by the `speaker` field.
    pub speaker_table: Option<SpeakerTableSpec>,
    /// A text file beside each audio file holding its transcription.
    pub sidecar: Option<SidecarSpec>,
    /// Rules every item must pass, in order; the first that fails rejects or skips the file.
    #[serde(default)]
    pub checks: Vec<Check>,
    /// Named code maps used as template filters (`{code|name}`) and in checks (`in = "name"`).
    #[serde(default)]
    pub maps: BTreeMap<String, BTreeMap<String, String>>,
    /// How each record field is formed.
    pub fields: Option<Fields>,
}

/// One entry of `files`: a glob relative to the corpus folder and what its files are.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRule {
    pub glob: String,
    /// The files are audio: each becomes an item or a reject.
    #[serde(default)]
    pub take: bool,
    /// The files are not audio, for this reason.
    pub skip: Option<String>,
}

/// `[adapter.table]`: a CSV/TSV/pipe-separated table describing the audio files.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    /// Glob of the table file relative to the corpus folder; exactly one file must match.
    pub path: String,
    /// The field separator: `","` (default), `"\t"`, `"|"` or `";"`.
    pub delimiter: Option<String>,
    /// Whether `"` quotes fields (default true).
    pub quoting: Option<bool>,
    /// Whether spaces around every field are removed (default false).
    #[serde(default)]
    pub trim: bool,
    /// The columns the manifest uses, by header name (`{row.<column>}` in templates).
    pub columns: Vec<String>,
    /// Each row's audio file, relative to the table's folder, e.g. `"samples/{row.file_id}"`.
    pub file: String,
    /// The error when no table file is found.
    pub missing: Option<String>,
    /// Why the table file itself is not an item.
    pub skip: Option<String>,
}

/// `[adapter.speaker_table]`: a CSV/TSV table of speaker facts (`{speaker.<column>}` in
/// templates), one row per speaker, joined by the value of `fields.speaker`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpeakerTableSpec {
    /// Glob of the table file, relative to the folder of `[adapter.table]` when the manifest
    /// has one (the speaker table of the same copy of the corpus), else to the corpus folder.
    pub path: String,
    pub delimiter: Option<String>,
    pub quoting: Option<bool>,
    #[serde(default)]
    pub trim: bool,
    /// The column holding the speaker id.
    pub key: String,
    /// The columns the manifest uses.
    pub columns: Vec<String>,
    pub missing: Option<String>,
    pub skip: Option<String>,
    /// The reject reason for a speaker without a row.
    pub unknown: Option<String>,
}

/// `[adapter.sidecar]`: `<stem>.<extension>` beside each audio file holds its text.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SidecarSpec {
    pub extension: String,
    /// Why a sidecar file is not an item.
    pub skip: Option<String>,
    /// The reject reason when an audio file has no sidecar.
    pub missing: Option<String>,
}

/// One entry of `checks`. The check applies when every `when` value matches its regular
/// expression; then `value` must satisfy its condition (one of `one_of`, `regex`, `range`,
/// `equals`, `in`), or the file is rejected (`reject`) or skipped (`skip`) with the message.
/// A check without a condition acts whenever `when` holds. A check whose `value` uses a group
/// the file name did not fill does not apply.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub value: Option<String>,
    #[serde(default)]
    pub when: BTreeMap<String, String>,
    pub one_of: Option<Vec<String>>,
    pub regex: Option<String>,
    /// Inclusive bounds of a decimal number.
    pub range: Option<[u64; 2]>,
    pub equals: Option<String>,
    /// A key of `speakers` (the manifest's `[speakers]`), `sentences` or a map of `maps`.
    #[serde(rename = "in")]
    pub known_in: Option<String>,
    pub reject: Option<String>,
    pub skip: Option<String>,
}

/// `[adapter.fields]`: templates forming each record field. `gender` renders to `female` or
/// `male` (any case; empty = unknown); `age` to whole years (empty = unknown). Without
/// `gender`/`age`, a manifest with a `[speakers]` table takes them from the speaker's entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    pub label: String,
    pub speaker: Option<String>,
    pub gender: Option<String>,
    pub age: Option<String>,
    pub transcription: Option<String>,
}
