//! Sinks: everything a build writes from the per-split states — the FLAC tree is written by
//! the build itself; here metadata.jsonl, parquet shards, the dataset card, LICENSES/,
//! build.json and SHA256SUMS. Each is a [`Sink`] in [`SINKS`]; a new output (say WebDataset
//! tar shards) is one module and one line there.
pub mod build_json;
pub mod card;
pub mod jsonl;
pub mod licenses;
pub mod parquet;
pub mod sha256sums;

use crate::collection::run::RunFacts;
use crate::collection::split::SplitState;
use crate::fsutil::StagedWrites;
use crate::manifest::Manifest;
use crate::record::Record;
use std::path::{Path, PathBuf};

/// Why an output of the collection could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A parquet shard (or the FLAC file going into it) could not be written or read.
    #[error("{}: {source}", path.display())]
    Parquet {
        path: PathBuf,
        #[source]
        source: parquet::ParquetSinkError,
    },
    /// A manifest's facts cannot go into the dataset card.
    #[error("{}: {message}", path.display())]
    Card { path: PathBuf, message: String },
}

impl SinkError {
    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SinkError + '_ {
        move |source| SinkError::Io { path: path.to_path_buf(), source }
    }
}

/// What the sinks write from: every split state of the build folder and this run's facts.
#[derive(Debug)]
pub struct Collection<'a> {
    pub out: &'a Path,
    pub states: &'a [SplitState],
    /// The splits this run (re)built; their parquet shards are written anew.
    pub rebuilt: &'a [String],
    /// The manifest of every split in `states`.
    pub manifests: &'a [Manifest],
    pub run: &'a RunFacts,
    /// Parquet shards already staged for some splits (empty when none were).
    pub ready_shards: &'a parquet::ReadyShards,
}

impl Collection<'_> {
    /// Every record, split by split.
    pub fn records(&self) -> Vec<&Record> {
        self.states.iter().flat_map(|state| &state.records).collect()
    }
}

/// One output of the collection. A sink stages its files in `staged`, which puts all outputs
/// in place together at the end, so a failure (a full disk) leaves the earlier ones whole.
pub trait Sink: Sync {
    fn write(&self, collection: &Collection, staged: &mut StagedWrites) -> Result<(), SinkError>;
}

/// The sinks, in the order they run: those that need no shard first (the build may still be
/// writing the last split's shards meanwhile), then the shards, the card (it reads the sizes of
/// the shards staged before it), and SHA256SUMS (last) of everything staged.
pub const SINKS: &[&dyn Sink] = &[
    &jsonl::Metadata,
    &licenses::Licenses,
    &build_json::BuildJson,
    &parquet::Shards,
    &card::Card,
    &sha256sums::Sha256Sums,
];

/// Writes every collection-level output and commits them together.
pub fn write_collection(collection: &Collection) -> Result<(), SinkError> {
    let mut staged = StagedWrites::default();
    for sink in SINKS {
        sink.write(collection, &mut staged)?;
    }
    staged.commit().map_err(SinkError::io(collection.out))
}
