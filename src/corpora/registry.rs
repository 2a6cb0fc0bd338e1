//! The registry: the corpora one command knows, made from manifests. The built-in corpora are
//! the crate's `manifests/*.toml`, embedded at compile time (build.rs lists the folder); a
//! `--manifests` folder (or one `.toml` file) adds corpora cameo was not compiled with, and a
//! manifest there whose id is built in replaces that corpus' embedded copy. A manifest's
//! `[adapter] rust` key names a Rust adapter of [`super::RUST_ADAPTERS`]; without the key the
//! declarative engine reads the corpus from its `[adapter]` section. A contributor thus adds a
//! corpus with a manifest alone, scanned and built without recompiling.
//!
//! A [`Registry`] is a plain value: each command loads one (built-ins + `--manifests`) and
//! hands it to what it calls; nothing is global but the parsed built-ins.
use super::declarative::Declarative;
use super::Corpus;
use crate::manifest::{Manifest, ManifestError};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

include!(concat!(env!("OUT_DIR"), "/embedded_manifests.rs"));

/// A corpus cameo can build: its split id, its manifest and the adapter that reads it.
#[derive(Clone)]
pub struct CorpusEntry {
    /// The split id, which is also the manifest's file name and the raw folder's name.
    pub id: String,
    pub manifest: Manifest,
    /// The manifest as written (embedded, or read from disk).
    pub manifest_toml: String,
    pub adapter: &'static dyn Corpus,
}

impl std::fmt::Debug for CorpusEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CorpusEntry")
            .field("id", &self.id)
            .field("manifest", &self.manifest.origin)
            .finish_non_exhaustive()
    }
}

impl CorpusEntry {
    /// An entry from a manifest's text; `origin` names it in errors (`manifests/cafe.toml`).
    fn from_manifest(text: String, origin: &str) -> Result<CorpusEntry, ManifestError> {
        let manifest = Manifest::parse(&text, origin)?;
        if let Some(spec) = &manifest.adapter {
            super::declarative::compile::validate(spec, &manifest, origin)?;
        }
        let adapter: &'static dyn Corpus = match manifest.adapter.as_ref().and_then(|spec| spec.rust.as_deref()) {
            Some(name) => super::rust_adapter(name).ok_or_else(|| {
                let known: Vec<&str> = super::RUST_ADAPTERS.iter().map(|(name, _)| *name).collect();
                ManifestError::Invalid {
                    manifest: origin.to_string(),
                    key: "adapter.rust".into(),
                    message: format!(
                        "cameo has no Rust adapter '{name}' (known: {}); describe the corpus declaratively instead \
                         (see CONTRIBUTING.md)",
                        known.join(", ")
                    ),
                }
            })?,
            None if manifest.adapter.is_some() => &Declarative,
            None => {
                return Err(ManifestError::Invalid {
                    manifest: origin.to_string(),
                    key: "adapter".into(),
                    message: format!(
                        "cameo has no Rust adapter for '{}': describe its files in an [adapter] section (see \
                         CONTRIBUTING.md)",
                        manifest.id
                    ),
                })
            }
        };
        Ok(CorpusEntry { id: manifest.id.clone(), manifest, manifest_toml: text, adapter })
    }
}

/// The corpora a command knows, sorted by id (the split order).
#[derive(Debug)]
pub struct Registry {
    entries: Vec<CorpusEntry>,
}

static BUILTIN: LazyLock<Registry> = LazyLock::new(|| {
    let entries = EMBEDDED_MANIFESTS
        .iter()
        .map(|(id, text)| {
            let origin = format!("manifests/{id}.toml");
            // The embedded manifests are part of the program and tested; one that does not load
            // is a bug of this build of cameo, not a fault of any input.
            let entry = CorpusEntry::from_manifest(text.to_string(), &origin)
                .unwrap_or_else(|error| panic!("embedded manifest: {error}"));
            assert_eq!(entry.id, *id, "{origin}: the id must match the file name");
            entry
        })
        .collect();
    Registry { entries }
});

impl Registry {
    /// The corpora cameo is compiled with.
    pub fn builtin() -> &'static Registry {
        &BUILTIN
    }

    /// The built-in corpora plus those of the manifests `manifests` names (a folder of `*.toml`
    /// or one `.toml` file); a manifest whose id is built in replaces the embedded copy.
    pub fn load(manifests: Option<&Path>) -> Result<Registry, ManifestError> {
        let mut entries: Vec<CorpusEntry> = Registry::builtin().entries.clone();
        if let Some(manifests) = manifests {
            for path in manifest_files(manifests)? {
                let origin = path.display().to_string();
                let text = std::fs::read_to_string(&path)
                    .map_err(|source| ManifestError::Io { manifest: origin.clone(), source })?;
                let entry = CorpusEntry::from_manifest(text, &origin)?;
                let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                if entry.id != stem {
                    return Err(ManifestError::Invalid {
                        manifest: origin,
                        key: "id".into(),
                        message: format!(
                            "'{}' does not match the file name (name the file {}.toml)",
                            entry.id, entry.id
                        ),
                    });
                }
                entries.retain(|known| known.id != entry.id);
                entries.push(entry);
            }
        }
        entries.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Registry { entries })
    }

    /// The corpus with split id `id`.
    pub fn find(&self, id: &str) -> Option<&CorpusEntry> {
        self.entries.iter().find(|entry| entry.id == id)
    }

    /// Every corpus, in split order.
    pub fn iter(&self) -> std::slice::Iter<'_, CorpusEntry> {
        self.entries.iter()
    }

    /// The split ids, in order.
    pub fn ids(&self) -> Vec<&str> {
        self.entries.iter().map(|entry| entry.id.as_str()).collect()
    }

    /// Whether `id` is one of the corpora cameo is compiled with.
    pub fn is_builtin(id: &str) -> bool {
        Registry::builtin().find(id).is_some()
    }
}

impl<'a> IntoIterator for &'a Registry {
    type Item = &'a CorpusEntry;
    type IntoIter = std::slice::Iter<'a, CorpusEntry>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

/// The `.toml` files `manifests` names: itself when it is a file, else the folder's `*.toml`.
fn manifest_files(manifests: &Path) -> Result<Vec<PathBuf>, ManifestError> {
    if manifests.is_file() {
        return Ok(vec![manifests.to_path_buf()]);
    }
    let entries = std::fs::read_dir(manifests)
        .map_err(|source| ManifestError::Io { manifest: manifests.display().to_string(), source })?;
    let mut files: Vec<PathBuf> =
        entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "toml")).collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_naming_an_unknown_rust_adapter_is_refused() {
        let text = Registry::builtin()
            .find("pavoque")
            .unwrap()
            .manifest_toml
            .replace("rust = \"pavoque\"", "rust = \"pavoqe\"");
        let error = CorpusEntry::from_manifest(text, "manifests/pavoque.toml").unwrap_err().to_string();
        assert!(error.contains("adapter.rust") && error.contains("no Rust adapter 'pavoqe'"), "{error}");
        assert!(error.contains("known: emns, enterface, oreau, pavoque, resd"), "{error}");
    }

    #[test]
    fn a_disk_manifest_replaces_the_built_in_copy_and_adds_new_corpora() {
        let dir = tempfile::tempdir().unwrap();
        let builtin = Registry::builtin().find("ravdess").unwrap();
        let replaced = builtin.manifest_toml.replace("expected_count = 1440", "expected_count = 1441");
        std::fs::write(dir.path().join("ravdess.toml"), &replaced).unwrap();
        let copy = builtin.manifest_toml.replace("id = \"ravdess\"", "id = \"ravdess_copy\"");
        std::fs::write(dir.path().join("ravdess_copy.toml"), &copy).unwrap();
        let registry = Registry::load(Some(dir.path())).unwrap();
        assert_eq!(registry.iter().len(), Registry::builtin().iter().len() + 1);
        assert_eq!(registry.find("ravdess").unwrap().manifest.expected_count, 1441);
        let added = registry.find("ravdess_copy").unwrap();
        assert_eq!(added.manifest.origin, dir.path().join("ravdess_copy.toml").display().to_string());
        assert!(added.adapter.is_declarative());
        assert_eq!(Registry::builtin().find("ravdess").unwrap().manifest.expected_count, 1440);
        assert!(Registry::builtin().find("ravdess_copy").is_none(), "loading a registry changes no other");
        std::fs::write(dir.path().join("mismatch.toml"), &copy).unwrap();
        let error = Registry::load(Some(dir.path())).unwrap_err().to_string();
        assert!(error.contains("mismatch.toml") && error.contains("does not match the file name"), "{error}");
    }
}
