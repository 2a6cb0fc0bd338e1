//! Typed errors of the evaluation stage; each prints as one line naming the file and line.
use std::fmt;
use std::path::PathBuf;

/// A place in an input file: `path:line` (lines count from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: PathBuf,
    pub line: usize,
}

impl Location {
    pub fn new(path: impl Into<PathBuf>, line: usize) -> Self {
        Self { path: path.into(), line }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path.display(), self.line)
    }
}

/// Everything that can go wrong while parsing, scoring, running or ranking.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error(transparent)]
    Interrupted(#[from] crate::interrupt::Interrupted),
    #[error("{path}: {source}", path = .path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{at}: malformed JSON: {message}")]
    MalformedJson { at: Location, message: String },
    #[error("{at}: missing column `{column}` (every {what} line needs it)")]
    MissingColumn { at: Location, column: &'static str, what: &'static str },
    #[error("{at}: `{column}` must be a string, found {found}")]
    NotAString { at: Location, column: &'static str, found: &'static str },
    #[error("{at}: file_id {file_id} appears twice in the metadata (first on line {first_line})")]
    DuplicateMetadata { at: Location, file_id: String, first_line: usize },
    #[error("{path}: empty {what} file (no records)", path = .path.display())]
    Empty { path: PathBuf, what: &'static str },
    #[error("{at}: file_id {file_id} is not in the metadata")]
    UnknownFileId { at: Location, file_id: String },
    #[error("{at}: file_id {file_id} was already predicted on line {first_line} with a different response")]
    ConflictingDuplicate { at: Location, file_id: String, first_line: usize },
    #[error("{at}: `{column}` is {this:?} here but {first:?} on line {first_line}; one file must hold one run")]
    MixedRun { at: Location, column: &'static str, this: String, first: String, first_line: usize },
    #[error("{at}: this file was written with {column} {found}, not {expected}; resume with the same settings or use another --output")]
    ResumeMismatch { at: Location, column: &'static str, found: String, expected: String },
    #[error("{at}: the audio path {audio:?} is not of the form audio/<split>/<file_id>")]
    BadAudioPath { at: Location, audio: String },
    #[error("--labels: label {label:?} is given twice (positions {first} and {second})")]
    DuplicateLabel { label: String, first: usize, second: usize },
    #[error("--labels: label number {position} is empty")]
    EmptyLabel { position: usize },
    #[error("{path}: {missing} of {total} samples have no prediction, {failed} failed (--require-complete); resume the run (`cameo eval run`, with --retry-failed for the failed ones) and score again", path = .path.display())]
    Incomplete { path: PathBuf, missing: usize, failed: usize, total: usize },
    #[error("{path}: {missing} of {total} samples have no prediction, {failed} failed; finish the run (`cameo eval run` resumes, --retry-failed retries failures) and score it again, or pass --allow-incomplete to rank it anyway", path = .path.display())]
    IncompleteReport { path: PathBuf, missing: usize, failed: usize, total: usize },
    #[error("{path}: the answers were asked with --labels-scope {recorded}, not {given}; score with --labels-scope {recorded} or leave the flag out", path = .path.display())]
    LabelsScopeMismatch { path: PathBuf, recorded: String, given: String },
    #[error("{path}: labels_scope {found:?} is neither `dataset` nor `collection`", path = .path.display())]
    UnknownLabelsScope { path: PathBuf, found: String },
    #[error("{path}: this run was started with {column} {found}, not {expected}; resume with the same settings or use another --output", path = .path.display())]
    RunHeaderMismatch { path: PathBuf, column: &'static str, found: String, expected: String },
    #[error("{path}: {column} is {this} here but {first} in {first_path}; runs of one model and temperature must share it", path = .path.display(), first_path = .first_path.display())]
    MixedRuns { path: PathBuf, column: &'static str, this: String, first: String, first_path: PathBuf },
    #[error("{path}: seed {seed} of {model} at temperature {temperature} is already given by {first_path} (the same run twice would count double)", path = .path.display(), first_path = .first_path.display())]
    SameSeedTwice { path: PathBuf, model: String, temperature: String, seed: u64, first_path: PathBuf },
    #[error("{path}: not a cameo eval report: {message}", path = .path.display())]
    BadReport { path: PathBuf, message: String },
    #[error("{path}: {message}", path = .path.display())]
    Audio { path: PathBuf, message: String },
    #[error("{file_id}: {message}")]
    Request { file_id: String, message: String },
    #[error("{path}: cannot draw the plot: {message}", path = .path.display())]
    Plot { path: PathBuf, message: String },
}

impl EvalError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }

    /// A serde_json error on one line, without serde's own "at line 1 column N" suffix.
    pub(crate) fn json(at: Location, error: &serde_json::Error) -> Self {
        let text = error.to_string();
        let message = match text.rfind(" at line ") {
            Some(cut) => format!("{} (column {})", &text[..cut], error.column()),
            None => text,
        };
        Self::MalformedJson { at, message }
    }
}

/// The JSON type name of a value, for error messages.
pub(crate) fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}
