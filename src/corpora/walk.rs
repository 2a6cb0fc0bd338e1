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

/// Lists every regular file below `root`, sorted; junk goes to `skipped`.
pub fn list_files(root: &Path, skipped: &mut Vec<Skipped>) -> Result<Vec<RawFile>, ScanError> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(root).follow_links(true).sort_by_file_name() {
        let entry = entry.map_err(|error| {
            let path = error.path().unwrap_or(root).to_path_buf();
            ScanError::Io { path, source: error.into() }
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let relative_path = entry.path().strip_prefix(root).expect("walkdir stays below its root");
        let Some(relative) = relative_path.to_str().map(|s| s.replace('\\', "/")) else {
            return Err(ScanError::Layout {
                path: entry.path().to_path_buf(),
                message: "file name is not valid UTF-8; re-extract the archive with a UTF-8 aware tool".into(),
            });
        };
        if let Some(reason) = junk_reason(&relative) {
            skipped.push(Skipped { source: relative, reason: reason.into() });
            continue;
        }
        let name = relative.rsplit('/').next().unwrap_or(&relative).to_string();
        files.push(RawFile { relative, name });
    }
    files.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(files)
}

/// The extension of a file name, lower-cased.
pub fn extension(name: &str) -> Option<String> {
    name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase())
}
