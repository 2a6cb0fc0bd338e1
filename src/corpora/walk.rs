//! Listing a raw tree: every file in a stable (byte-wise sorted) order, with the junk that
//! archives and operating systems leave behind set aside with a reason.
use super::{ScanError, Skipped};
use std::path::Path;

/// A file below the corpus folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFile {
    /// `/`-separated path relative to the corpus folder.
    pub relative: String,
    /// The file name alone.
    pub name: String,
}

/// Why a path is junk, if it is: macOS resource forks and folders, Windows thumbnails.
pub fn junk_reason(relative: &str) -> Option<&'static str> {
    let name = relative.rsplit('/').next().unwrap_or(relative);
    if relative.split('/').any(|part| part == "__MACOSX") {
        Some("macOS archive metadata (__MACOSX)")
    } else if name.starts_with("._") {
        Some("macOS resource fork (._ file)")
    } else if name == ".DS_Store" {
        Some("macOS folder metadata (.DS_Store)")
    } else if name.eq_ignore_ascii_case("Thumbs.db") || name.eq_ignore_ascii_case("desktop.ini") {
        Some("Windows folder metadata")
    } else {
        None
    }
}

/// A regular file below a corpus folder, as the walk found it.
pub struct FoundFile {
    /// `/`-separated path relative to the corpus folder (lossy when not UTF-8).
    pub relative: String,
    pub path: std::path::PathBuf,
    /// Whether the relative path is valid UTF-8 (`relative` is exact only then).
    pub utf8: bool,
}

/// Every regular file below `root` (links followed), sorted by relative path.
pub fn files_below(root: &Path) -> Result<Vec<FoundFile>, ScanError> {
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(root).follow_links(true).sort_by_file_name() {
        let entry = entry.map_err(|error| {
            let path = error.path().unwrap_or(root).to_path_buf();
            ScanError::Io { path, source: error.into() }
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let relative_path = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let utf8 = relative_path.to_str().is_some();
        let relative = relative_path.to_string_lossy().replace('\\', "/");
        found.push(FoundFile { relative, path: entry.into_path(), utf8 });
    }
    found.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(found)
}

/// Lists every regular file below `root`, sorted; junk goes to `skipped`.
pub fn list_files(root: &Path, skipped: &mut Vec<Skipped>) -> Result<Vec<RawFile>, ScanError> {
    let mut files = Vec::new();
    for file in files_below(root)? {
        if !file.utf8 {
            return Err(ScanError::Layout {
                path: file.path,
                message: "file name is not valid UTF-8; re-extract the archive with a UTF-8 aware tool".into(),
            });
        }
        if let Some(reason) = junk_reason(&file.relative) {
            skipped.push(Skipped { source: file.relative, reason: reason.into() });
            continue;
        }
        let name = file.relative.rsplit('/').next().unwrap_or(&file.relative).to_string();
        files.push(RawFile { relative: file.relative, name });
    }
    Ok(files)
}

/// The extension of a file name, lower-cased.
pub fn extension(name: &str) -> Option<String> {
    name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase())
}
