//! Which corpora a command covers. `scan` and `build` take the ones named with `--corpus`, or
//! else every corpus whose folder is under the raw folder; `fetch` takes every known corpus when
//! none is named. Unknown ids are usage errors with the nearest known id suggested; a raw
//! folder pointing inside a corpus folder is named as such; folders under the raw folder that
//! no manifest describes are reported, never silently ignored.
use crate::corpora::{CorpusEntry, Registry};
use std::path::Path;

/// The registry entries for `ids`, in registry order; every corpus when `ids` is empty. The
/// error names the unknown id, the nearest known one and lists the known ones.
pub fn select<'r>(registry: &'r Registry, ids: &[String]) -> Result<Vec<&'r CorpusEntry>, String> {
    if let Some(unknown) = ids.iter().find(|id| registry.find(id).is_none()) {
        return Err(unknown_corpus(registry, unknown));
    }
    Ok(registry.iter().filter(|entry| ids.is_empty() || ids.contains(&entry.id)).collect())
}

/// The corpora of a raw tree and what else is in it.
#[derive(Debug)]
pub struct RawSelection<'r> {
    pub entries: Vec<&'r CorpusEntry>,
    /// Folders under the raw folder that are no known corpus (`raw/emodb` without a manifest).
    pub unknown_folders: Vec<String>,
}

/// Why a raw folder cannot be used as given.
#[derive(Debug, thiserror::Error)]
pub enum RawSelectionError {
    /// The command line is wrong (unknown id, --raw inside a corpus folder).
    #[error("{0}")]
    Usage(String),
    /// The raw folder holds no corpus folder.
    #[error("{0}")]
    Empty(String),
}

/// The corpora named by `ids`, or else those whose folder exists under `raw`.
pub fn select_in_raw<'r>(
    registry: &'r Registry,
    raw: &Path,
    ids: &[String],
) -> Result<RawSelection<'r>, RawSelectionError> {
    let unknown_folders = unknown_folders(registry, raw);
    if !ids.is_empty() {
        let entries = select(registry, ids).map_err(RawSelectionError::Usage)?;
        if let Some(message) = inside_corpus_folder(raw, &entries) {
            return Err(RawSelectionError::Usage(message));
        }
        return Ok(RawSelection { entries, unknown_folders });
    }
    let present: Vec<_> = registry.iter().filter(|entry| raw.join(&entry.id).is_dir()).collect();
    if present.is_empty() {
        if let Some(message) = inside_corpus_folder(raw, &registry.iter().collect::<Vec<_>>()) {
            return Err(RawSelectionError::Usage(message));
        }
        if let Some(message) = one_level_up(registry, raw) {
            return Err(RawSelectionError::Usage(message));
        }
        let mut message = format!(
            "{}: no corpus folder found; put each corpus in a folder named by its id ({})",
            raw.display(),
            registry.ids().join(", ")
        );
        if let Some(folder) = unknown_folders.first() {
            message.push_str(&format!("; {folder}/ is no known corpus: describe it with --manifests DIR"));
        }
        return Err(RawSelectionError::Empty(message));
    }
    Ok(RawSelection { entries: present, unknown_folders })
}

/// The message for `--raw raw/ravdess` (one level too deep): the raw folder is itself a
/// corpus folder of one of `entries` and holds none of theirs.
fn inside_corpus_folder(raw: &Path, entries: &[&CorpusEntry]) -> Option<String> {
    let name = raw.file_name()?.to_str()?;
    let entry = entries.iter().find(|entry| entry.id == name)?;
    if entries.iter().any(|other| raw.join(&other.id).is_dir()) {
        return None;
    }
    let parent = raw.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    Some(format!(
        "--raw {} points inside the corpus folder of {}: give the folder holding it, --raw {}",
        raw.display(),
        entry.id,
        parent.display()
    ))
}

/// The message for `--raw .` when the corpus folders are in `./raw/` (one level too shallow).
fn one_level_up(registry: &Registry, raw: &Path) -> Option<String> {
    let mut children: Vec<_> = std::fs::read_dir(raw).ok()?.filter_map(Result::ok).map(|e| e.path()).collect();
    children.sort();
    let holder = children
        .into_iter()
        .find(|child| child.is_dir() && registry.iter().any(|entry| child.join(&entry.id).is_dir()))?;
    Some(format!(
        "--raw {} holds no corpus folder, but {} does: give --raw {}",
        raw.display(),
        holder.display(),
        holder.display()
    ))
}

/// Folders under `raw` that no known corpus is named by (hidden ones, like `.downloads`, aside).
fn unknown_folders(registry: &Registry, raw: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(raw) else { return Vec::new() };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_dir())
        .map(|entry| crate::corpora::names::decode_component(&entry.file_name()))
        .filter(|name| !name.starts_with('.') && name != "__MACOSX" && registry.find(name).is_none())
        .collect();
    names.sort();
    names
}

/// The warning for a folder of the raw tree that no manifest describes.
pub fn unknown_folder_warning(raw: &Path, folder: &str) -> String {
    format!(
        "{}: no manifest describes a corpus '{folder}', so it is not built; add one with --manifests DIR \
         (`cameo new-corpus --raw {} --id {folder}` starts it)",
        raw.join(folder).display(),
        raw.join(folder).display()
    )
}

/// "unknown corpus 'x' (did you mean 'y'?; known: …)".
pub fn unknown_corpus(registry: &Registry, id: &str) -> String {
    let known = registry.ids();
    let nearest = known
        .iter()
        .map(|candidate| (strsim::damerau_levenshtein(id, candidate), *candidate))
        .filter(|(distance, candidate)| *distance <= 2.max(candidate.len() / 3))
        .min();
    let hint = match nearest {
        Some((_, candidate)) => format!("did you mean '{candidate}'? "),
        None => "a corpus of your own needs its manifest: --manifests DIR; ".to_string(),
    };
    format!("unknown corpus '{id}' ({hint}known: {})", known.join(", "))
}

/// Quotes a path for a shell command shown to the user, when it needs quoting.
pub fn shell_quote(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+:=@%,".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_selects_every_corpus_and_unknown_ids_are_named() {
        let registry = Registry::builtin();
        assert_eq!(select(registry, &[]).unwrap().len(), registry.iter().len());
        let picked: Vec<&str> =
            select(registry, &["ravdess".into(), "cafe".into()]).unwrap().iter().map(|e| e.id.as_str()).collect();
        assert_eq!(picked, ["cafe", "ravdess"]);
        let error = select(registry, &["cafe".into(), "nosuch".into()]).err().unwrap();
        assert!(error.starts_with("unknown corpus 'nosuch' (a corpus of your own needs"), "{error}");
        assert!(error.contains("known: cafe, "), "{error}");
        let error = select(registry, &["ravdes".into()]).err().unwrap();
        assert!(error.starts_with("unknown corpus 'ravdes' (did you mean 'ravdess'?"), "{error}");
    }

    #[test]
    fn paths_are_quoted_only_when_needed() {
        assert_eq!(shell_quote("raw/cafe"), "raw/cafe");
        assert_eq!(shell_quote("raw/Mexican Emotional (MESD).zip"), "'raw/Mexican Emotional (MESD).zip'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
