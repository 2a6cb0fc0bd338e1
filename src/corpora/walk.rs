//! Listing a raw tree: every file in a stable (sorted) order under its decoded name (see
//! [`super::names`]), with the junk that archives and operating systems leave behind set aside
//! with a reason.
use super::{names, ScanError, Skipped};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
#[derive(Debug, Clone)]
pub struct FoundFile {
    /// `/`-separated path relative to the corpus folder, named by [`super::names`].
    pub relative: String,
    pub path: std::path::PathBuf,
    /// The exact bytes of the path below the corpus folder, escaped ([`super::names::escape_bytes`]),
    /// when they are not `relative` itself.
    pub original: Option<String>,
}

/// Every regular file below `root` (links followed), sorted by relative path. Names are decoded
/// by [`super::names`]; two files whose names decode alike keep distinct paths.
pub fn files_below(root: &Path) -> Result<Vec<FoundFile>, ScanError> {
    let mut by_text: BTreeMap<String, Vec<(bool, PathBuf)>> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root).follow_links(true).sort_by_file_name() {
        let entry = entry.map_err(|error| {
            let path = error.path().unwrap_or(root).to_path_buf();
            ScanError::Io { path, source: error.into() }
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let relative_path = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let decoded = names::decode_relative(relative_path);
        by_text.entry(decoded.text).or_default().push((decoded.exact, entry.into_path()));
    }
    let mut found = Vec::new();
    let mut escaped_names = Vec::new();
    for (text, mut paths) in by_text {
        // The name already spelled `text` keeps it; else the first in byte order (the walk's).
        paths.sort_by_key(|(exact, _)| !*exact);
        for (index, (exact, path)) in paths.into_iter().enumerate() {
            let on_disk = names::escape_bytes(path.strip_prefix(root).unwrap_or(&path).as_os_str());
            if index == 0 {
                let original = (!exact).then_some(on_disk);
                found.push(FoundFile { relative: text.clone(), path, original });
            } else {
                escaped_names.push(FoundFile { relative: on_disk.clone(), path, original: Some(on_disk) });
            }
        }
    }
    for file in escaped_names {
        if let Some(other) = found.iter().find(|other| other.relative == file.relative) {
            return Err(ScanError::Layout {
                path: file.path,
                message: format!(
                    "its name and that of {} read alike once decoded; rename one of them",
                    other.path.display()
                ),
            });
        }
        found.push(file);
    }
    found.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(found)
}

/// Where the files of a corpus folder are on disk, by the decoded names adapters use.
#[derive(Debug)]
pub struct SourcePaths {
    root: PathBuf,
    /// Files whose path on disk is not their decoded name: decoded name → (path, exact bytes
    /// escaped).
    renamed: BTreeMap<String, (PathBuf, String)>,
}

impl SourcePaths {
    /// Walks `root` once to find the files whose names were decoded.
    pub fn new(root: &Path) -> Result<SourcePaths, ScanError> {
        let renamed = files_below(root)?
            .into_iter()
            .filter_map(|file| file.original.map(|original| (file.relative, (file.path, original))))
            .collect();
        Ok(SourcePaths { root: root.to_path_buf(), renamed })
    }

    /// The path on disk of the file an adapter named `relative`.
    pub fn path(&self, relative: &str) -> PathBuf {
        match self.renamed.get(relative) {
            Some((path, _)) => path.clone(),
            None => self.root.join(relative),
        }
    }

    /// The exact bytes of `relative` on disk, escaped, when they are not `relative` itself.
    pub fn original(&self, relative: &str) -> Option<&str> {
        self.renamed.get(relative).map(|(_, original)| original.as_str())
    }
}

/// Lists every regular file below `root`, sorted; junk goes to `skipped`.
pub fn list_files(root: &Path, skipped: &mut Vec<Skipped>) -> Result<Vec<RawFile>, ScanError> {
    let mut files = Vec::new();
    for file in files_below(root)? {
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
