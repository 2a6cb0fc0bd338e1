//! Manifests from disk for corpora cameo was not compiled with: `--manifests` may name a
//! folder of `*.toml` or one `.toml` file, and every manifest there whose id is not built in
//! adds a corpus, read by the declarative adapter from its `[adapter]` section. A contributor
//! scans and builds a new corpus this way without recompiling. (A manifest whose id is built in
//! replaces that corpus' embedded copy, see [`CorpusEntry::manifest`].)
//!
//! Registered corpora live for the rest of the process, like the built-in ones: their entries
//! are leaked once per distinct manifest text so that they are `&'static` like [`REGISTRY`]'s
//! and every command, sink and lookup ([`super::find`]) treats both alike.
use super::declarative::Declarative;
use super::{CorpusEntry, REGISTRY};
use crate::manifest::{Manifest, ManifestError};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The corpora added from disk, by id (the latest registration of an id wins).
static ADDED: Mutex<Vec<&'static CorpusEntry>> = Mutex::new(Vec::new());

/// The added corpora, sorted by id.
pub fn added() -> Vec<&'static CorpusEntry> {
    let mut entries = ADDED.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
    entries.sort_by_key(|entry| entry.id);
    entries
}

/// The `.toml` files `manifests` names: itself when it is a file, else the folder's `*.toml`.
fn manifest_files(manifests: &Path) -> Result<Vec<PathBuf>, ManifestError> {
    let name = manifests.display().to_string();
    if manifests.is_file() {
        return Ok(vec![manifests.to_path_buf()]);
    }
    let entries = std::fs::read_dir(manifests).map_err(|source| ManifestError::Io { manifest: name, source })?;
    let mut files: Vec<PathBuf> =
        entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "toml")).collect();
    files.sort();
    Ok(files)
}

/// Adds the corpora of the manifests in `manifests` (a folder or one file) that cameo does not
/// know; each must describe its files declaratively. Returns the ids added.
pub fn register(manifests: Option<&Path>) -> Result<Vec<&'static str>, ManifestError> {
    let Some(manifests) = manifests else { return Ok(Vec::new()) };
    let mut ids = Vec::new();
    for path in manifest_files(manifests)? {
        let name = path.display().to_string();
        let text =
            std::fs::read_to_string(&path).map_err(|source| ManifestError::Io { manifest: name.clone(), source })?;
        let manifest = Manifest::parse(&text, &name)?;
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        if manifest.id != stem {
            return Err(ManifestError::Invalid {
                manifest: name,
                key: "id".into(),
                message: format!("'{}' does not match the file name (name the file {}.toml)", manifest.id, manifest.id),
            });
        }
        if REGISTRY.iter().any(|entry| entry.id == manifest.id) {
            continue;
        }
        if manifest.adapter.as_ref().is_none_or(|adapter| adapter.rust.is_some()) {
            return Err(ManifestError::Invalid {
                manifest: name,
                key: "adapter".into(),
                message: format!(
                    "cameo has no Rust adapter for '{}': describe its files in an [adapter] section (see \
                     CONTRIBUTING.md)",
                    manifest.id
                ),
            });
        }
        ids.push(add(&manifest.id, text));
    }
    Ok(ids)
}

/// Registers one declarative corpus, reusing the entry when the same text was added before.
fn add(id: &str, text: String) -> &'static str {
    // A panic elsewhere while the list was held leaves it whole (pushes and retains only).
    let mut added = ADDED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(same) = added.iter().find(|entry| entry.id == id && entry.manifest_toml == text) {
        return same.id;
    }
    added.retain(|entry| entry.id != id);
    let entry: &'static CorpusEntry = Box::leak(Box::new(CorpusEntry {
        id: Box::leak(id.to_string().into_boxed_str()),
        manifest_toml: Box::leak(text.into_boxed_str()),
        adapter: &Declarative,
    }));
    added.push(entry);
    entry.id
}
