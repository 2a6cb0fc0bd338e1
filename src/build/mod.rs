//! Orchestration of `cameo build`: pick the corpora, build each split, keep its state, then
//! let the sinks write the collection (FLAC tree, metadata.jsonl, parquet, card, build.json).
mod cache;
mod convert;
mod dedupe;
pub mod report;
pub mod shard;
mod shards_ahead;
pub mod split;
mod state;

use crate::collection::run::{FailedSplit, RunFacts};
use crate::collection::split::SplitState;
use crate::corpora::{CorpusEntry, Registry, ScanError};
use crate::manifest::{Manifest, ManifestError};
use crate::transcribe::{transcribe_split, AsrRunFacts, Recognizer, SplitTranscription};
use split::{build_split, SplitJob, SplitRunFacts};
pub use state::load_states;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The command line is wrong (an unknown corpus id, conflicting options, a path of the
    /// wrong kind): exit code 2.
    #[error("{0}")]
    Usage(String),
    /// Another build holds the output folder's lock (exit code 2, like a usage error: choose
    /// another --out or wait).
    #[error("{}: another cameo build is writing to this folder; wait for it or choose another --out", out.display())]
    Locked { out: PathBuf },
    /// The worker threads could not be started.
    #[error("cannot start {jobs} threads: {source}")]
    ThreadPool {
        jobs: usize,
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
    /// An input the command names is missing or unusable (the raw folder).
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("{split}: {source}")]
    Scan { split: String, source: ScanError },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// A kept state file (`.cameo/splits/<split>.json`, a shard's `.cameo/shard.json`) is not
    /// what this cameo writes.
    #[error("{}: {source}", path.display())]
    State {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error(transparent)]
    Sink(#[from] crate::sinks::SinkError),
    #[error("--strict: {0}")]
    Strict(String),
    #[error(transparent)]
    Transcribe(#[from] crate::transcribe::TranscribeError),
    /// An output could not be written (full disk, unwritable folder).
    #[error("{0}")]
    Output(String),
    #[error(transparent)]
    Interrupted(#[from] crate::interrupt::Interrupted),
    /// Every selected corpus failed on its own; nothing was written.
    #[error("{0}")]
    AllSplitsFailed(String),
}

impl BuildError {
    pub fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BuildError + '_ {
        move |source| BuildError::Io { path: path.to_path_buf(), source }
    }
}

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub raw: PathBuf,
    pub out: PathBuf,
    /// Split ids; empty = every corpus whose folder exists under `raw`.
    pub corpora: Vec<String>,
    pub jobs: usize,
    pub strict: bool,
    /// Read manifests from this folder instead of the embedded copies.
    pub manifests: Option<PathBuf>,
    pub quiet: bool,
    /// Convert only this shard's share and write no collection (see [`shard`]).
    pub shard: Option<shard::Shard>,
    /// Recognise speech with this model file (see [`crate::transcribe`]); off when None.
    pub transcribe: Option<PathBuf>,
    /// Fill unknown genders from a manifest's third-party annotation (`third_party_gender` in
    /// `[speakers]`); off by default, since the corpus does not distribute them.
    pub third_party_genders: bool,
}

/// What a build did, for the caller to print (`run.failed` names the splits that failed).
#[derive(Debug)]
pub struct BuildOutcome {
    pub splits: Vec<SplitState>,
    pub run: RunFacts,
    /// Folders under the raw folder that no manifest describes (not built; worth a warning).
    pub unknown_folders: Vec<String>,
}

/// The corpora a build covers: those named, or every corpus whose folder is under `raw`.
fn select_corpora<'r>(
    registry: &'r Registry,
    options: &BuildOptions,
) -> Result<crate::selection::RawSelection<'r>, BuildError> {
    crate::selection::select_in_raw(registry, &options.raw, &options.corpora).map_err(|error| match error {
        crate::selection::RawSelectionError::Usage(message) => BuildError::Usage(message),
        crate::selection::RawSelectionError::Empty(message) => BuildError::Input(message),
    })
}

/// Holds an exclusive lock on `<out>/.cameo/lock` for as long as the returned file lives, so two
/// builds never write into one folder at once (the OS drops the lock if the process dies).
fn lock_build_folder(out: &Path) -> Result<std::fs::File, BuildError> {
    let folder = out.join(".cameo");
    std::fs::create_dir_all(&folder).map_err(BuildError::io(&folder))?;
    let path = folder.join("lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(BuildError::io(&path))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(BuildError::Locked { out: out.to_path_buf() }),
        Err(std::fs::TryLockError::Error(source)) => Err(BuildError::Io { path, source }),
    }
}

/// What the build records about a split that failed on its own, with the fix to name.
fn failed_split(options: &BuildOptions, split: &str, error: &ScanError) -> FailedSplit {
    let fix = match error {
        ScanError::MissingFolder { hint, .. } => format!("{hint}, then rerun the build"),
        _ => format!(
            "`cameo scan --raw {} --corpus {split}` shows what is wrong; fix the tree and rerun the build \
             (the corpora built now are reused)",
            options.raw.display()
        ),
    };
    FailedSplit { split: split.to_string(), reason: error.to_string(), fix }
}

/// Removes what an interrupted (killed) run left in the build folder: files under temporary
/// `.partial-*` names. Safe because this run holds the folder's lock.
fn remove_leftovers(out: &Path) -> Result<(), BuildError> {
    for entry in walkdir::WalkDir::new(out).into_iter().filter_map(Result::ok) {
        let is_leftover = entry.file_name().to_str().is_some_and(crate::fsutil::is_partial);
        if is_leftover && entry.file_type().is_file() {
            std::fs::remove_file(entry.path()).map_err(BuildError::io(entry.path()))?;
        }
    }
    Ok(())
}

/// The model of `--transcribe`, loaded and checked (None without the option).
pub fn load_recognizer(options: &BuildOptions) -> Result<Option<Box<dyn Recognizer>>, BuildError> {
    Ok(options.transcribe.as_deref().map(crate::transcribe::load_model).transpose()?)
}

/// What a build checks before it touches the output folder or any audio: the raw folder, the
/// corpora, their manifests, and that the recogniser (if any) handles their languages.
pub(crate) fn prepare<'r>(
    registry: &'r Registry,
    options: &BuildOptions,
    recognizer: Option<&dyn Recognizer>,
) -> Result<Prepared<'r>, BuildError> {
    if !options.raw.exists() {
        return Err(BuildError::Input(format!("{}: raw folder not found", options.raw.display())));
    }
    if !options.raw.is_dir() {
        return Err(BuildError::Usage(format!(
            "--raw {} is a file: give the folder holding one folder per corpus",
            options.raw.display()
        )));
    }
    if options.out.exists() && !options.out.is_dir() {
        return Err(BuildError::Usage(format!("--out {} is a file: give a folder", options.out.display())));
    }
    if options.out.to_str().is_none() {
        // libFLAC opens its output by name, and takes only UTF-8 names.
        return Err(BuildError::Usage(format!(
            "--out {} is not a UTF-8 path: choose an output folder whose path is UTF-8 (the raw tree may have any names)",
            options.out.display()
        )));
    }
    let selection = select_corpora(registry, options)?;
    let selected = selection.entries;
    if let Some(recognizer) = recognizer {
        let manifests: Vec<Manifest> = selected.iter().map(|entry| entry.manifest.clone()).collect();
        crate::transcribe::check_languages(recognizer, &manifests)?;
    }
    Ok(Prepared { selected, unknown_folders: selection.unknown_folders })
}

/// What [`prepare`] checked: the corpora, their manifests, and folders no manifest describes.
pub(crate) struct Prepared<'r> {
    pub selected: Vec<&'r CorpusEntry>,
    pub unknown_folders: Vec<String>,
}

/// Runs `cameo build`: loads the `--transcribe` model, if any, then [`run_build_with`] it.
pub fn run_build(options: &BuildOptions) -> Result<BuildOutcome, BuildError> {
    let recognizer = load_recognizer(options)?;
    run_build_with(options, recognizer.as_deref())
}

/// Runs `cameo build` with a given recogniser for the transcription stage (None: no stage).
pub fn run_build_with(options: &BuildOptions, recognizer: Option<&dyn Recognizer>) -> Result<BuildOutcome, BuildError> {
    let started = Instant::now();
    // The corpora are their manifests: the built-in ones and those of --manifests.
    let registry = Registry::load(options.manifests.as_deref())?;
    let Prepared { selected, unknown_folders } = prepare(&registry, options, recognizer)?;
    std::fs::create_dir_all(&options.out).map_err(BuildError::io(&options.out))?;
    let _lock = lock_build_folder(&options.out)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs)
        .build()
        .map_err(|source| BuildError::ThreadPool { jobs: options.jobs, source })?;
    remove_leftovers(&options.out)?;
    // A shard run (`--shard`) writes no parquet; `merge` makes the collection. Kept states
    // that cannot be read only mean fewer shards ahead (the end of the build reports them).
    let mut shards_ahead = options.shard.is_none().then(|| {
        let kept = load_states(&options.out).unwrap_or_default();
        shards_ahead::ShardsAhead::start(&options.out, &kept, options.jobs)
    });
    let mut facts = SplitRunFacts::default();
    let mut asr_facts = AsrRunFacts::default();
    let mut built = Vec::new();
    let mut failed = Vec::new();
    let mut shard_states = Vec::new();
    for entry in &selected {
        crate::interrupt::Interrupted::check(|| {
            format!(
                "the corpora built so far ({}) are kept in {}",
                built.join(", "),
                options.out.join(".cameo").display()
            )
        })?;
        let job = SplitJob {
            entry,
            raw_root: options.raw.join(&entry.id),
            out: &options.out,
            quiet: options.quiet,
            shard: options.shard,
            third_party_genders: options.third_party_genders,
        };
        let mut state = match pool.install(|| build_split(&job, &mut facts)) {
            Ok(state) => state,
            // A corpus whose raw tree or adapter fails does not stop the others.
            Err(BuildError::Scan { split, source }) => {
                failed.push(failed_split(options, &split, &source));
                continue;
            }
            Err(error) => return Err(error),
        };
        if let Some(recognizer) = recognizer {
            let stage =
                SplitTranscription { out: &options.out, manifest: &entry.manifest, recognizer, quiet: options.quiet };
            pool.install(|| transcribe_split(&stage, &mut state, &mut asr_facts))?;
        }
        if options.shard.is_some() {
            built.push(entry.id.to_string());
            shard_states.push(state);
            continue;
        }
        state::save(&options.out, &state)?;
        if let Some(ahead) = &mut shards_ahead {
            ahead.built(&state);
        }
        built.push(entry.id.to_string());
        if options.strict && (!state.report.count_matches() || !state.report.rejects.is_empty()) {
            return Err(BuildError::Strict(format!(
                "{}: built {} of {} expected samples, {} rejects (see .cameo/splits/{}.json)",
                entry.id,
                state.report.built,
                state.report.expected,
                state.report.rejects.len(),
                entry.id
            )));
        }
    }
    // Nothing was built: the one line of the (first) failure is the error, nothing is written.
    if built.is_empty() {
        if let Some(first) = failed.first() {
            return Err(BuildError::AllSplitsFailed(if failed.len() == 1 {
                format!("{}: {}", first.split, first.reason)
            } else {
                format!("all {} corpora failed; the first, {}: {}", failed.len(), first.split, first.reason)
            }));
        }
    }
    if options.strict {
        if let Some(first) = failed.first() {
            return Err(BuildError::Strict(format!("{}: {}", first.split, first.reason)));
        }
    }
    if let Some(shard) = options.shard {
        // A shard leaves FLAC files and cache entries only; `merge` makes the collection.
        shard::write_marker(&options.out, shard)?;
        let audio_seconds = shard_states.iter().flat_map(|s| &s.records).map(|r| r.duration).sum();
        let run = RunFacts {
            jobs: options.jobs,
            seconds: started.elapsed().as_secs_f64(),
            converted: facts.converted,
            reused_from_cache: facts.reused,
            audio_seconds,
            recognised: asr_facts.recognised,
            recognised_from_cache: asr_facts.reused,
            recognised_audio_seconds: asr_facts.recognised_audio_seconds,
            recognition_seconds: asr_facts.seconds,
            failed,
        };
        return Ok(BuildOutcome { splits: shard_states, run, unknown_folders });
    }
    // The last splits' shards may still be being written: the sink takes them when they are
    // (and `shards_ahead`, dropped at the end, waits for its writer on every way out).
    let ready_shards = shards_ahead.as_mut().map(shards_ahead::ShardsAhead::all_built).unwrap_or_default();
    let mut states = load_states(&options.out)?;
    dedupe::dedupe_across_splits(&options.out, &mut states).map_err(BuildError::io(&options.out))?;
    let audio_seconds = states.iter().flat_map(|s| &s.records).map(|r| r.duration).sum();
    let run = RunFacts {
        jobs: options.jobs,
        seconds: started.elapsed().as_secs_f64(),
        converted: facts.converted,
        reused_from_cache: facts.reused,
        audio_seconds,
        recognised: asr_facts.recognised,
        recognised_from_cache: asr_facts.reused,
        recognised_audio_seconds: asr_facts.recognised_audio_seconds,
        recognition_seconds: asr_facts.seconds,
        failed,
    };
    let manifests: Vec<Manifest> = states
        .iter()
        .filter_map(|state| registry.find(&state.report.split))
        .map(|entry| entry.manifest.clone())
        .collect();
    crate::sinks::write_collection(&crate::sinks::Collection {
        out: &options.out,
        states: &states,
        rebuilt: &built,
        manifests: &manifests,
        run: &run,
        ready_shards: &ready_shards,
    })?;
    let splits = states.into_iter().filter(|s| built.contains(&s.report.split)).collect();
    Ok(BuildOutcome { splits, run, unknown_folders })
}
