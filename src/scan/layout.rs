//! Where a corpus is, when it is not where it should be: the corpus folder missing, the corpus
//! under another folder name or extracted straight into `raw/` (one level too shallow), the
//! tree wrapped in folders the adapter does not accept (too deep), an archive left unextracted.
//! Each is found from the folder tree and by retrying the adapter elsewhere (file names only),
//! and comes with the command that fixes it.
use super::{Diagnosis, Finding};
use crate::corpora::walk::junk_reason;
use crate::corpora::{CorpusEntry, Registry};
use crate::fetch::archive::ArchiveKind;
use crate::manifest::Manifest;
use crate::selection::shell_quote;
use std::collections::BTreeSet;
use std::path::Path;

/// How many wrapper folders deep the adapter is retried.
const MAX_WRAPPER_DEPTH: usize = 3;
/// Folders or files named in a suggested `mv` command before the list is cut short.
const MAX_NAMED: usize = 8;

fn quoted(path: &Path) -> String {
    shell_quote(&path.display().to_string())
}

/// How to get a corpus: `cameo fetch` for direct downloads, the manifest's text for manual ones.
pub fn how_to_get(raw: &Path, id: &str, manifest: &Manifest) -> String {
    let mut ways = Vec::new();
    let direct: Vec<&str> = manifest.sources.iter().filter(|s| s.url.is_some()).map(|s| s.file.as_str()).collect();
    if !direct.is_empty() {
        ways.push(format!(
            "run `cameo fetch --raw {} --corpus {id}` (downloads, checks and extracts {})",
            quoted(raw),
            direct.join(", ")
        ));
    }
    ways.extend(manifest.sources.iter().filter_map(|source| source.manual.clone()));
    if ways.is_empty() {
        ways.push(format!("put the extracted corpus into {}", quoted(&raw.join(id))));
    }
    ways.join("; ")
}

/// Diagnoses for a corpus whose folder does not exist.
pub fn missing_folder(registry: &Registry, raw: &Path, entry: &CorpusEntry) -> Vec<Diagnosis> {
    let manifest = &entry.manifest;
    let root = raw.join(&entry.id);
    let mut diagnoses = vec![Diagnosis {
        kind: Finding::Missing,
        problem: format!("{}/ not found", root.display()),
        fix: how_to_get(raw, &entry.id, manifest),
    }];
    diagnoses.extend(downloaded_archives(raw, &entry.id, manifest));
    diagnoses.extend(elsewhere_in_raw(registry, raw, entry));
    diagnoses
}

/// The manifest's archives lying in `raw/` or `raw/.downloads/` instead of extracted.
fn downloaded_archives(raw: &Path, id: &str, manifest: &Manifest) -> Vec<Diagnosis> {
    let root = raw.join(id);
    let mut diagnoses = Vec::new();
    for source in &manifest.sources {
        let Some(kind) = ArchiveKind::from_name(&source.file) else { continue };
        let in_downloads = raw.join(".downloads").join(&source.file);
        let in_raw = raw.join(&source.file);
        if in_downloads.is_file() {
            diagnoses.push(Diagnosis {
                kind: Finding::ArchiveNotExtracted,
                problem: format!("{} was downloaded but not extracted", in_downloads.display()),
                fix: format!("run `cameo fetch --raw {} --corpus {id}` to check and extract it", quoted(raw)),
            });
        } else if in_raw.is_file() {
            diagnoses.push(Diagnosis {
                kind: Finding::ArchiveNotExtracted,
                problem: format!("{} is the corpus archive, not extracted", in_raw.display()),
                fix: format!(
                    "extract it: `{}`; or move it into {}/ and run `cameo fetch --raw {} --corpus {id}`, which checks and extracts it",
                    kind.extract_command(&in_raw.display().to_string(), &root.display().to_string()),
                    raw.join(".downloads").display(),
                    quoted(raw)
                ),
            });
        }
    }
    diagnoses
}

/// The corpus found by its adapter elsewhere under `raw/`: in a folder with another name, or
/// extracted straight into `raw/` (one level too shallow). Folders of other corpora and
/// `raw/.downloads/` are not counted.
fn elsewhere_in_raw(registry: &Registry, raw: &Path, entry: &CorpusEntry) -> Option<Diagnosis> {
    let manifest = &entry.manifest;
    let scan = entry.adapter.scan(raw, manifest).ok()?;
    let root = raw.join(&entry.id);
    let mut tops = BTreeSet::new();
    let mut count = 0;
    for item in &scan.items {
        let top = item.location.file().split('/').next().unwrap_or_default();
        if top.starts_with('.') || registry.find(top).is_some() {
            continue;
        }
        tops.insert(top.to_string());
        count += 1;
    }
    let only_folder = match tops.iter().collect::<Vec<_>>().as_slice() {
        [top] if raw.join(top).is_dir() => Some(raw.join(top)),
        _ => None,
    };
    if let Some(folder) = only_folder {
        let rename = format!("mv {} {}", quoted(&folder), quoted(&root));
        let fix = if root.is_dir() { format!("rmdir {} && {rename}", quoted(&root)) } else { rename };
        return Some(Diagnosis {
            kind: Finding::TooShallow,
            problem: format!(
                "{count} {} items lie in {}/ instead of {}/",
                manifest.name,
                folder.display(),
                root.display()
            ),
            fix: format!("rename the folder: `{fix}`"),
        });
    }
    let named: Vec<String> = tops.iter().take(MAX_NAMED).map(|top| quoted(&raw.join(top))).collect();
    let fix = if tops.len() <= MAX_NAMED {
        format!("`mkdir -p {root} && mv {} {root}/`", named.join(" "), root = quoted(&root))
    } else {
        format!(
            "move {} and the {} other entries holding items into {}/",
            named.join(", "),
            tops.len() - MAX_NAMED,
            root.display()
        )
    };
    (count > 0).then(|| Diagnosis {
        kind: Finding::TooShallow,
        problem: format!(
            "{count} {} items lie directly in {}/ (one level too shallow), in {}",
            manifest.name,
            raw.display(),
            tops.iter().take(MAX_NAMED).cloned().collect::<Vec<_>>().join(", ")
        ),
        fix: format!("move them into their corpus folder: {fix}"),
    })
}

/// What explains a corpus folder without usable items: an archive in it, the tree wrapped in
/// extra folders, or the corpus lying elsewhere under `raw/`.
pub fn layout_when_empty(registry: &Registry, raw: &Path, entry: &CorpusEntry) -> Vec<Diagnosis> {
    let root = raw.join(&entry.id);
    let mut diagnoses = archives_in(&root);
    diagnoses.extend(too_deep(&root, entry));
    if diagnoses.is_empty() {
        diagnoses.extend(elsewhere_in_raw(registry, raw, entry));
    }
    diagnoses
}

/// Archives at the top of the corpus folder, where the extracted tree should be.
fn archives_in(root: &Path) -> Vec<Diagnosis> {
    let Ok(entries) = std::fs::read_dir(root) else { return Vec::new() };
    let mut archives: Vec<(String, ArchiveKind)> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_file())
        .filter_map(|entry| {
            let name = entry.file_name().to_str()?.to_string();
            ArchiveKind::from_name(&name).map(|kind| (name, kind))
        })
        .collect();
    archives.sort_by(|a, b| a.0.cmp(&b.0));
    archives
        .into_iter()
        .map(|(name, kind)| {
            let path = root.join(&name);
            Diagnosis {
                kind: Finding::ArchiveNotExtracted,
                problem: format!("{} is an archive, not the extracted tree", path.display()),
                fix: format!(
                    "extract it in place, then delete the archive: `{}`",
                    kind.extract_command(&path.display().to_string(), &root.display().to_string())
                ),
            }
        })
        .collect()
}

/// The entries of a folder that are not junk, sorted.
fn visible_children(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut children: Vec<_> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_str().is_none_or(|name| junk_reason(name).is_none()))
        .map(|entry| entry.path())
        .collect();
    children.sort();
    children
}

/// The tree wrapped in one to three single folders: the adapter retried on each.
fn too_deep(root: &Path, entry: &CorpusEntry) -> Option<Diagnosis> {
    let manifest = &entry.manifest;
    let mut dir = root.to_path_buf();
    for depth in 1..=MAX_WRAPPER_DEPTH {
        let children = visible_children(&dir);
        let [child] = children.as_slice() else { return None };
        if !child.is_dir() {
            return None;
        }
        dir = child.clone();
        let found = entry.adapter.scan(&dir, manifest).map(|scan| scan.items.len()).unwrap_or(0);
        if found == 0 {
            continue;
        }
        let levels = if depth == 1 { "one level".to_string() } else { format!("{depth} levels") };
        let wrappers: Vec<String> = (0..depth)
            .scan(dir.clone(), |path, _| {
                let current = path.clone();
                path.pop();
                Some(quoted(&current))
            })
            .collect();
        return Some(Diagnosis {
            kind: Finding::TooDeep,
            problem: format!("the {} tree sits {levels} too deep: {found} items in {}/", manifest.name, dir.display()),
            fix: format!("move it up: `mv {}/* {}/ && rmdir {}`", quoted(&dir), quoted(root), wrappers.join(" ")),
        });
    }
    None
}
