//! `cameo eval run`: sends every sample of a build (instruction + audio) to an
//! OpenAI-compatible chat-completions server and appends one result line per answer.
//! Resumable (a rerun skips file_ids already in the output), bounded in concurrency, retrying
//! 429/408/5xx answers and transport errors with exponential back-off.
use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use serde::Serialize;
use serde_json::{json, Value};

use super::audio::{read_flac, wav_bytes};
use super::error::{json_type, EvalError, Location};
use super::records::{json_lines, GoldSample, Metadata};
use super::score::{CandidateLabels, LabelsScope};
use super::template::{render, TEMPLATE_VERSION};

/// Everything one run needs.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Base URL as OpenAI clients take it, e.g. `http://localhost:8000/v1`.
    pub endpoint: String,
    pub model: String,
    /// A build folder: `metadata.jsonl` and `audio/<split>/<file_id>`.
    pub dataset: PathBuf,
    pub output: PathBuf,
    pub temperature: f64,
    pub concurrency: usize,
    /// Send at most this many new requests in this invocation.
    pub limit: Option<usize>,
    /// Only these splits (all when empty).
    pub splits: Vec<String>,
    pub seed: Option<u64>,
    pub max_tokens: u32,
    pub labels_scope: LabelsScope,
    /// Retries after the first attempt.
    pub retries: u32,
    /// First back-off; doubles on every retry (capped at 60 s).
    pub retry_base: Duration,
    pub timeout: Duration,
    pub api_key: Option<String>,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSummary {
    /// Samples selected (after --split).
    pub selected: usize,
    /// Already in the output before this run.
    pub already_done: usize,
    /// Answers written by this run.
    pub written: usize,
    /// Still without an answer after this run.
    pub remaining: usize,
}

/// One line of the output file.
#[derive(Debug, Serialize)]
struct ResultLine<'a> {
    file_id: &'a str,
    response: &'a str,
    model: &'a str,
    temperature: f64,
    template_version: &'a str,
    server_model: Option<&'a str>,
    split: &'a str,
    seed: Option<u64>,
    labels_scope: &'a str,
}

/// Runs the model over the build; returns an error (after writing what succeeded) when a
/// sample fails for good, so a rerun picks up exactly the rest.
pub fn run(options: &RunOptions) -> Result<RunSummary, EvalError> {
    let metadata = Metadata::read(&options.dataset.join("metadata.jsonl"))?;
    let candidates = CandidateLabels::new(&metadata, options.labels_scope);
    let mut selected: Vec<&GoldSample> = Vec::new();
    for sample in &metadata.samples {
        let split = sample_split(&metadata, sample)?;
        if options.splits.is_empty() || options.splits.iter().any(|s| s == split) {
            selected.push(sample);
        }
    }
    let done = resume(options, &metadata)?;
    let already_done = selected.iter().filter(|s| done.contains(&s.file_id)).count();
    let mut pending: Vec<&GoldSample> = selected.iter().copied().filter(|s| !done.contains(&s.file_id)).collect();
    if let Some(limit) = options.limit {
        pending.truncate(limit);
    }

    let writer = Mutex::new(
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(&options.output)
            .map_err(|e| EvalError::io(&options.output, e))?,
    );
    let agent: ureq::Agent =
        ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(options.timeout)).build().into();
    let url = format!("{}/chat/completions", options.endpoint.trim_end_matches('/'));
    let progress = Progress::new(pending.len() as u64);
    let next = AtomicUsize::new(0);
    let written = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let failure: Mutex<Option<EvalError>> = Mutex::new(None);
    let workers = options.concurrency.clamp(1, 256).min(pending.len().max(1));

    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let index = next.fetch_add(1, Ordering::SeqCst);
                let Some(sample) = pending.get(index) else {
                    break;
                };
                let labels = candidates.of(sample).labels();
                let outcome = answer(&agent, &url, options, &metadata, sample, labels)
                    .and_then(|line| append(&writer, &options.output, &line));
                match outcome {
                    Ok(()) => {
                        written.fetch_add(1, Ordering::SeqCst);
                        progress.inc();
                    }
                    Err(error) => {
                        stop.store(true, Ordering::SeqCst);
                        failure.lock().expect("no poisoned lock").get_or_insert(error);
                        break;
                    }
                }
            });
        }
    });
    progress.finish();
    if let Some(error) = failure.into_inner().expect("no poisoned lock") {
        return Err(error);
    }
    let written = written.into_inner();
    Ok(RunSummary {
        selected: selected.len(),
        already_done,
        written,
        remaining: selected.len() - already_done - written,
    })
}

fn sample_split<'a>(metadata: &Metadata, sample: &'a GoldSample) -> Result<&'a str, EvalError> {
    sample.split.as_deref().ok_or_else(|| EvalError::BadAudioPath {
        at: Location::new(&metadata.path, sample.line),
        audio: sample.audio.clone().unwrap_or_default(),
    })
}

/// Reads what an earlier run wrote: the file_ids done. A last line cut short by a kill is
/// removed; a line from a different model, temperature or template is an error.
fn resume(options: &RunOptions, metadata: &Metadata) -> Result<HashSet<String>, EvalError> {
    let path = &options.output;
    let mut done = HashSet::new();
    let mut bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(done),
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
        let expect = |column: &'static str, expected: Value| -> Result<(), EvalError> {
            let found = value.get(column).cloned().unwrap_or(Value::Null);
            let same = match (&found, &expected) {
                (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
                _ => found == expected,
            };
            if same {
                Ok(())
            } else {
                Err(EvalError::ResumeMismatch {
                    at: at.clone(),
                    column,
                    found: found.to_string(),
                    expected: expected.to_string(),
                })
            }
        };
        expect("model", json!(options.model))?;
        expect("temperature", json!(options.temperature))?;
        expect("template_version", json!(TEMPLATE_VERSION))?;
        done.insert(file_id);
    }
    Ok(done)
}

fn append(writer: &Mutex<File>, path: &Path, line: &str) -> Result<(), EvalError> {
    let mut file = writer.lock().expect("no poisoned lock");
    // One write of the whole line: an interrupted run leaves at most one partial last line.
    file.write_all(line.as_bytes()).map_err(|e| EvalError::io(path, e))
}

/// Asks the model about one sample and returns the result line (with its newline).
fn answer(
    agent: &ureq::Agent,
    url: &str,
    options: &RunOptions,
    metadata: &Metadata,
    sample: &GoldSample,
    labels: &[String],
) -> Result<String, EvalError> {
    let split = sample_split(metadata, sample)?;
    let audio_path = options.dataset.join("audio").join(split).join(&sample.file_id);
    let wav = wav_bytes(&read_flac(&audio_path)?);
    let body = request_body(options, &render(labels), &wav);
    let (response, server_model) = complete(agent, url, options, &body, &sample.file_id)?;
    let line = ResultLine {
        file_id: &sample.file_id,
        response: &response,
        model: &options.model,
        temperature: options.temperature,
        template_version: TEMPLATE_VERSION,
        server_model: server_model.as_deref(),
        split,
        seed: options.seed,
        labels_scope: options.labels_scope.as_str(),
    };
    let mut text = serde_json::to_string(&line).expect("a result line serialises");
    text.push('\n');
    Ok(text)
}

/// The chat-completion request: one user message with the instruction and the audio.
pub fn request_body(options: &RunOptions, instruction: &str, wav: &[u8]) -> String {
    let audio = base64::engine::general_purpose::STANDARD.encode(wav);
    let mut body = json!({
        "model": options.model,
        "messages": [{
            "role": "user",
            "content": [
                {"type": "text", "text": instruction},
                {"type": "input_audio", "input_audio": {"data": audio, "format": "wav"}},
            ],
        }],
        "temperature": options.temperature,
        "max_tokens": options.max_tokens,
    });
    if let Some(seed) = options.seed {
        body["seed"] = json!(seed);
    }
    body.to_string()
}

/// Posts one request, retrying transient failures; returns the answer text and the model id
/// the server reports.
fn complete(
    agent: &ureq::Agent,
    url: &str,
    options: &RunOptions,
    body: &str,
    file_id: &str,
) -> Result<(String, Option<String>), EvalError> {
    let fail = |message: String| EvalError::Request { file_id: file_id.to_string(), message };
    let mut last = String::new();
    for attempt in 0..=options.retries {
        if attempt > 0 {
            let factor = 1u32 << (attempt - 1).min(16);
            let wait = options.retry_base.saturating_mul(factor).min(Duration::from_secs(60));
            std::thread::sleep(wait);
        }
        let mut request = agent.post(url).header("Content-Type", "application/json");
        if let Some(key) = &options.api_key {
            request = request.header("Authorization", format!("Bearer {key}"));
        }
        let mut response = match request.send(body) {
            Ok(response) => response,
            Err(error) => {
                last = format!("{url}: {error}");
                continue;
            }
        };
        let status = response.status().as_u16();
        let text = match response.body_mut().read_to_string() {
            Ok(text) => text,
            Err(error) => {
                last = format!("{url}: reading the answer: {error}");
                continue;
            }
        };
        if (200..300).contains(&status) {
            return parse_completion(&text).map_err(fail);
        }
        let snippet: String = text.chars().take(200).collect::<String>().replace('\n', " ");
        last = format!("{url}: HTTP {status}: {snippet}");
        if !(status == 408 || status == 429 || status >= 500) {
            return Err(fail(last));
        }
    }
    Err(fail(format!("gave up after {} attempts; last: {last}", options.retries + 1)))
}

/// `choices[0].message.content` (a string, or text parts joined) and the top-level `model`.
fn parse_completion(text: &str) -> Result<(String, Option<String>), String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("the server's answer is not JSON: {e}"))?;
    let server_model = value.get("model").and_then(Value::as_str).map(str::to_string);
    let content =
        value.pointer("/choices/0/message/content").ok_or("the server's answer has no choices[0].message.content")?;
    let response = match content {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        Value::Array(parts) => {
            parts.iter().filter_map(|p| p.get("text").and_then(Value::as_str)).collect::<Vec<_>>().join("")
        }
        other => return Err(format!("choices[0].message.content is {}", json_type(other))),
    };
    Ok((response, server_model))
}

/// A progress bar on a terminal, a plain line every 10 s (and at the end) otherwise.
enum Progress {
    Bar(indicatif::ProgressBar),
    Plain { total: u64, done: AtomicUsize, start: Instant, last: Mutex<Instant> },
}

impl Progress {
    fn new(total: u64) -> Self {
        if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new(total);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40}] {pos}/{len} answers ({per_sec}, eta {eta})",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            Self::Bar(bar)
        } else {
            let now = Instant::now();
            Self::Plain { total, done: AtomicUsize::new(0), start: now, last: Mutex::new(now) }
        }
    }

    fn inc(&self) {
        match self {
            Self::Bar(bar) => bar.inc(1),
            Self::Plain { total, done, last, .. } => {
                let done = done.fetch_add(1, Ordering::SeqCst) + 1;
                let mut last = last.lock().expect("no poisoned lock");
                if last.elapsed() >= Duration::from_secs(10) {
                    *last = Instant::now();
                    eprintln!("cameo eval run: {done}/{total} answers");
                }
            }
        }
    }

    fn finish(&self) {
        match self {
            Self::Bar(bar) => bar.finish(),
            Self::Plain { total, done, start, .. } => eprintln!(
                "cameo eval run: {}/{total} answers in {:.1} s",
                done.load(Ordering::SeqCst),
                start.elapsed().as_secs_f64()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_text_and_server_model() {
        let answer = r#"{"model":"srv","choices":[{"message":{"role":"assistant","content":"Anger"}}]}"#;
        assert_eq!(parse_completion(answer).unwrap(), ("Anger".to_string(), Some("srv".to_string())));
        assert!(parse_completion(r#"{"choices":[]}"#).is_err());
        assert!(parse_completion("<html>").is_err());
    }
}
