//! The binary side of cameo: the arguments ([`args`]), where output goes ([`output`]), exit
//! codes and the one error line ([`exit`]), and here what each subcommand calls and prints.
pub mod args;
pub mod eval;
pub mod exit;
pub mod output;

use args::{BuildArgs, Cli, Command, ExportFormat};
use cameo::build::{BuildOptions, BuildOutcome};
use cameo::collection::run::FailedSplit;
use cameo::collection::split::{SplitReport, SplitState};
use clap::CommandFactory;
use output::Output;

/// Seconds of audio per second of work, e.g. `656x`, or `0.24x` below ten.
fn speed(audio_seconds: f64, seconds: f64) -> String {
    let ratio = if seconds > 0.0 { audio_seconds / seconds } else { 0.0 };
    if ratio < 10.0 {
        format!("{ratio:.2}x")
    } else {
        format!("{ratio:.0}x")
    }
}

fn build_options(args: BuildArgs, quiet: bool, shard: Option<cameo::build::shard::Shard>) -> BuildOptions {
    BuildOptions {
        jobs: args.jobs.threads(),
        raw: args.raw,
        out: args.out,
        corpora: args.corpus.corpora,
        strict: args.strict,
        manifests: args.manifests.manifests,
        quiet,
        shard,
        transcribe: args.transcribe,
        third_party_genders: args.third_party_genders,
    }
}

/// The summary of a build as `--json` prints it.
#[derive(serde::Serialize)]
struct BuildSummary<'a> {
    out: &'a std::path::Path,
    splits: Vec<SplitSummary<'a>>,
    failed: &'a [FailedSplit],
    unknown_folders: &'a [String],
    run: &'a cameo::collection::run::RunFacts,
}

#[derive(serde::Serialize)]
struct SplitSummary<'a> {
    split: &'a str,
    found: usize,
    built: usize,
    duplicates: usize,
    rejects: usize,
    skipped: usize,
    expected: usize,
    count_matches: bool,
    warnings: &'a [String],
}

fn split_summary(report: &SplitReport) -> SplitSummary<'_> {
    SplitSummary {
        split: &report.split,
        found: report.found,
        built: report.built,
        duplicates: report.duplicates.len(),
        rejects: report.rejects.len(),
        skipped: report.skipped.len(),
        expected: report.expected,
        count_matches: report.count_matches(),
        warnings: &report.warnings,
    }
}

/// Prints what a build did: the summary (stdout), warnings and rejects (stderr); a build in
/// which some corpora failed ends with exit code 3.
fn report_build(output: Output, outcome: &BuildOutcome, options: &BuildOptions, json: bool) -> anyhow::Result<()> {
    for folder in &outcome.unknown_folders {
        output.warn(&cameo::selection::unknown_folder_warning(&options.raw, folder));
    }
    let reports: Vec<&SplitReport> = outcome.splits.iter().map(|s| &s.report).collect();
    for report in &reports {
        for warning in &report.warnings {
            output.warn(&format!("{}: {warning}", report.split));
        }
        for reject in &report.rejects {
            output.note(&format!("reject: {}/{}: {}", report.split, reject.source, reject.reason));
        }
    }
    let run = &outcome.run;
    if json {
        let summary = BuildSummary {
            out: &options.out,
            splits: reports.iter().map(|report| split_summary(report)).collect(),
            failed: &run.failed,
            unknown_folders: &outcome.unknown_folders,
            run,
        };
        output.json(&summary)?;
    } else {
        let mut text = cameo::build::report::SummaryTable(&reports).to_string();
        for failed in &run.failed {
            text.push_str(&format!("{:<15} FAILED: {}\n", failed.split, failed.reason));
        }
        let states: Vec<&SplitState> = outcome.splits.iter().collect();
        text.push_str(&cameo::transcribe::report::summary_table(&states));
        text.push_str(&format!(
            "{} converted, {} reused from an earlier run; {:.1} s of audio in {:.1} s ({} real time, {} threads)\n",
            run.converted,
            run.reused_from_cache,
            run.audio_seconds,
            run.seconds,
            speed(run.audio_seconds, run.seconds),
            run.jobs
        ));
        if run.recognised + run.recognised_from_cache > 0 {
            text.push_str(&format!(
                "{} samples recognised ({:.1} s of audio, {} real time), {} recognitions reused from an earlier run; \
                 transcription stage {:.1} s\n",
                run.recognised,
                run.recognised_audio_seconds,
                speed(run.recognised_audio_seconds, run.recognition_seconds),
                run.recognised_from_cache,
                run.recognition_seconds
            ));
        }
        output.print(&text)?;
    }
    failed_splits(&run.failed, &options.out)
}

/// The failed corpora, one line each on stderr (even with `--quiet`: they are errors), and
/// exit code 3.
fn failed_splits(failed: &[FailedSplit], out: &std::path::Path) -> anyhow::Result<()> {
    if failed.is_empty() {
        return Ok(());
    }
    for split in failed {
        eprintln!("failed: {}: {}; fix: {}", split.split, split.reason, split.fix);
    }
    let names: Vec<&str> = failed.iter().map(|f| f.split.as_str()).collect();
    Err(exit::Status {
        code: exit::PARTIAL,
        message: format!(
            "{} failed ({}); the other corpora were built into {} (see build.json)",
            if failed.len() == 1 { "1 corpus".to_string() } else { format!("{} corpora", failed.len()) },
            names.join(", "),
            out.display()
        ),
    }
    .into())
}

/// Runs one subcommand.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let output = Output { quiet: cli.quiet };
    match cli.command {
        Command::Demo { out, jobs } => {
            cameo::interrupt::install()?;
            let outcome = cameo::demo::run_demo(&out, jobs.threads(), cli.quiet)?;
            output.line(&format!("demo raw trees: {}", outcome.raw.display()))?;
            report_build(output, &outcome.build, &outcome.options, false)?;
            output.line(&format!(
                "verified {} samples in {}",
                outcome.verified_samples,
                outcome.build_dir.display()
            ))?;
            let records = cameo::verify::read_metadata(&outcome.build_dir.join("metadata.jsonl"))?;
            output.print(&format!("\n{}", cameo::stats::compute(&records)))?;
            output.line(&format!("\nscoring a pretend model's answers ({}):", outcome.predictions.display()))?;
            output.print(&outcome.report.to_string())?;
        }
        Command::Build { args, shard } => {
            cameo::interrupt::install()?;
            let json = args.json;
            let options = build_options(args, cli.quiet, shard);
            let outcome = cameo::build::run_build(&options)?;
            match shard {
                Some(shard) if !json => output.line(&format!(
                    "shard {shard}: {} converted, {} reused; merge all {} shards with `cameo merge`",
                    outcome.run.converted, outcome.run.reused_from_cache, shard.count
                ))?,
                Some(_) => output.json(&outcome.run)?,
                None => report_build(output, &outcome, &options, json)?,
            }
            if shard.is_some() {
                failed_splits(&outcome.run.failed, &options.out)?;
            }
        }
        Command::Merge { args, parts } => {
            cameo::interrupt::install()?;
            let json = args.json;
            let options = build_options(args, cli.quiet, None);
            let outcome = cameo::build::shard::merge(&options, &parts)?;
            report_build(output, &outcome, &options, json)?;
        }
        Command::Scan { raw, corpus, manifests, json } => {
            let options = cameo::scan::ScanOptions { raw, corpora: corpus.corpora, manifests: manifests.manifests };
            let report = cameo::scan::run_scan(&options)?;
            for folder in &report.unknown_folders {
                output.warn(&cameo::selection::unknown_folder_warning(&report.raw, folder));
            }
            if json {
                output.json(&report)?;
            } else {
                output.print(&report.to_string())?;
            }
            let unusable = report.unusable();
            if !unusable.is_empty() {
                anyhow::bail!("{}: unusable: {}", report.raw.display(), unusable.join(", "));
            }
        }
        Command::NewCorpus { raw, id, out, test } => {
            let options = cameo::new_corpus::NewCorpusOptions { raw, id: id.clone(), out, test };
            let outcome = cameo::new_corpus::run_new_corpus(&options)?;
            output.line(&format!(
                "{}: {} audio files; wrote {} ({} TODOs to fill in) and {}",
                outcome.corpus_folder.display(),
                outcome.audio_files,
                outcome.manifest.display(),
                outcome.todos,
                outcome.test.display()
            ))?;
            output.line(&format!(
                "next: fill in the TODOs (CONTRIBUTING.md explains each key), then run\n  \
                 cameo scan --raw <folder holding {id}/> --manifests {} --corpus {id}",
                outcome.manifest.display()
            ))?;
        }
        Command::Fetch { raw, corpora, manifests } => {
            cameo::interrupt::install()?;
            let options = cameo::fetch::FetchOptions { raw, corpora, manifests: manifests.manifests, quiet: cli.quiet };
            let report = cameo::fetch::run_fetch(&options)?;
            output.print(&report.to_string())?;
            let failures = report.failures();
            if let Some((source, error)) = failures.first() {
                anyhow::bail!(
                    "{}: {error} ({} of {} sources failed)",
                    source.corpus,
                    failures.len(),
                    report.sources.len()
                );
            }
        }
        Command::Verify { dir, json } => {
            let report = cameo::verify::verify(&dir)?;
            if json {
                output.json(&report)?;
            } else {
                output.line(&format!(
                    "ok: {} samples ({:.1} s of audio), {} parquet rows, {} files match SHA256SUMS, splits: {}",
                    report.samples,
                    report.audio_seconds,
                    report.parquet_rows,
                    report.files_checked,
                    report.per_split.iter().map(|(s, n)| format!("{s} {n}")).collect::<Vec<_>>().join(", ")
                ))?;
            }
        }
        Command::Stats { dir, plot, json } => {
            let (report, records) = cameo::stats::load(&dir)?;
            if let Some(path) = &plot {
                cameo::stats::plot::draw(path, &report.stats, &records)?;
            }
            if json {
                output.json(&report)?;
            } else {
                output.print(&format!("{}{}", report.stats, report.qa))?;
                if let Some(path) = &plot {
                    output.line(&format!("\nplot: {}", path.display()))?;
                }
            }
        }
        Command::Audit { build, manifests, json } => {
            let report = cameo::audit::audit(manifests.manifests.as_deref(), build.as_deref())?;
            if json {
                output.json(&report)?;
            } else {
                output.print(&report.to_string())?;
            }
            if let Some(first) = report.problems.first() {
                anyhow::bail!("license audit failed: {} problem(s), the first: {first}", report.problems.len());
            }
        }
        Command::Export { format, dir, out, gzip } => {
            let format = match format {
                ExportFormat::Lhotse => cameo::export::Format::Lhotse,
            };
            let options = cameo::export::ExportOptions { format, build: &dir, out: &out, gzip };
            for path in cameo::export::export(&options)? {
                output.line(&path.display().to_string())?;
            }
        }
        Command::Compare { build, reference, min_correlation, json } => {
            let options = cameo::compare::CompareOptions { build, reference, min_correlation };
            let report = cameo::compare::compare(&options)?;
            if json {
                output.json(&report)?;
            } else {
                output.print(&report.to_string())?;
            }
            if !report.identical() {
                return Err(exit::Status { code: exit::ERROR, message: String::new() }.into());
            }
        }
        Command::Publish(args) => cameo::publish::run(&args.into())?,
        Command::Eval(args) => {
            if matches!(args.command, eval::EvalCommand::Run(_)) {
                cameo::interrupt::install()?;
            }
            eval::dispatch(args, cli.quiet)?
        }
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "cameo", &mut script);
            Output { quiet: false }.print(&String::from_utf8_lossy(&script))?;
        }
        Command::Man => {
            let mut page = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut page)?;
            Output { quiet: false }.print(&String::from_utf8_lossy(&page))?;
        }
    }
    Ok(())
}
