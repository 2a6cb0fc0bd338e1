//! The command-line contract (clap): every subcommand, its flags and their help. Flags that
//! several subcommands share are defined once and flattened in.
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "cameo",
    version,
    about = "Rebuild the CAMEO emotional speech benchmark from its original sources, and evaluate audio language models on it",
    after_help = "Exit codes: 0 ok; 1 an error naming the file; 2 a usage error; 3 a partial build (some corpora \
                  failed, the others were written); 130/143 stopped by SIGINT/SIGTERM (a rerun resumes)."
)]
pub struct Cli {
    /// Print nothing but errors: no results, warnings or progress (the exit status tells).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// `--manifests`, as every command that reads manifests takes it.
#[derive(Debug, Args)]
pub struct ManifestsArg {
    /// Read manifests from this folder of *.toml (or this one .toml file) instead of the
    /// built-in copies; a manifest for a corpus cameo does not know adds that corpus (its
    /// [adapter] section describes the files, see CONTRIBUTING.md).
    #[arg(long, alias = "manifest", value_name = "DIR|FILE")]
    pub manifests: Option<PathBuf>,
}

/// `--corpus ID...`.
#[derive(Debug, Args)]
pub struct CorpusArg {
    /// Only these corpora (split ids); default: every corpus whose folder is under --raw.
    #[arg(long = "corpus", num_args = 1.., value_name = "ID")]
    pub corpora: Vec<String>,
}

/// `-j/--jobs N`.
#[derive(Debug, Args)]
pub struct JobsArg {
    /// Worker threads (default: all cores). Does not change any output byte.
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
}

impl JobsArg {
    pub fn threads(&self) -> usize {
        self.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1)
    }
}

/// What `build` and `merge` share.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Folder holding one folder per corpus, named by split (raw/ravdess, raw/cafe, ...).
    #[arg(long, value_name = "DIR")]
    pub raw: PathBuf,
    /// Output folder (created; an existing build there is resumed or extended).
    #[arg(short, long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    pub corpus: CorpusArg,
    #[command(flatten)]
    pub jobs: JobsArg,
    /// Fail when a split's count differs from its manifest, any file is rejected or any
    /// corpus fails.
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub manifests: ManifestsArg,
    /// Recognise speech with this Whisper model (ggml, from scripts/whisper-model): check
    /// sentence-list corpora against their sentences, transcribe corpora without text.
    #[arg(long, value_name = "MODEL.bin")]
    pub transcribe: Option<PathBuf>,
    /// Fill unknown genders from a third party's annotation where a manifest has one
    /// (today eNTERFACE's); not in the corpora, nor in the published release. The card says so.
    #[arg(long)]
    pub third_party_genders: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate small raw trees in the real layouts, build, verify and summarise them (no network).
    Demo {
        /// Where to put raw/ and build/.
        #[arg(short, long, default_value = "cameo-demo", value_name = "DIR")]
        out: PathBuf,
        #[command(flatten)]
        jobs: JobsArg,
    },
    /// Build the collection from extracted raw downloads (raw/<split>/...). A corpus that fails
    /// does not stop the others (exit code 3).
    Build {
        #[command(flatten)]
        args: BuildArgs,
        /// Convert only shard I of N (e.g. 2/8) for a later `cameo merge`; writes no collection.
        #[arg(long, value_name = "I/N")]
        shard: Option<cameo::build::shard::Shard>,
    },
    /// Merge the outputs of `build --shard 1/N` .. `N/N` into one build, identical to an unsharded one.
    Merge {
        #[command(flatten)]
        args: BuildArgs,
        /// The shard output folders, all N of them.
        #[arg(required = true, value_name = "PART")]
        parts: Vec<PathBuf>,
    },
    /// What a raw tree holds against the manifests, without decoding audio: found/expected,
    /// skipped junk, rejects, and what looks wrong with how to fix it. Exit 1 when a selected
    /// corpus is unusable (missing, no items, unreadable).
    Scan {
        /// Folder holding one folder per corpus, named by split (raw/ravdess, raw/cafe, ...).
        #[arg(long, value_name = "DIR")]
        raw: PathBuf,
        #[command(flatten)]
        corpus: CorpusArg,
        #[command(flatten)]
        manifests: ManifestsArg,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Start a manifest for a corpus cameo does not know: looks at its raw tree (extensions, WAV
    /// rates and channels, file-name grammar, CSV/TSV headers) and writes manifests/ID.toml with
    /// what it could infer and a TODO for the rest, plus a test stub tests/ID.rs.
    NewCorpus {
        /// The corpus folder (raw/ID), or the folder holding it.
        #[arg(long, value_name = "DIR")]
        raw: PathBuf,
        /// The split id of the new corpus (lower-case letters, digits and _).
        #[arg(long)]
        id: String,
        /// Where to write the manifest (default manifests/ID.toml; never overwritten).
        #[arg(short, long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Where to write the test stub (default tests/ID.rs; never overwritten).
        #[arg(long, value_name = "FILE")]
        test: Option<PathBuf>,
    },
    /// Download the manifests' sources into RAW/.downloads/ (resuming interrupted downloads),
    /// check size and SHA-256, extract into RAW/<split>/; say where to get and put manual ones.
    Fetch {
        /// Folder holding one folder per corpus (created when missing).
        #[arg(long, value_name = "DIR")]
        raw: PathBuf,
        /// Only these corpora (split ids); default: every corpus cameo knows.
        #[arg(long = "corpus", num_args = 1.., value_name = "ID")]
        corpora: Vec<String>,
        #[command(flatten)]
        manifests: ManifestsArg,
    },
    /// Check a build: schema, FLAC decoding and hashes, counts, parquet shards.
    Verify {
        /// The build folder.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Statistics of a build (counts per corpus, language, emotion; speakers; gender; hours) and
    /// its QA findings (silent and clipped samples, duration outliers).
    Stats {
        /// The build folder.
        #[arg(value_name = "DIR")]
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
        #[arg(value_name = "DIR")]
        build: Option<PathBuf>,
        #[command(flatten)]
        manifests: ManifestsArg,
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
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// Where to write the manifests (created).
        #[arg(value_name = "OUT")]
        out: PathBuf,
        /// Gzip the manifests (.jsonl.gz).
        #[arg(long)]
        gzip: bool,
    },
    /// Compare a build with the published release (`hf download amu-cai/CAMEO --repo-type
    /// dataset --local-dir REF`) or another build: samples paired by identical canonical PCM,
    /// then by duration and waveform correlation; metadata compared field by field.
    /// Exit 0 when identical, 1 when they differ, 2 on a usage error.
    Compare {
        /// The build folder.
        #[arg(value_name = "BUILD")]
        build: PathBuf,
        /// The reference: a folder of parquet shards (the published release) or a build folder.
        #[arg(long, value_name = "REF")]
        reference: PathBuf,
        /// Least waveform correlation of a near pair (same recording, other PCM).
        #[arg(long, default_value_t = cameo::compare::DEFAULT_MIN_CORRELATION, value_name = "0..1")]
        min_correlation: f64,
        /// Print the report as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Upload a build to the Hugging Face hub: verify it, print what goes up and why, then run
    /// the Hugging Face CLI on a staging folder of exactly those files.
    Publish(PublishArgs),
    /// Evaluate audio language models on a build (parse, score, run, leaderboard).
    Eval(super::eval::EvalArgs),
    /// Print a shell completion script (e.g. `cameo completions bash > ~/.local/share/bash-completion/completions/cameo`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `cameo man > ~/.local/share/man/man1/cameo.1`.
    Man,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExportFormat {
    /// Lhotse RecordingSet and SupervisionSet manifests (JSONL).
    Lhotse,
}

/// Arguments of `cameo publish`.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The build folder.
    pub build: PathBuf,
    /// The hub dataset repository, ORG/NAME (created by the upload when missing).
    #[arg(long, value_name = "ORG/NAME")]
    pub repo: String,
    /// Verify and print the plan and the upload command; upload nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Create the repository as private (ignored by the hub when it exists already).
    #[arg(long)]
    pub private: bool,
}

impl From<PublishArgs> for cameo::publish::PublishOptions {
    fn from(args: PublishArgs) -> Self {
        cameo::publish::PublishOptions {
            build: args.build,
            repo: args.repo,
            dry_run: args.dry_run,
            private: args.private,
        }
    }
}
