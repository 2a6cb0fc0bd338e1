//! What makes `cameo eval run` resumable and reproducible: reading an earlier run's results
//! file (which samples are answered, which failed) while refusing any change of the settings
//! that shape an answer, and the run header `<output>.run.json` (tool version, SHA-256 of the
//! metadata, instruction, every parameter, endpoints, start times).
use std::collections::HashSet;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::error::{json_type, EvalError, Location};
use super::records::{json_lines, Metadata};

/// The settings every result line records and a resume must not change, in the order of the
/// line: (column, value).
pub type RunColumns = Vec<(&'static str, Value)>;

/// What an earlier run left in the results file.
#[derive(Debug, Default)]
pub struct Earlier {
    /// Samples with an answer.
    pub answered: HashSet<String>,
    /// Samples whose lines are all failures.
    pub failed: HashSet<String>,
}

/// Reads the results file (absent: nothing done). A last line cut short by a kill is removed;
/// a line written with other settings is an error naming the setting and both values.
pub fn read_earlier(path: &Path, metadata: &Metadata, columns: &RunColumns) -> Result<Earlier, EvalError> {
    let mut earlier = Earlier::default();
    let mut bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(earlier),
        Err(e) => return Err(EvalError::io(path, e)),
    };
    if !bytes.is_empty() && !bytes.ends_with(b"\n") {
        let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        eprintln!(
            "{}: dropping an unfinished last line ({} bytes) left by an interrupted run",
            path.display(),
            bytes.len() - keep
        );
        let file = OpenOptions::new().write(true).open(path).map_err(|e| EvalError::io(path, e))?;
        file.set_len(keep as u64).map_err(|e| EvalError::io(path, e))?;
        bytes.truncate(keep);
    }
    for (line, text) in json_lines(path, &bytes)? {
        let at = Location::new(path, line);
        let value: Value = serde_json::from_str(text).map_err(|e| EvalError::json(at.clone(), &e))?;
        let file_id = match value.get("file_id") {
            Some(Value::String(id)) => id.clone(),
            Some(other) => return Err(EvalError::NotAString { at, column: "file_id", found: json_type(other) }),
            None => return Err(EvalError::MissingColumn { at, column: "file_id", what: "result" }),
        };
        if metadata.get(&file_id).is_none() {
            return Err(EvalError::UnknownFileId { at, file_id });
        }
        for (column, expected) in columns {
            let found = value.get(*column).cloned().unwrap_or(Value::Null);
            if !same(&found, expected) {
                return Err(EvalError::ResumeMismatch {
                    at: at.clone(),
                    column,
                    found: found.to_string(),
                    expected: expected.to_string(),
                });
            }
        }
        if value.get("response").is_some_and(Value::is_string) {
            earlier.failed.remove(&file_id);
            earlier.answered.insert(file_id);
        } else if !earlier.answered.contains(&file_id) {
            earlier.failed.insert(file_id);
        }
    }
    Ok(earlier)
}

/// Equal as JSON, numbers compared by value (`0` and `0.0` are the same temperature).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// `<output>.run.json`.
pub fn header_path(output: &Path) -> PathBuf {
    let mut name = output.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".run.json");
    output.with_file_name(name)
}

/// The run header of this invocation.
#[derive(Debug, Clone)]
pub struct RunHeader {
    pub metadata_path: PathBuf,
    pub metadata_sha256: String,
    pub template_version: &'static str,
    pub instruction_template: &'static str,
    /// The instruction as sent, per dataset (its candidate labels filled in).
    pub instructions: Map<String, Value>,
    /// The recorded settings (a resume must keep them).
    pub columns: RunColumns,
    /// Settings that may change between invocations (splits, concurrency, retries ...).
    pub other: Map<String, Value>,
    pub endpoints: Vec<String>,
    pub started_at: String,
}

/// Writes the header beside the results, or, when one is there, checks that the metadata and
/// the settings are the same and adds this invocation to its `invocations`.
pub fn write_header(output: &Path, header: &RunHeader) -> Result<(), EvalError> {
    let path = header_path(output);
    let invocation = json!({
        "started_at": header.started_at,
        "endpoints": header.endpoints,
        "settings": header.other,
    });
    let parameters: Map<String, Value> = header.columns.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    let document = match std::fs::read(&path) {
        Ok(bytes) => {
            let mut existing: Value =
                serde_json::from_slice(&bytes).map_err(|e| EvalError::json(Location::new(&path, 1), &e))?;
            let recorded = existing.pointer("/metadata/sha256").cloned().unwrap_or(Value::Null);
            if recorded != json!(header.metadata_sha256) {
                return Err(EvalError::RunHeaderMismatch {
                    path,
                    column: "metadata SHA-256",
                    found: recorded.to_string(),
                    expected: json!(header.metadata_sha256).to_string(),
                });
            }
            for (column, expected) in &header.columns {
                let found = existing.pointer(&format!("/parameters/{column}")).cloned().unwrap_or(Value::Null);
                if !same(&found, expected) {
                    return Err(EvalError::RunHeaderMismatch {
                        path,
                        column,
                        found: found.to_string(),
                        expected: expected.to_string(),
                    });
                }
            }
            match existing.get_mut("invocations").and_then(Value::as_array_mut) {
                Some(list) => list.push(invocation),
                None => existing["invocations"] = json!([invocation]),
            }
            existing
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => json!({
            "tool": "cameo",
            "version": env!("CARGO_PKG_VERSION"),
            "started_at": header.started_at,
            "metadata": {"path": header.metadata_path.display().to_string(), "sha256": header.metadata_sha256},
            "template_version": header.template_version,
            "instruction_template": header.instruction_template,
            "instructions": header.instructions,
            "parameters": parameters,
            "endpoints": header.endpoints,
            "invocations": [invocation],
        }),
        Err(e) => return Err(EvalError::io(&path, e)),
    };
    let mut text = serde_json::to_string_pretty(&document).expect("a run header serialises");
    text.push('\n');
    crate::fsutil::write_atomic(&path, text.as_bytes()).map_err(|e| EvalError::io(&path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_sits_beside_the_results() {
        assert_eq!(header_path(Path::new("out/qwen2.jsonl")), PathBuf::from("out/qwen2.jsonl.run.json"));
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(same(&json!(0), &json!(0.0)));
        assert!(!same(&json!(0.7), &json!(0.70001)));
        assert!(!same(&json!(0), &Value::Null));
        assert!(same(&json!("before"), &json!("before")));
    }
}
