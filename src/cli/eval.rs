//! The `cameo eval` command line (clap) and what each subcommand prints; the evaluation itself
//! is the library's `cameo::eval`.
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};

use cameo::eval::client::{AudioPosition, RetryPolicy, Sampling};
use cameo::eval::error::EvalError;
use cameo::eval::leaderboard::{write_leaderboard, LeaderboardOptions};
use cameo::eval::parse::{parse_label_list, LabelSet};
use cameo::eval::records::{Metadata, Predictions};
use cameo::eval::runner::{self, RunOptions};
use cameo::eval::score::{score, LabelsScope, ScoreOptions};
use cameo::eval::template::{render, TEMPLATE_VERSION};

/// Arguments of `cameo eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(subcommand)]
    pub command: EvalCommand,
}

#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Print the label that post-processing picks for one model answer.
    Parse(ParseArgs),
    /// Score a predictions file against a build's metadata.jsonl.
    Score(ScoreArgs),
    /// Run a model served by an OpenAI-compatible server over a build (resumable).
    Run(RunArgs),
    /// Rank score reports beside the paper's published figures; write Markdown and PNGs.
    Leaderboard(LeaderboardArgs),
    /// Print the instruction sent with every clip, for the given labels.
    Template(TemplateArgs),
}

#[derive(Debug, Args)]
pub struct ParseArgs {
    /// Candidate labels, comma-separated (e.g. anger,fear,sadness).
    #[arg(long)]
    pub labels: String,
    /// The model's answer (may start with `-`).
    #[arg(allow_hyphen_values = true)]
    pub response: String,
}

#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// Candidate labels, comma-separated.
    #[arg(long)]
    pub labels: String,
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// The build's metadata.jsonl (gold labels).
    #[arg(long)]
    pub metadata: PathBuf,
    /// Predictions, one {"file_id", "response", ...} object per line.
    #[arg(long)]
    pub predictions: PathBuf,
    /// Where to write the JSON report.
    #[arg(long)]
    pub output: PathBuf,
    /// Also write the chosen label of every scored sample (JSON lines).
    #[arg(long)]
    pub parsed: Option<PathBuf>,
    /// Also write the tables as Markdown.
    #[arg(long)]
    pub markdown: Option<PathBuf>,
    /// Fail when some gold samples have no prediction or only failed lines.
    #[arg(long)]
    pub require_complete: bool,
    /// Candidate labels of a sample: those of its dataset, or all of the collection. Default:
    /// the scope the results record (`eval run` writes it), else `dataset`; a scope other than
    /// the recorded one is refused.
    #[arg(long, value_enum)]
    pub labels_scope: Option<LabelsScope>,
    /// Add a breakdown per (language, dataset).
    #[arg(long)]
    pub by_language_dataset: bool,
    /// Model name for the report (default: the `model` of the prediction lines).
    #[arg(long)]
    pub model: Option<String>,
    /// Temperature for the report (default: the `temperature` of the prediction lines).
    #[arg(long)]
    pub temperature: Option<f64>,
    /// Print the JSON report on stdout instead of the tables.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Base URL as OpenAI clients take it; requests go to <URL>/chat/completions. Repeat it to
    /// spread the work over several servers (one going down does not stop the others).
    #[arg(long = "endpoint", value_name = "URL", required = true)]
    pub endpoints: Vec<String>,
    /// Model name sent in every request (as the server knows it).
    #[arg(long)]
    pub model: String,
    /// The build folder (metadata.jsonl, audio/<split>/<file_id>).
    #[arg(long)]
    pub dataset: PathBuf,
    /// Results file (JSON lines, appended; a rerun skips what is done).
    #[arg(long)]
    pub output: PathBuf,
    #[arg(long, default_value_t = 0.0)]
    pub temperature: f64,
    /// Nucleus sampling mass, sent explicitly (1.0: off).
    #[arg(long, default_value_t = 1.0)]
    pub top_p: f64,
    /// Top-k sampling, sent explicitly (-1: off, vLLM's value for "all tokens").
    #[arg(long, default_value_t = -1, allow_negative_numbers = true)]
    pub top_k: i64,
    /// Repetition penalty, sent explicitly (1.0: off).
    #[arg(long, default_value_t = 1.0)]
    pub repetition_penalty: f64,
    /// Audio part before or after the instruction in the user message.
    #[arg(long, value_enum, default_value_t = AudioPosition::Before)]
    pub audio_position: AudioPosition,
    /// Ask again about samples whose earlier result lines are failures.
    #[arg(long)]
    pub retry_failed: bool,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Send at most N new requests in this invocation.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Only this split (repeatable).
    #[arg(long = "split")]
    pub splits: Vec<String>,
    /// Seed passed to the server.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Do not send a seed (for servers that reject it).
    #[arg(long)]
    pub no_seed: bool,
    #[arg(long, default_value_t = 16)]
    pub max_tokens: u32,
    #[arg(long, value_enum, default_value_t = LabelsScope::Dataset)]
    pub labels_scope: LabelsScope,
    /// Retries of a request after a 408/429/5xx answer or a transport error.
    #[arg(long, default_value_t = 6)]
    pub retries: u32,
    /// First back-off in milliseconds; doubles with every retry (at most 60 s), with random
    /// jitter; a longer Retry-After from the server is honoured (at most 10 min).
    #[arg(long, default_value_t = 1000)]
    pub retry_base_ms: u64,
    /// Time limit of one request, in seconds.
    #[arg(long, default_value_t = 120)]
    pub timeout_s: u64,
    /// API key sent as a bearer token (default: $OPENAI_API_KEY if set).
    #[arg(long)]
    pub api_key: Option<String>,
}

#[derive(Debug, Args)]
pub struct LeaderboardArgs {
    /// Score reports written by `cameo eval score`.
    #[arg(required = true)]
    pub reports: Vec<PathBuf>,
    /// Output folder for leaderboard.md and the PNGs.
    #[arg(long, default_value = "leaderboard")]
    pub out: PathBuf,
    /// Flag datasets whose macro F1 exceeds the model's overall macro F1 by more than this.
    #[arg(long, default_value_t = 0.3)]
    pub contamination_margin: f64,
    /// Leave out the paper's published figures.
    #[arg(long)]
    pub no_published: bool,
    /// Accept reports with samples missing (not comparable with complete runs).
    #[arg(long)]
    pub allow_incomplete: bool,
    /// Draw the plots as SVG (vector, for papers) instead of PNG.
    #[arg(long)]
    pub svg: bool,
}

/// Runs one `cameo eval` subcommand.
/// Prints a result on stdout unless `quiet`; a closed stdout (e.g. `| head`) is not an error
/// once the files are written.
fn print_result(quiet: bool, text: &str) {
    if !quiet {
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
    }
}

/// Prints a note on stderr unless `quiet`.
fn note(quiet: bool, text: &str) {
    if !quiet {
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }
}

/// Runs an eval subcommand; `quiet` leaves only errors.
pub fn dispatch(args: EvalArgs, quiet: bool) -> anyhow::Result<()> {
    match args.command {
        EvalCommand::Parse(a) => {
            let labels = LabelSet::new(parse_label_list(&a.labels)?);
            print_result(quiet, &format!("{}\n", labels.pick(&a.response)));
        }
        EvalCommand::Template(a) => {
            let labels = LabelSet::new(parse_label_list(&a.labels)?);
            print_result(quiet, &format!("{}\n", render(labels.labels())));
            note(quiet, &format!("template version {TEMPLATE_VERSION}"));
        }
        EvalCommand::Score(a) => score_command(&a, quiet)?,
        EvalCommand::Run(a) => run_command(a, quiet)?,
        EvalCommand::Leaderboard(a) => {
            let markdown = write_leaderboard(&LeaderboardOptions {
                reports: a.reports,
                out: a.out.clone(),
                margin: a.contamination_margin,
                include_published: !a.no_published,
                allow_incomplete: a.allow_incomplete,
                svg: a.svg,
            })?;
            print_result(quiet, &markdown);
            note(quiet, &format!("wrote leaderboard.md, leaderboard.json and leaderboard.csv in {}", a.out.display()));
        }
    }
    Ok(())
}

fn score_command(a: &ScoreArgs, quiet: bool) -> anyhow::Result<()> {
    let metadata = Metadata::read(&a.metadata)?;
    let predictions = Predictions::read(&a.predictions, &metadata)?;
    let recorded = match &predictions.labels_scope {
        None => None,
        Some(name) => Some(
            LabelsScope::from_name(name)
                .ok_or_else(|| EvalError::UnknownLabelsScope { path: a.predictions.clone(), found: name.clone() })?,
        ),
    };
    let labels_scope = match (a.labels_scope, recorded) {
        (Some(given), Some(recorded)) if given != recorded => {
            return Err(EvalError::LabelsScopeMismatch {
                path: a.predictions.clone(),
                recorded: recorded.as_str().to_string(),
                given: given.as_str().to_string(),
            }
            .into())
        }
        (given, recorded) => given.or(recorded).unwrap_or_default(),
    };
    let options = ScoreOptions { labels_scope, by_language_dataset: a.by_language_dataset };
    let (mut report, parsed) = score(&metadata, &predictions, options);
    if a.model.is_some() {
        report.model.clone_from(&a.model);
    }
    if a.temperature.is_some() {
        report.temperature = a.temperature;
    }
    if a.require_complete && (report.missing > 0 || report.failed > 0) {
        return Err(EvalError::Incomplete {
            path: a.predictions.clone(),
            missing: report.missing,
            failed: report.failed,
            total: metadata.samples.len(),
        }
        .into());
    }
    write_file(&a.output, report.to_json().as_bytes())?;
    if let Some(path) = &a.parsed {
        let mut text = String::with_capacity(parsed.len() * 120);
        for line in &parsed {
            text.push_str(&serde_json::to_string(line).context("serialising a parsed answer")?);
            text.push('\n');
        }
        write_file(path, text.as_bytes())?;
    }
    if let Some(path) = &a.markdown {
        write_file(path, report.to_markdown().as_bytes())?;
    }
    let text = if a.json { report.to_json() } else { report.to_string() };
    print_result(quiet, &text);
    Ok(())
}

fn run_command(a: RunArgs, quiet: bool) -> anyhow::Result<()> {
    let options = RunOptions {
        endpoints: a.endpoints,
        model: a.model,
        dataset: a.dataset,
        output: a.output,
        sampling: Sampling {
            temperature: a.temperature,
            top_p: a.top_p,
            top_k: a.top_k,
            repetition_penalty: a.repetition_penalty,
            seed: (!a.no_seed).then_some(a.seed),
            max_tokens: a.max_tokens,
        },
        audio_position: a.audio_position,
        concurrency: a.concurrency,
        limit: a.limit,
        splits: a.splits,
        labels_scope: a.labels_scope,
        retry: RetryPolicy { retries: a.retries, base: Duration::from_millis(a.retry_base_ms) },
        timeout: Duration::from_secs(a.timeout_s.max(1)),
        api_key: a.api_key.or_else(|| std::env::var("OPENAI_API_KEY").ok()).filter(|k| !k.is_empty()),
        retry_failed: a.retry_failed,
        quiet,
    };
    let summary = runner::run(&options)?;
    note(
        quiet,
        &format!(
            "{}: {} samples selected, {} were done before, {} answered now, {} remaining; {} failed now, \
         {} truncated now, {} failed earlier and not retried{}",
            options.output.display(),
            summary.selected,
            summary.already_done,
            summary.written,
            summary.remaining,
            summary.failed,
            summary.truncated,
            summary.failed_before,
            if summary.failed_before > 0 { " (--retry-failed retries them)" } else { "" }
        ),
    );
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), EvalError> {
    std::fs::write(path, bytes).map_err(|e| EvalError::io(path, e))
}
