//! `cameo fetch`: for each source a manifest lists, download it into `raw/.downloads/` (resuming
//! an interrupted download), check its size and SHA-256 against the manifest, and extract it
//! into `raw/<split>/`. Sources behind a login are not downloaded: the report says where to get
//! them and where to put them; a manual archive put into `raw/.downloads/` is then checked and
//! extracted like a downloaded one. Finished work is not repeated: a verified download is not
//! fetched again, an extraction of the same bytes is not redone.
pub mod archive;
pub mod checksum;
pub mod download;
pub mod entry_path;
pub mod extract;
pub mod report;

use crate::corpora::CorpusEntry;
use crate::manifest::{ManifestError, Source};
use archive::ArchiveKind;
use checksum::FileDigest;
use report::{FetchReport, Placement, SourceOutcome, SourceReport};
use std::path::{Path, PathBuf};

/// The folder below `--raw` where downloads are kept.
pub const DOWNLOADS: &str = ".downloads";

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The command line is wrong (an unknown corpus id): exit code 2.
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Interrupted(#[from] crate::interrupt::Interrupted),
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{file}: {url}: {message}")]
    Http { file: String, url: String, message: String },
    /// A failed transfer or check of a downloaded file.
    #[error("{file}: {message}")]
    Download { file: String, message: String },
    #[error("{}: {message}", archive.display())]
    Archive { archive: PathBuf, message: String },
}

#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// The folder holding one folder per corpus (`raw/<split>/`); created when missing.
    pub raw: PathBuf,
    /// Split ids; empty = every registered corpus.
    pub corpora: Vec<String>,
    /// Read manifests from this folder instead of the embedded copies.
    pub manifests: Option<PathBuf>,
    /// No progress output on stderr.
    pub quiet: bool,
}

/// Where a source's file is kept: `raw/.downloads/<file>`.
pub fn download_path(raw: &Path, source: &Source) -> PathBuf {
    raw.join(DOWNLOADS).join(&source.file)
}

/// Runs `cameo fetch`. Usage and manifest errors stop it before any download; a failing source
/// is recorded in the report and the others go on.
pub fn run_fetch(options: &FetchOptions) -> Result<FetchReport, FetchError> {
    let registry = crate::corpora::Registry::load(options.manifests.as_deref())?;
    let selected = crate::selection::select(&registry, &options.corpora).map_err(FetchError::Usage)?;
    let downloads = options.raw.join(DOWNLOADS);
    std::fs::create_dir_all(&downloads).map_err(|source| FetchError::Io { path: downloads.clone(), source })?;
    let agent = download::agent();
    let mut sources = Vec::new();
    for entry in &selected {
        for source in &entry.manifest.sources {
            let outcome = match fetch_source(options, &agent, entry, source) {
                Ok(outcome) => outcome,
                // A signal stops the whole fetch; what was downloaded is kept.
                Err(FetchError::Interrupted(interrupted)) => return Err(FetchError::Interrupted(interrupted)),
                Err(error) => SourceOutcome::Failed(error),
            };
            sources.push(SourceReport {
                corpus: entry.id.clone(),
                manifest: entry.manifest.origin.clone(),
                file: source.file.clone(),
                outcome,
            });
        }
    }
    Ok(FetchReport { sources })
}

fn fetch_source(
    options: &FetchOptions,
    agent: &ureq::Agent,
    entry: &CorpusEntry,
    source: &Source,
) -> Result<SourceOutcome, FetchError> {
    let target = download_path(&options.raw, source);
    let label = format!("{}: {}", entry.id, source.file);
    let Some(url) = &source.url else {
        // A manual archive already put into raw/.downloads/ is checked and extracted like a download.
        if ArchiveKind::from_name(&source.file).is_some()
            && crate::manifest::is_plain_file_name(&source.file)
            && target.is_file()
        {
            let digest = check_existing(&target, source, false)?;
            let placement = place(options, entry, source, &target, &digest)?;
            return Ok(SourceOutcome::Ready { digest, pinned: source.sha256.is_some(), download: None, placement });
        }
        return Ok(SourceOutcome::Manual(report::manual_instructions(&options.raw, &entry.id, source)));
    };
    let (digest, download) = if target.is_file() {
        (check_existing(&target, source, true)?, None)
    } else {
        let part = target.with_file_name(format!("{}.part", source.file));
        if !options.quiet {
            eprintln!("{label}: downloading {url}");
        }
        let outcome = download::download(agent, url, &part, &source.file, source.size, options.quiet)?;
        let digest = check_download(&part, source)?;
        std::fs::rename(&part, &target).map_err(|e| FetchError::Io { path: target.clone(), source: e })?;
        (digest, Some(outcome))
    };
    // The observed hash beside the file, in `sha256sum` form, so that it can be pinned.
    let sidecar = target.with_file_name(format!("{}.sha256", source.file));
    crate::fsutil::write_atomic(&sidecar, format!("{}  {}\n", digest.sha256, source.file).as_bytes())
        .map_err(|e| FetchError::Io { path: sidecar, source: e })?;
    let placement = place(options, entry, source, &target, &digest)?;
    Ok(SourceOutcome::Ready { digest, pinned: source.sha256.is_some(), download, placement })
}

/// Why a file's size or SHA-256 differs from the manifest, if it does.
fn mismatch(digest: &FileDigest, source: &Source) -> Option<String> {
    if let Some(size) = source.size.filter(|&size| size != digest.bytes) {
        return Some(format!("size {} bytes, the manifest says {size}", digest.bytes));
    }
    match &source.sha256 {
        Some(sha) if *sha != digest.sha256 => {
            Some(format!("SHA-256 mismatch: the file has {}, the manifest expects {sha}", digest.sha256))
        }
        _ => None,
    }
}

fn digest_of(path: &Path) -> Result<FileDigest, FetchError> {
    checksum::digest(path).map_err(|source| FetchError::Io { path: path.to_path_buf(), source })
}

/// Checks a freshly downloaded `.part`. A wrong file cannot be repaired by resuming it, so it
/// is removed and the next run downloads it afresh.
fn check_download(part: &Path, source: &Source) -> Result<FileDigest, FetchError> {
    let digest = digest_of(part)?;
    if let Some(problem) = mismatch(&digest, source) {
        let removed = match std::fs::remove_file(part) {
            Ok(()) => format!("removed {} (resuming a wrong file cannot fix it)", part.display()),
            Err(error) => format!("could not remove {}: {error}", part.display()),
        };
        return Err(FetchError::Download {
            file: source.file.clone(),
            message: format!(
                "{problem}; {removed}; nothing was extracted. Run `cameo fetch` again to download it afresh; if it fails the same way, the file changed upstream and the manifest needs updating"
            ),
        });
    }
    Ok(digest)
}

/// Checks a file already in `raw/.downloads/`. It is left in place (it may have been put
/// there by hand): the error says what to do.
fn check_existing(path: &Path, source: &Source, downloadable: bool) -> Result<FileDigest, FetchError> {
    let digest = digest_of(path)?;
    if let Some(problem) = mismatch(&digest, source) {
        let what_to_do = if downloadable {
            format!("delete {} and run `cameo fetch` again to download it afresh", path.display())
        } else {
            format!("replace {} with the file the manifest describes", path.display())
        };
        return Err(FetchError::Download { file: source.file.clone(), message: format!("{problem}; {what_to_do}") });
    }
    Ok(digest)
}

/// Puts a checked file into `raw/<split>/`: archives are extracted, other files copied. A
/// marker beside the download records the bytes last placed, so a rerun does not redo it.
fn place(
    options: &FetchOptions,
    entry: &CorpusEntry,
    source: &Source,
    target: &Path,
    digest: &FileDigest,
) -> Result<Placement, FetchError> {
    let dest = options.raw.join(&entry.id);
    let marker = target.with_file_name(format!("{}.extracted", source.file));
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| FetchError::Io { path, source }
    };
    if dest.is_dir() && std::fs::read_to_string(&marker).is_ok_and(|text| text.trim() == digest.sha256) {
        return Ok(Placement::AlreadyInPlace { dest });
    }
    let placement = match ArchiveKind::from_name(&source.file) {
        Some(kind) => {
            if !options.quiet {
                eprintln!("{}: {}: extracting into {}/", entry.id, source.file, dest.display());
            }
            let staging = target.with_file_name(format!("{}.extracting", source.file));
            let extraction = extract::extract_into(target, kind, &staging, &dest)?;
            Placement::Extracted { dest, extraction }
        }
        None => {
            let copy = dest.join(&source.file);
            crate::fsutil::write_atomic_with(&copy, |writer| {
                std::io::copy(&mut std::fs::File::open(target)?, writer).map(|_| ())
            })
            .map_err(io(&copy))?;
            Placement::Copied { path: copy }
        }
    };
    crate::fsutil::write_atomic(&marker, format!("{}\n", digest.sha256).as_bytes()).map_err(io(&marker))?;
    Ok(placement)
}
