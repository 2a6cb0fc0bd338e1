//! `cameo eval run`: sends every sample of a build (instruction + audio) to one or more
//! OpenAI-compatible chat-completions servers and appends one result line per sample: the
//! answer, or the error that the server gave for it. Resumable (a rerun skips samples already
//! answered; `--retry-failed` retries the failed ones), bounded in concurrency, spread over the
//! endpoints, and a dead endpoint's work goes to the others.
use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{json, Map, Value};

use super::audio::{read_flac, wav_bytes};
use super::client::{ask, request_body, AudioPosition, Completion, Outcome, RetryPolicy, Sampling};
use super::error::{EvalError, Location};
use super::records::{GoldSample, Metadata};
use super::resume::{read_earlier, write_header, RunColumns, RunHeader};
use super::score::{CandidateLabels, LabelsScope};
use super::template::{render, TEMPLATE, TEMPLATE_VERSION};

/// Everything one run needs.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Base URLs as OpenAI clients take them, e.g. `http://localhost:8000/v1` (at least one).
    pub endpoints: Vec<String>,
    pub model: String,
    /// A build folder: `metadata.jsonl` and `audio/<split>/<file_id>`.
    pub dataset: PathBuf,
    pub output: PathBuf,
    pub sampling: Sampling,
    pub audio_position: AudioPosition,
    pub concurrency: usize,
    /// Send at most this many new requests in this invocation.
    pub limit: Option<usize>,
    /// Only these splits (all when empty).
    pub splits: Vec<String>,
    pub labels_scope: LabelsScope,
    pub retry: RetryPolicy,
    pub timeout: Duration,
    pub api_key: Option<String>,
    /// Ask again about samples whose earlier lines are all failures.
    pub retry_failed: bool,
    /// No progress on stderr.
    pub quiet: bool,
}

impl RunOptions {
    /// The settings recorded on every line, which a resume must not change.
    pub fn columns(&self) -> RunColumns {
        let s = &self.sampling;
        vec![
            ("model", json!(self.model)),
            ("temperature", json!(s.temperature)),
            ("top_p", json!(s.top_p)),
            ("top_k", json!(s.top_k)),
            ("repetition_penalty", json!(s.repetition_penalty)),
            ("seed", json!(s.seed)),
            ("max_tokens", json!(s.max_tokens)),
            ("audio_position", json!(self.audio_position.as_str())),
            ("template_version", json!(TEMPLATE_VERSION)),
            ("labels_scope", json!(self.labels_scope.as_str())),
        ]
    }
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSummary {
    /// Samples selected (after --split).
    pub selected: usize,
    /// Answered before this run.
    pub already_done: usize,
    /// Failed before this run and not retried (no --retry-failed).
    pub failed_before: usize,
    /// Answers written by this run.
    pub written: usize,
    /// Of those, cut at the token limit.
    pub truncated: usize,
    /// Failed lines written by this run.
    pub failed: usize,
    /// Still without any line after this run.
    pub remaining: usize,
}

/// One endpoint and whether it still takes work.
#[derive(Debug)]
struct Endpoint {
    url: String,
    down: AtomicBool,
}

/// Runs the model over the build. A sample the server refuses gets a failed line and the run
/// goes on; the run stops with an error only when no endpoint is left or the output cannot be
/// written (what succeeded stays written, so a rerun picks up exactly the rest).
pub fn run(options: &RunOptions) -> Result<RunSummary, EvalError> {
    let metadata_path = options.dataset.join("metadata.jsonl");
    let metadata = Metadata::read(&metadata_path)?;
    let (metadata_sha256, _) =
        crate::fsutil::sha256_file(&metadata_path).map_err(|e| EvalError::io(&metadata_path, e))?;
    let candidates = CandidateLabels::new(&metadata, options.labels_scope);
    let mut selected: Vec<&GoldSample> = Vec::new();
    for sample in &metadata.samples {
        let split = sample_split(&metadata, sample)?;
        if options.splits.is_empty() || options.splits.iter().any(|s| s == split) {
            selected.push(sample);
        }
    }
    let columns = options.columns();
    let earlier = read_earlier(&options.output, &metadata, &columns)?;
    write_header(
        &options.output,
        &RunHeader {
            metadata_path: metadata_path.clone(),
            metadata_sha256,
            template_version: TEMPLATE_VERSION,
            instruction_template: TEMPLATE,
            instructions: candidates
                .iter()
                .map(|(dataset, labels)| (dataset.to_string(), json!(render(labels.labels()))))
                .collect(),
            columns,
            other: other_settings(options),
            endpoints: options.endpoints.clone(),
            started_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        },
    )?;
    let already_done = selected.iter().filter(|s| earlier.answered.contains(&s.file_id)).count();
    let failed_before =
        if options.retry_failed { 0 } else { selected.iter().filter(|s| earlier.failed.contains(&s.file_id)).count() };
    let mut pending: Vec<&GoldSample> = selected
        .iter()
        .copied()
        .filter(|s| {
            !earlier.answered.contains(&s.file_id) && (options.retry_failed || !earlier.failed.contains(&s.file_id))
        })
        .collect();
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
    let endpoints: Vec<Endpoint> =
        options.endpoints.iter().map(|url| Endpoint { url: url.clone(), down: AtomicBool::new(false) }).collect();
    let progress = crate::progress::Progress::items("eval run", pending.len() as u64, "answers", options.quiet);
    let queue: Mutex<VecDeque<&GoldSample>> = Mutex::new(pending.iter().copied().collect());
    let written = AtomicUsize::new(0);
    let truncated = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let turns = AtomicUsize::new(0);
    let failure: Mutex<Option<EvalError>> = Mutex::new(None);
    let workers = options.concurrency.clamp(1, 256).min(pending.len().max(1));

    std::thread::scope(|scope| {
        for _ in 0..workers {
            let (queue, endpoints, writer, agent, candidates, metadata, turns) =
                (&queue, &endpoints, &writer, &agent, &candidates, &metadata, &turns);
            let (written, truncated, failed, stop, failure, progress) =
                (&written, &truncated, &failed, &stop, &failure, &progress);
            scope.spawn(move || loop {
                // A signal stops the run between requests; every answer so far is on disk.
                if stop.load(Ordering::SeqCst) || crate::interrupt::requested().is_some() {
                    break;
                }
                let Some(sample) = queue.lock().expect("no poisoned lock").pop_front() else {
                    break;
                };
                // Requests go round-robin over the live endpoints, whatever the concurrency.
                let live: Vec<&Endpoint> = endpoints.iter().filter(|e| !e.down.load(Ordering::SeqCst)).collect();
                let turn = turns.fetch_add(1, Ordering::SeqCst);
                let Some(endpoint) = live.get(turn % live.len().max(1)).copied() else {
                    stop.store(true, Ordering::SeqCst);
                    break;
                };
                let labels = candidates.of(sample).labels();
                let outcome = match prepare(options, metadata, sample, labels) {
                    Ok(body) => {
                        ask(agent, &endpoint.url, options.api_key.as_deref(), &body, &options.retry, &sample.file_id)
                    }
                    Err(error) => Outcome::SampleFailed { message: error.to_string(), status: None },
                };
                let line = match outcome {
                    Outcome::EndpointFailed { message } => {
                        let was_down = endpoint.down.swap(true, Ordering::SeqCst);
                        let left = endpoints.iter().filter(|e| !e.down.load(Ordering::SeqCst)).count();
                        if left == 0 {
                            stop.store(true, Ordering::SeqCst);
                            let error = EvalError::Request {
                                file_id: sample.file_id.clone(),
                                message: format!("no endpoint left; last: {message}"),
                            };
                            failure.lock().expect("no poisoned lock").get_or_insert(error);
                            break;
                        }
                        if !was_down {
                            eprintln!(
                                "cameo eval run: taking {} out ({message}); {left} endpoint(s) left, its samples go to them",
                                endpoint.url
                            );
                        }
                        queue.lock().expect("no poisoned lock").push_front(sample);
                        continue;
                    }
                    Outcome::Answer(completion) => match completion.content.clone() {
                        Some(text) => {
                            written.fetch_add(1, Ordering::SeqCst);
                            if completion.finish_reason.as_deref() == Some("length") {
                                truncated.fetch_add(1, Ordering::SeqCst);
                            }
                            result_line(options, metadata, sample, &endpoint.url, Ok(&text), None, Some(&completion))
                        }
                        None => {
                            failed.fetch_add(1, Ordering::SeqCst);
                            let reason = completion.finish_reason.as_deref().unwrap_or("none");
                            let message =
                                format!("the server's answer has no content (content null, finish_reason {reason})");
                            eprintln!("cameo eval run: {} failed: {message}", sample.file_id);
                            result_line(
                                options,
                                metadata,
                                sample,
                                &endpoint.url,
                                Err(&message),
                                None,
                                Some(&completion),
                            )
                        }
                    },
                    Outcome::SampleFailed { message, status } => {
                        failed.fetch_add(1, Ordering::SeqCst);
                        eprintln!("cameo eval run: {} failed: {message}", sample.file_id);
                        result_line(options, metadata, sample, &endpoint.url, Err(&message), status, None)
                    }
                };
                if let Err(error) = append(writer, &options.output, &line) {
                    stop.store(true, Ordering::SeqCst);
                    failure.lock().expect("no poisoned lock").get_or_insert(error);
                    break;
                }
                progress.inc();
            });
        }
    });
    progress.finish();
    if let Some(error) = failure.into_inner().expect("no poisoned lock") {
        return Err(error);
    }
    crate::interrupt::Interrupted::check(|| {
        let done = written.load(Ordering::SeqCst) + failed.load(Ordering::SeqCst);
        format!("{done} answers of this run are kept in {}", options.output.display())
    })?;
    let (written, failed) = (written.into_inner(), failed.into_inner());
    Ok(RunSummary {
        selected: selected.len(),
        already_done,
        failed_before,
        written,
        truncated: truncated.into_inner(),
        failed,
        remaining: selected.len() - already_done - failed_before - written - failed,
    })
}

/// Settings recorded in the run header that may change between invocations.
fn other_settings(options: &RunOptions) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("splits".into(), json!(options.splits));
    map.insert("concurrency".into(), json!(options.concurrency));
    map.insert("limit".into(), json!(options.limit));
    map.insert("retries".into(), json!(options.retry.retries));
    map.insert("retry_base_ms".into(), json!(options.retry.base.as_millis() as u64));
    map.insert("timeout_s".into(), json!(options.timeout.as_secs()));
    map.insert("retry_failed".into(), json!(options.retry_failed));
    map
}

fn sample_split<'a>(metadata: &Metadata, sample: &'a GoldSample) -> Result<&'a str, EvalError> {
    sample.split.as_deref().ok_or_else(|| EvalError::BadAudioPath {
        at: Location::new(&metadata.path, sample.line),
        audio: sample.audio.clone().unwrap_or_default(),
    })
}

fn append(writer: &Mutex<File>, path: &Path, line: &str) -> Result<(), EvalError> {
    let mut file = writer.lock().expect("no poisoned lock");
    // One write of the whole line: an interrupted run leaves at most one partial last line.
    file.write_all(line.as_bytes()).map_err(|e| EvalError::io(path, e))
}

/// The request body for one sample (reads its audio).
fn prepare(
    options: &RunOptions,
    metadata: &Metadata,
    sample: &GoldSample,
    labels: &[String],
) -> Result<String, EvalError> {
    let split = sample_split(metadata, sample)?;
    let audio_path = options.dataset.join("audio").join(split).join(&sample.file_id);
    let wav = wav_bytes(&read_flac(&audio_path)?);
    Ok(request_body(&options.model, &options.sampling, options.audio_position, &render(labels), &wav))
}

/// One result line (with its newline): the sample, the answer (`response`) or the reason it
/// failed (`error`, and the HTTP status when there was one), every recorded setting, and what
/// the server said about the answer.
fn result_line(
    options: &RunOptions,
    metadata: &Metadata,
    sample: &GoldSample,
    endpoint: &str,
    answer: Result<&str, &str>,
    status: Option<u16>,
    completion: Option<&Completion>,
) -> String {
    let mut line = Map::new();
    line.insert("file_id".into(), json!(sample.file_id));
    match answer {
        Ok(text) => line.insert("response".into(), json!(text)),
        Err(message) => {
            line.insert("error".into(), json!(message));
            line.insert("http_status".into(), json!(status))
        }
    };
    line.insert("server_model".into(), json!(completion.and_then(|c| c.server_model.as_deref())));
    for (column, value) in options.columns() {
        line.insert(column.into(), value);
    }
    line.insert("split".into(), json!(sample_split(metadata, sample).unwrap_or_default()));
    line.insert("finish_reason".into(), json!(completion.and_then(|c| c.finish_reason.as_deref())));
    line.insert("usage".into(), completion.and_then(|c| c.usage.clone()).unwrap_or(Value::Null));
    line.insert("latency_ms".into(), json!(completion.map(|c| c.latency_ms)));
    line.insert("endpoint".into(), json!(endpoint));
    let mut text = Value::Object(line).to_string();
    text.push('\n');
    text
}
