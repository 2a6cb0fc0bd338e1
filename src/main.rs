//! The `cameo` command line: parse arguments, call the library, print; errors become one line
//! on stderr and exit code 1 (usage errors: 2, from clap).
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "cameo",
    version,
    about = "Rebuild the CAMEO emotional speech benchmark from its original sources, and evaluate audio language models on it"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate small raw trees in the real layouts, build, verify and summarise them (no network).
    Demo {
        /// Where to put raw/ and build/.
        #[arg(long, default_value = "cameo-demo")]
        out: PathBuf,
        /// Worker threads (default: all cores).
        #[arg(long)]
        jobs: Option<usize>,
    },
    /// Build the collection from extracted raw downloads (raw/<split>/...).
    Build {
        /// Folder holding one folder per corpus, named by split (raw/ravdess, raw/cafe, ...).
        #[arg(long)]
        raw: PathBuf,
        /// Output folder (created; an existing build there is resumed or extended).
        #[arg(long)]
        out: PathBuf,
        /// Only these corpora (split ids); default: every corpus found under --raw.
        #[arg(long = "corpus", num_args = 1..)]
        corpora: Vec<String>,
        /// Worker threads (default: all cores). Does not change any output byte.
        #[arg(long)]
        jobs: Option<usize>,
        /// Fail when a split's count differs from its manifest or any file is rejected.
        #[arg(long)]
        strict: bool,
        /// Read manifests from this folder of *.toml (or this one .toml file) instead of the
        /// built-in copies; a manifest for a corpus cameo does not know adds that corpus (its
        /// [adapter] section describes the files, see CONTRIBUTING.md).
        #[arg(long, alias = "manifest", value_name = "DIR|FILE")]
        manifests: Option<PathBuf>,
        /// No progress output.
        #[arg(long)]
        quiet: bool,
        /// Convert only shard I of N (e.g. 2/8) for a later `cameo merge`; writes no collection.
        #[arg(long, value_name = "I/N")]
        shard: Option<cameo::build::shard::Shard>,
        /// Recognise speech with this Whisper model (ggml, from scripts/whisper-model): check
        /// sentence-list corpora against their sentences, transcribe corpora without text.
        #[arg(long, value_name = "MODEL.bin")]
        transcribe: Option<PathBuf>,
        /// Fill unknown genders from a third party's annotation where a manifest has one
        /// (today eNTERFACE's); not in the corpora, nor in the published release. The card says so.
        #[arg(long)]
        third_party_genders: bool,
    },
    /// Merge the outputs of `build --shard 1/N` .. `N/N` into one build, identical to an unsharded one.
    Merge {
        /// The raw folder the shards were built from.
        #[arg(long)]
        raw: PathBuf,
        /// Output folder of the whole build.
        #[arg(long)]
        out: PathBuf,
        /// The shard output folders, all N of them.
        #[arg(required = true)]
        parts: Vec<PathBuf>,
        /// Only these corpora (as given to the shard builds).
        #[arg(long = "corpus", num_args = 1..)]
        corpora: Vec<String>,
        /// Worker threads (default: all cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Fail when a split's count differs from its manifest or any file is rejected.
        #[arg(long)]
        strict: bool,
        /// Read manifests from this folder of *.toml (or this one .toml file) instead of the
        /// built-in copies; a manifest for a corpus cameo does not know adds that corpus (its
        /// [adapter] section describes the files, see CONTRIBUTING.md).
        #[arg(long, alias = "manifest", value_name = "DIR|FILE")]
        manifests: Option<PathBuf>,
        /// No progress output.
        #[arg(long)]
        quiet: bool,
        /// The Whisper model the shards were built with (their recognitions are reused).
        #[arg(long, value_name = "MODEL.bin")]
        transcribe: Option<PathBuf>,
        /// Fill unknown genders from a third party's annotation, as for `build`.
        #[arg(long)]
        third_party_genders: bool,
    },
    /// What a raw tree holds against the manifests, without decoding audio: found/expected,
    /// skipped junk, rejects, and what looks wrong with how to fix it. Exit 1 when a selected
    /// corpus is unusable (missing, no items, unreadable).
    Scan {
        /// Folder holding one folder per corpus, named by split (raw/ravdess, raw/cafe, ...).
        #[arg(long)]
        raw: PathBuf,
        /// Only these corpora (split ids); default: every corpus cameo knows.
        #[arg(long = "corpus", num_args = 1..)]
        corpora: Vec<String>,
        /// Read manifests from this folder of *.toml (or this one .toml file) instead of the
        /// built-in copies; a manifest for a corpus cameo does not know adds that corpus (its
        /// [adapter] section describes the files, see CONTRIBUTING.md).
        #[arg(long, alias = "manifest", value_name = "DIR|FILE")]
        manifests: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Start a manifest for a corpus cameo does not know: looks at its raw tree (extensions, WAV
    /// rates and channels, file-name grammar, CSV/TSV headers) and writes manifests/ID.toml with
    /// what it could infer and a TODO for the rest, plus a test stub tests/ID.rs.
    NewCorpus {
        /// The corpus folder (raw/ID), or the folder holding it.
        #[arg(long)]
        raw: PathBuf,
        /// The split id of the new corpus (lower-case letters, digits and _).
        #[arg(long)]
        id: String,
        /// Where to write the manifest (default manifests/ID.toml; never overwritten).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Where to write the test stub (default tests/ID.rs; never overwritten).
        #[arg(long)]
        test: Option<PathBuf>,
    },
    /// Download the manifests' sources into RAW/.downloads/ (resuming interrupted downloads),
    /// check size and SHA-256, extract into RAW/<split>/; say where to get and put manual ones.
    Fetch {
        /// Folder holding one folder per corpus (created when missing).
        #[arg(long)]
        raw: PathBuf,
        /// Only these corpora (split ids); default: every corpus cameo knows.
        #[arg(long = "corpus", num_args = 1..)]
        corpora: Vec<String>,
        /// Read manifests from this folder of *.toml (or this one .toml file) instead of the
        /// built-in copies; a manifest for a corpus cameo does not know adds that corpus (its
        /// [adapter] section describes the files, see CONTRIBUTING.md).
        #[arg(long, alias = "manifest", value_name = "DIR|FILE")]
        manifests: Option<PathBuf>,
        /// No progress output.
        #[arg(long)]
        quiet: bool,
    },
    /// Check a build: schema, FLAC decoding and hashes, counts, parquet shards.
    Verify {
        /// The build folder.
        dir: PathBuf,
    },
    /// Statistics of a build (counts per corpus, language, emotion; speakers; gender; hours) and
    /// its QA findings (silent and clipped samples, duration outliers).
    Stats {
        /// The build folder.
        dir: PathBuf,
        /// Also draw samples per language and emotion and a duration histogram into this PNG.
        #[arg(long, value_name = "OUT.png")]
        plot: Option<PathBuf>,
        /// Print JSON instead of tables.
        #[arg(long)]
        json: bool,
    },
    /// License report per corpus and for the collection; with a build, every sample's license
    /// is checked against its manifest and LICENSES/ against the licenses used. Exit 1 when a
    /// sample has no license or a license conflicts.
    Audit {
        /// The build folder to check (default: audit the manifests alone).
        build: Option<PathBuf>,
        /// Read every *.toml manifest in this folder instead of the built-in copies.
        #[arg(long)]
        manifests: Option<PathBuf>,
        /// Print JSON instead of Markdown.
        #[arg(long)]
        json: bool,
    },
    /// Write manifests of a build for other tools (Lhotse recordings and supervisions).
    Export {
        /// The output format.
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// The build folder.
        dir: PathBuf,
        /// Where to write the manifests (created).
        out: PathBuf,
        /// Gzip the manifests (.jsonl.gz).
        #[arg(long)]
        gzip: bool,
    },
    /// Evaluate audio language models on a build (parse, score, run, leaderboard).
    Eval(cameo::eval::EvalArgs),
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ExportFormat {
    /// Lhotse RecordingSet and SupervisionSet manifests (JSONL).
    Lhotse,
}

fn default_jobs(jobs: Option<usize>) -> usize {
    jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1)
}

/// Seconds of audio per second of work, e.g. `656x`, or `0.24x` below ten.
fn speed(audio_seconds: f64, seconds: f64) -> String {
    let ratio = if seconds > 0.0 { audio_seconds / seconds } else { 0.0 };
    if ratio < 10.0 {
        format!("{ratio:.2}x")
    } else {
        format!("{ratio:.0}x")
    }
}

fn print_build(outcome: &cameo::build::BuildOutcome) {
    let reports: Vec<&cameo::build::report::SplitReport> = outcome.splits.iter().map(|s| &s.report).collect();
    print!("{}", cameo::build::report::summary_table(&reports));
    for report in &reports {
        for warning in &report.warnings {
            println!("warning: {}: {warning}", report.split);
        }
        for reject in &report.rejects {
            println!("reject: {}/{}: {}", report.split, reject.source, reject.reason);
        }
    }
    let states: Vec<&cameo::build::report::SplitState> = outcome.splits.iter().collect();
    print!("{}", cameo::transcribe::report::summary_table(&states));
    let run = &outcome.run;
    println!(
        "{} converted, {} reused from an earlier run; {:.1} s of audio in {:.1} s ({} real time, {} threads)",
        run.converted,
        run.reused_from_cache,
        run.audio_seconds,
        run.seconds,
        speed(run.audio_seconds, run.seconds),
        run.jobs
    );
    if run.recognised + run.recognised_from_cache > 0 {
        println!(
            "{} samples recognised ({:.1} s of audio, {} real time), {} recognitions reused from an earlier run; \
             transcription stage {:.1} s",
            run.recognised,
            run.recognised_audio_seconds,
            speed(run.recognised_audio_seconds, run.recognition_seconds),
            run.recognised_from_cache,
            run.recognition_seconds
        );
    }
}

fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Demo { out, jobs } => {
            let outcome = cameo::demo::run_demo(&out, default_jobs(jobs))?;
            println!("demo raw trees: {}", outcome.raw.display());
            print_build(&outcome.build);
            println!("verified {} samples in {}", outcome.verified_samples, outcome.build_dir.display());
            let records = cameo::verify::read_metadata(&outcome.build_dir.join("metadata.jsonl"))?;
            print!("\n{}", cameo::stats::render(&cameo::stats::compute(&records)));
            println!("\nscoring a pretend model's answers ({}):", outcome.predictions.display());
            print!("{}", outcome.report.to_text());
        }
        Command::Build {
            raw,
            out,
            corpora,
            jobs,
            strict,
            manifests,
            quiet,
            shard,
            transcribe,
            third_party_genders,
        } => {
            let jobs = default_jobs(jobs);
            let options = cameo::build::BuildOptions {
                raw,
                out,
                corpora,
                jobs,
                strict,
                manifests,
                quiet,
                shard,
                transcribe,
                third_party_genders,
            };
            let outcome = cameo::build::run_build(&options)?;
            match shard {
                Some(shard) => println!(
                    "shard {shard}: {} converted, {} reused; merge all {} shards with `cameo merge`",
                    outcome.run.converted, outcome.run.reused_from_cache, shard.count
                ),
                None => print_build(&outcome),
            }
        }
        Command::Merge {
            raw,
            out,
            parts,
            corpora,
            jobs,
            strict,
            manifests,
            quiet,
            transcribe,
            third_party_genders,
        } => {
            let jobs = default_jobs(jobs);
            let options = cameo::build::BuildOptions {
                raw,
                out,
                corpora,
                jobs,
                strict,
                manifests,
                quiet,
                shard: None,
                transcribe,
                third_party_genders,
            };
            print_build(&cameo::build::shard::merge(&options, &parts)?);
        }
        Command::Scan { raw, corpora, manifests, json } => {
            let report = cameo::scan::run_scan(&cameo::scan::ScanOptions { raw, corpora, manifests })?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", cameo::scan::render::to_text(&report));
            }
            let unusable = report.unusable();
            if !unusable.is_empty() {
                anyhow::bail!("{}: unusable: {}", report.raw.display(), unusable.join(", "));
            }
        }
        Command::NewCorpus { raw, id, out, test } => {
            let options = cameo::new_corpus::NewCorpusOptions { raw, id: id.clone(), out, test };
            let outcome = cameo::new_corpus::run_new_corpus(&options)?;
            println!(
                "{}: {} audio files; wrote {} ({} TODOs to fill in) and {}",
                outcome.corpus_folder.display(),
                outcome.audio_files,
                outcome.manifest.display(),
                outcome.todos,
                outcome.test.display()
            );
            println!(
                "next: fill in the TODOs (CONTRIBUTING.md explains each key), then run
  cameo scan --raw <folder holding {id}/> --manifest {} --corpus {id}",
                outcome.manifest.display()
            );
        }
        Command::Fetch { raw, corpora, manifests, quiet } => {
            let report = cameo::fetch::run_fetch(&cameo::fetch::FetchOptions { raw, corpora, manifests, quiet })?;
            print!("{}", cameo::fetch::report::to_text(&report));
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
        Command::Verify { dir } => {
            let report = cameo::verify::verify(&dir)?;
            println!(
                "ok: {} samples ({:.1} s of audio), {} parquet rows, {} files match SHA256SUMS, splits: {}",
                report.samples,
                report.audio_seconds,
                report.parquet_rows,
                report.files_checked,
                report.per_split.iter().map(|(s, n)| format!("{s} {n}")).collect::<Vec<_>>().join(", ")
            );
        }
        Command::Stats { dir, plot, json } => {
            let (report, records) = cameo::stats::load(&dir)?;
            if let Some(path) = &plot {
                cameo::stats::plot::draw(path, &report.stats, &records)?;
            }
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}{}", cameo::stats::render(&report.stats), cameo::stats::render_qa(&report.qa));
                if let Some(path) = &plot {
                    println!("\nplot: {}", path.display());
                }
            }
        }
        Command::Audit { build, manifests, json } => {
            let report = cameo::audit::audit(manifests.as_deref(), build.as_deref())?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", cameo::audit::to_markdown(&report));
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
            let written = cameo::export::export(&options)?;
            for path in &written {
                println!("{}", path.display());
            }
        }
        Command::Eval(args) => cameo::eval::run(args)?,
    }
    Ok(())
}

fn main() {
    let cli = Cli::parse();
    if let Err(error) = run(cli.command) {
        // One line: the cause chain joined, naming the file where the library did.
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}
