//! Extracting a downloaded archive (zip, tar, tar.gz, tar.xz) into a corpus folder, safely:
//! every entry name is checked first (see [`super::entry_path`]), only files and folders are
//! written (links are skipped: they could point outside), and everything goes to a staging
//! folder that is moved into place only when the whole archive read cleanly — a truncated or
//! hostile archive leaves the corpus folder as it was.
use super::archive::ArchiveKind;
use super::entry_path::{safe_relative_path, zip_entry_name};
use super::FetchError;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// What an extraction wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extraction {
    pub files: usize,
    /// Entries that are neither files nor folders (symbolic and hard links, devices), not written.
    pub skipped_entries: Vec<String>,
}

/// Extracts `archive` into `dest` through the staging folder `staging` (removed afterwards).
pub fn extract_into(archive: &Path, kind: ArchiveKind, staging: &Path, dest: &Path) -> Result<Extraction, FetchError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| FetchError::Io { path, source }
    };
    if staging.exists() {
        std::fs::remove_dir_all(staging).map_err(io(staging))?;
    }
    std::fs::create_dir_all(staging).map_err(io(staging))?;
    let extracted = match kind {
        ArchiveKind::Zip => extract_zip(archive, staging),
        ArchiveKind::Tar | ArchiveKind::TarGz | ArchiveKind::TarXz => extract_tar(archive, kind, staging),
    };
    let result = extracted.and_then(|extraction| {
        merge(staging, dest).map_err(io(dest))?;
        Ok(extraction)
    });
    // Leftovers of a failed or finished extraction are not worth keeping.
    let _ = std::fs::remove_dir_all(staging);
    result
}

fn archive_error(archive: &Path, message: String) -> FetchError {
    FetchError::Archive { archive: archive.to_path_buf(), message }
}

/// Writes one file entry below `staging`.
fn write_entry(staging: &Path, relative: &Path, content: &mut dyn Read) -> std::io::Result<()> {
    let path = staging.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut output = std::io::BufWriter::new(File::create(&path)?);
    std::io::copy(content, &mut output)?;
    std::io::Write::flush(&mut output)
}

fn refused(archive: &Path, entry: &str, reason: &str) -> FetchError {
    archive_error(archive, format!("entry '{entry}' refused: {reason}; nothing was extracted"))
}

fn damaged(archive: &Path, what: &str, error: impl std::fmt::Display) -> FetchError {
    archive_error(
        archive,
        format!(
            "{what}: {error}; the archive is truncated or damaged (delete {} to download it again); nothing was extracted",
            archive.display()
        ),
    )
}

fn extract_zip(archive: &Path, staging: &Path) -> Result<Extraction, FetchError> {
    let file = File::open(archive).map_err(|source| FetchError::Io { path: archive.to_path_buf(), source })?;
    let mut zip =
        zip::ZipArchive::new(BufReader::new(file)).map_err(|e| damaged(archive, "not a readable zip archive", e))?;
    let mut extraction = Extraction::default();
    // Names are checked before anything is written, so a hostile entry stops the whole archive.
    let mut names = Vec::with_capacity(zip.len());
    for index in 0..zip.len() {
        let entry = zip.by_index_raw(index).map_err(|e| damaged(archive, &format!("entry {index}"), e))?;
        let name = zip_entry_name(entry.name(), entry.name_raw());
        let relative = safe_relative_path(&name).map_err(|reason| refused(archive, &name, &reason))?;
        names.push((name, relative));
    }
    for (index, (name, relative)) in names.into_iter().enumerate() {
        let mut entry = zip.by_index(index).map_err(|e| damaged(archive, &format!("entry '{name}'"), e))?;
        if entry.is_dir() {
            std::fs::create_dir_all(staging.join(&relative))
                .map_err(|source| FetchError::Io { path: staging.join(&relative), source })?;
        } else if entry.is_symlink() {
            extraction.skipped_entries.push(name);
        } else {
            write_entry(staging, &relative, &mut entry).map_err(|e| damaged(archive, &format!("entry '{name}'"), e))?;
            extraction.files += 1;
        }
    }
    Ok(extraction)
}

fn extract_tar(archive: &Path, kind: ArchiveKind, staging: &Path) -> Result<Extraction, FetchError> {
    let file =
        BufReader::new(File::open(archive).map_err(|source| FetchError::Io { path: archive.to_path_buf(), source })?);
    let reader: Box<dyn Read> = match kind {
        ArchiveKind::TarGz => Box::new(flate2::read::MultiGzDecoder::new(file)),
        ArchiveKind::TarXz => Box::new(lzma_rust2::XzReader::new(file, true)),
        _ => Box::new(file),
    };
    let mut tar = tar::Archive::new(reader);
    let mut extraction = Extraction::default();
    let entries = tar.entries().map_err(|e| damaged(archive, "not a readable tar archive", e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| damaged(archive, "reading the next entry", e))?;
        let kind = entry.header().entry_type();
        if kind.is_pax_global_extensions() {
            // Archive-wide metadata (git archive writes one), not a file.
            continue;
        }
        // Names that are not UTF-8 are decoded as a build names raw files (corpora::names).
        let name = {
            use std::os::unix::ffi::OsStrExt;
            let bytes = entry.path_bytes();
            match std::str::from_utf8(&bytes) {
                Ok(text) => text.to_string(),
                Err(_) => {
                    crate::corpora::names::decode_relative(std::path::Path::new(std::ffi::OsStr::from_bytes(&bytes)))
                        .text
                }
            }
        };
        let relative = safe_relative_path(&name).map_err(|reason| refused(archive, &name, &reason))?;
        if kind.is_dir() {
            std::fs::create_dir_all(staging.join(&relative))
                .map_err(|source| FetchError::Io { path: staging.join(&relative), source })?;
        } else if kind.is_file() || kind.is_contiguous() || kind.is_gnu_sparse() {
            write_entry(staging, &relative, &mut entry).map_err(|e| damaged(archive, &format!("entry '{name}'"), e))?;
            extraction.files += 1;
        } else {
            extraction.skipped_entries.push(name);
        }
    }
    Ok(extraction)
}

/// Moves everything below `from` into `into`, replacing what is there under the same name
/// and keeping what is not.
fn merge(from: &Path, into: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(into)?;
    let mut entries: Vec<_> = std::fs::read_dir(from)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let source = entry.path();
        let target = into.join(entry.file_name());
        let existing = std::fs::symlink_metadata(&target).ok();
        let source_is_dir = entry.file_type()?.is_dir();
        match existing {
            Some(meta) if meta.is_dir() && source_is_dir => {
                merge(&source, &target)?;
                continue;
            }
            Some(meta) if meta.is_dir() => std::fs::remove_dir_all(&target)?,
            Some(_) => std::fs::remove_file(&target)?,
            None => {}
        }
        std::fs::rename(&source, &target)?;
    }
    Ok(())
}
