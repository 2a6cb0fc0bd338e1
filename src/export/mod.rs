//! `cameo export`: manifests of a build for the tools researchers already use. Each format
//! is one module that turns the build's records into its files; they point at the built FLAC
//! files rather than copying audio.
pub mod lhotse;

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{}: {message}", path.display())]
    File { path: PathBuf, message: String },
    #[error(transparent)]
    Metadata(#[from] crate::verify::VerifyError),
}

impl ExportError {
    pub fn file(path: &Path, message: impl Into<String>) -> ExportError {
        ExportError::File { path: path.to_path_buf(), message: message.into() }
    }
}

/// The formats `cameo export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Lhotse,
}

#[derive(Debug)]
pub struct ExportOptions<'a> {
    pub format: Format,
    pub build: &'a Path,
    pub out: &'a Path,
    /// Gzip the manifests (`.jsonl.gz`), as Lhotse recipes usually write them.
    pub gzip: bool,
}

/// Writes the export; returns the files written.
pub fn export(options: &ExportOptions) -> Result<Vec<PathBuf>, ExportError> {
    let records = crate::verify::read_metadata(&options.build.join("metadata.jsonl"))?;
    match options.format {
        Format::Lhotse => lhotse::write_manifests(options.build, &records, options.out, options.gzip),
    }
}
