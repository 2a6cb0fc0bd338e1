//! Reads the two inputs of scoring, a build's `metadata.jsonl` and a predictions file, into
//! typed records; every problem is reported with its file and line.
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::error::{json_type, EvalError, Location};

/// One gold sample of the metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct GoldSample {
    pub file_id: String,
    pub emotion: String,
    /// Display name of the corpus (one per split), e.g. `CREMA-D`.
    pub dataset: String,
    pub language: String,
    /// The split id from `audio/<split>/<file_id>`, when the audio column has that form.
    pub split: Option<String>,
    /// The audio column as written (`audio/<split>/<file_id>`).
    pub audio: Option<String>,
    pub line: usize,
}

/// All gold samples of a metadata file, in file order, with an index by file_id.
#[derive(Debug)]
pub struct Metadata {
    pub path: PathBuf,
    pub samples: Vec<GoldSample>,
    index: HashMap<String, usize>,
}

impl Metadata {
    pub fn read(path: &Path) -> Result<Self, EvalError> {
        let bytes = std::fs::read(path).map_err(|e| EvalError::io(path, e))?;
        let mut samples = Vec::new();
        let mut index = HashMap::new();
        for (line, text) in json_lines(path, &bytes)? {
            let at = Location::new(path, line);
            let raw: RawMetadata = serde_json::from_str(text).map_err(|e| EvalError::json(at.clone(), &e))?;
            let field = |value, column| required_string(value, column, "metadata", &at);
            let file_id = field(raw.file_id, "file_id")?;
            let emotion = field(raw.emotion, "emotion")?;
            let dataset = field(raw.dataset, "dataset")?;
            let language = field(raw.language, "language")?;
            let audio = match raw.audio {
                Some(Value::String(audio)) => Some(audio),
                _ => None,
            };
            let split = audio.as_deref().and_then(split_of);
            if let Some(&first) = index.get(&file_id) {
                let first_line = samples_line(&samples, first);
                return Err(EvalError::DuplicateMetadata { at, file_id, first_line });
            }
            index.insert(file_id.clone(), samples.len());
            samples.push(GoldSample { file_id, emotion, dataset, language, split, audio, line });
        }
        if samples.is_empty() {
            return Err(EvalError::Empty { path: path.to_path_buf(), what: "metadata" });
        }
        Ok(Self { path: path.to_path_buf(), samples, index })
    }

    pub fn get(&self, file_id: &str) -> Option<&GoldSample> {
        self.index.get(file_id).map(|&i| &self.samples[i])
    }

    pub fn position(&self, file_id: &str) -> Option<usize> {
        self.index.get(file_id).copied()
    }
}

fn samples_line(samples: &[GoldSample], index: usize) -> usize {
    samples[index].line
}

/// `audio/<split>/<file_id>` → `<split>`.
fn split_of(audio: &str) -> Option<String> {
    let mut parts = audio.split('/');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("audio"), Some(split), Some(file), None) if !split.is_empty() && !file.is_empty() => {
            Some(split.to_string())
        }
        _ => None,
    }
}

/// One model answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub file_id: String,
    pub response: String,
    pub line: usize,
    /// The server stopped at the token limit (`finish_reason: "length"`): scored as given.
    pub truncated: bool,
}

/// The predictions of one run, de-duplicated, with what the lines say about the run.
#[derive(Debug)]
pub struct Predictions {
    pub path: PathBuf,
    pub items: Vec<Prediction>,
    /// Samples with only failed lines (`error`, no `response`): file_id and first such line.
    pub failed: Vec<(String, usize)>,
    pub model: Option<String>,
    pub temperature: Option<f64>,
    pub template_version: Option<String>,
    /// The label scope the answers were asked with (`eval run` records it).
    pub labels_scope: Option<String>,
    pub seed: Option<u64>,
}

/// A run property that must be the same on every line that states it.
struct RunProperty {
    column: &'static str,
    first: Option<(String, usize)>,
}

impl RunProperty {
    fn new(column: &'static str) -> Self {
        Self { column, first: None }
    }

    fn check(&mut self, value: Option<String>, at: &Location) -> Result<(), EvalError> {
        let Some(value) = value else { return Ok(()) };
        match &self.first {
            None => self.first = Some((value, at.line)),
            Some((first, first_line)) if *first != value => {
                return Err(EvalError::MixedRun {
                    at: at.clone(),
                    column: self.column,
                    this: value,
                    first: first.clone(),
                    first_line: *first_line,
                })
            }
            Some(_) => {}
        }
        Ok(())
    }

    fn value(self) -> Option<String> {
        self.first.map(|(value, _)| value)
    }
}

impl Predictions {
    /// Reads a predictions file; file_ids must exist in `metadata`. A file_id repeated with the
    /// same response is kept once; with a different response it is an error. A failed line
    /// (`error` and no `response`, as `eval run` writes) counts as failed unless another line
    /// answers the same sample (a `--retry-failed` rerun appends it).
    pub fn read(path: &Path, metadata: &Metadata) -> Result<Self, EvalError> {
        let bytes = std::fs::read(path).map_err(|e| EvalError::io(path, e))?;
        let mut items: Vec<Prediction> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut failed: Vec<(String, usize)> = Vec::new();
        let mut failed_seen: HashMap<String, usize> = HashMap::new();
        let mut model = RunProperty::new("model");
        let mut temperature = RunProperty::new("temperature");
        let mut template = RunProperty::new("template_version");
        let mut scope = RunProperty::new("labels_scope");
        let mut seed = RunProperty::new("seed");
        let mut temperature_value = None;
        let mut seed_value = None;
        for (line, text) in json_lines(path, &bytes)? {
            let at = Location::new(path, line);
            let raw: RawPrediction = serde_json::from_str(text).map_err(|e| EvalError::json(at.clone(), &e))?;
            let file_id = required_string(raw.file_id, "file_id", "prediction", &at)?;
            let error = optional_string(raw.error, "error", &at)?;
            let response = match (raw.response, error) {
                (None | Some(Value::Null), Some(_)) => None,
                (response, _) => Some(required_string(response, "response", "prediction", &at)?),
            };
            if metadata.get(&file_id).is_none() {
                return Err(EvalError::UnknownFileId { at, file_id });
            }
            model.check(optional_string(raw.model, "model", &at)?, &at)?;
            template.check(optional_string(raw.template_version, "template_version", &at)?, &at)?;
            scope.check(optional_string(raw.labels_scope, "labels_scope", &at)?, &at)?;
            match raw.seed {
                None | Some(Value::Null) => {}
                Some(Value::Number(number)) if number.as_u64().is_some() => {
                    seed.check(Some(number.to_string()), &at)?;
                    seed_value = number.as_u64();
                }
                Some(other) => {
                    return Err(EvalError::MalformedJson {
                        at,
                        message: format!("`seed` must be a whole number, found {}", json_type(&other)),
                    })
                }
            }
            let finish_reason = optional_string(raw.finish_reason, "finish_reason", &at)?;
            match raw.temperature {
                None | Some(Value::Null) => {}
                Some(Value::Number(number)) => {
                    // Compare as numbers, so `0` and `0.0` are the same temperature.
                    let text = number.as_f64().map_or_else(|| number.to_string(), |t| t.to_string());
                    temperature.check(Some(text), &at)?;
                    temperature_value = number.as_f64();
                }
                Some(other) => {
                    return Err(EvalError::MalformedJson {
                        at,
                        message: format!("`temperature` must be a number, found {}", json_type(&other)),
                    })
                }
            }
            let Some(response) = response else {
                if let std::collections::hash_map::Entry::Vacant(slot) = failed_seen.entry(file_id.clone()) {
                    slot.insert(failed.len());
                    failed.push((file_id, line));
                }
                continue;
            };
            if let Some(&first) = seen.get(&file_id) {
                let earlier: &Prediction = &items[first];
                if earlier.response != response {
                    return Err(EvalError::ConflictingDuplicate { at, file_id, first_line: earlier.line });
                }
                continue;
            }
            seen.insert(file_id.clone(), items.len());
            let truncated = finish_reason.as_deref() == Some("length");
            items.push(Prediction { file_id, response, line, truncated });
        }
        // A sample answered on another line (a retry) is not failed.
        failed.retain(|(file_id, _)| !seen.contains_key(file_id));
        if items.is_empty() && failed.is_empty() {
            return Err(EvalError::Empty { path: path.to_path_buf(), what: "predictions" });
        }
        Ok(Self {
            path: path.to_path_buf(),
            items,
            failed,
            model: model.value(),
            temperature: temperature.value().and(temperature_value),
            template_version: template.value(),
            labels_scope: scope.value(),
            seed: seed.value().and(seed_value),
        })
    }
}

/// The non-blank lines of a JSON-lines file with their 1-based numbers; a UTF-8 BOM and
/// CRLF line ends are accepted, invalid UTF-8 is an error naming the line.
pub(crate) fn json_lines<'a>(path: &Path, bytes: &'a [u8]) -> Result<Vec<(usize, &'a str)>, EvalError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut lines = Vec::new();
    for (index, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = index + 1;
        let text = std::str::from_utf8(raw).map_err(|e| EvalError::MalformedJson {
            at: Location::new(path, line),
            message: format!("not valid UTF-8 (byte {})", e.valid_up_to() + 1),
        })?;
        let text = text.strip_suffix('\r').unwrap_or(text);
        if !text.trim().is_empty() {
            lines.push((line, text));
        }
    }
    Ok(lines)
}

/// Deserialises a present field as `Some(value)`, even when the value is `null`.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

#[derive(Deserialize)]
struct RawMetadata {
    #[serde(default, deserialize_with = "present")]
    file_id: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    emotion: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    dataset: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    language: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    audio: Option<Value>,
}

#[derive(Deserialize)]
struct RawPrediction {
    #[serde(default, deserialize_with = "present")]
    file_id: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    response: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    model: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    temperature: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    template_version: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    labels_scope: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    seed: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    error: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    finish_reason: Option<Value>,
}

fn required_string(
    value: Option<Value>,
    column: &'static str,
    what: &'static str,
    at: &Location,
) -> Result<String, EvalError> {
    match value {
        None => Err(EvalError::MissingColumn { at: at.clone(), column, what }),
        Some(Value::String(text)) => Ok(text),
        Some(other) => Err(EvalError::NotAString { at: at.clone(), column, found: json_type(&other) }),
    }
}

fn optional_string(value: Option<Value>, column: &'static str, at: &Location) -> Result<Option<String>, EvalError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(other) => Err(EvalError::NotAString { at: at.clone(), column, found: json_type(&other) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::File::create(&path).unwrap().write_all(text.as_bytes()).unwrap();
        path
    }

    const META: &str = concat!(
        r#"{"file_id":"a.flac","audio":"audio/cafe/a.flac","emotion":"anger","dataset":"CaFE","language":"French"}"#,
        "\n",
        r#"{"file_id":"b.flac","audio":"audio/cafe/b.flac","emotion":"fear","dataset":"CaFE","language":"French"}"#,
        "\n"
    );

    #[test]
    fn reads_metadata_with_split() {
        let dir = tempfile::tempdir().unwrap();
        let metadata = Metadata::read(&write(dir.path(), "m.jsonl", META)).unwrap();
        assert_eq!(metadata.samples.len(), 2);
        assert_eq!(metadata.get("b.flac").unwrap().split.as_deref(), Some("cafe"));
    }

    #[test]
    fn metadata_without_emotion_names_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "m.jsonl",
            &format!("{META}{{\"file_id\":\"c.flac\",\"dataset\":\"CaFE\",\"language\":\"French\"}}\n"),
        );
        let error = Metadata::read(&path).unwrap_err().to_string();
        assert!(error.ends_with("m.jsonl:3: missing column `emotion` (every metadata line needs it)"), "{error}");
    }

    #[test]
    fn prediction_errors_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let metadata = Metadata::read(&write(dir.path(), "m.jsonl", META)).unwrap();
        let cases = [
            ("{\"file_id\":\"a.flac\",\"response\":\"x\"}\n{oops\n", ":2: malformed JSON"),
            ("{\"file_id\":\"z.flac\",\"response\":\"x\"}\n", ":1: file_id z.flac is not in the metadata"),
            ("{\"file_id\":\"a.flac\",\"response\":5}\n", ":1: `response` must be a string, found a number"),
            (
                "{\"file_id\":\"a.flac\",\"response\":\"x\"}\n\n{\"file_id\":\"a.flac\",\"response\":\"y\"}\n",
                ":3: file_id a.flac was already predicted on line 1",
            ),
            ("\n  \n", "p.jsonl: empty predictions file"),
            (
                "{\"file_id\":\"a.flac\",\"response\":\"x\",\"model\":\"m1\"}\n{\"file_id\":\"b.flac\",\"response\":\"x\",\"model\":\"m2\"}\n",
                ":2: `model` is \"m2\" here but \"m1\" on line 1",
            ),
        ];
        for (text, expected) in cases {
            let path = write(dir.path(), "p.jsonl", text);
            let error = Predictions::read(&path, &metadata).unwrap_err().to_string();
            assert!(error.contains(expected), "{error} does not contain {expected}");
            assert!(!error.contains('\n'));
        }
    }

    #[test]
    fn identical_duplicates_are_kept_once() {
        let dir = tempfile::tempdir().unwrap();
        let metadata = Metadata::read(&write(dir.path(), "m.jsonl", META)).unwrap();
        let line = "{\"file_id\":\"a.flac\",\"response\":\"x\",\"model\":\"m\",\"temperature\":0}\r\n";
        // `0.0` on another line is the same temperature as `0`.
        let other = "{\"file_id\":\"b.flac\",\"response\":\"y\",\"temperature\":0.0}\n";
        let path = write(dir.path(), "p.jsonl", &format!("\u{feff}{line}{line}{other}"));
        let predictions = Predictions::read(&path, &metadata).unwrap();
        assert_eq!(predictions.items.len(), 2);
        assert_eq!(predictions.model.as_deref(), Some("m"));
        assert_eq!(predictions.temperature, Some(0.0));
    }
}
