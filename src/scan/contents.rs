//! What is wrong inside a corpus folder: Git LFS pointer stubs instead of audio (recognised
//! from the first bytes of files, never decoded), a tree the adapter cannot read or finds no
//! item in, a count far from the manifest's, rejected files.
use super::{Diagnosis, Finding};
use crate::corpora::{Reject, ScanError};
use crate::manifest::Manifest;
use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

/// How a Git LFS pointer file begins.
const LFS_POINTER_START: &[u8] = b"version https://git-lfs";
/// A count off by more than this fraction of the expected one suggests another release.
const FAR_FRACTION: f64 = 0.1;

/// `1 file`, `3 files`.
fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// Relative paths of the files below `root` that are Git LFS pointers (first bytes only).
pub fn lfs_pointer_files(root: &Path) -> BTreeSet<String> {
    let mut stubs = BTreeSet::new();
    for entry in walkdir::WalkDir::new(root).follow_links(true).into_iter().filter_map(Result::ok) {
        if !entry.file_type().is_file() {
            continue;
        }
        let mut start = [0u8; LFS_POINTER_START.len()];
        let is_pointer = std::fs::File::open(entry.path())
            .and_then(|mut file| file.read_exact(&mut start))
            .is_ok_and(|()| start == LFS_POINTER_START);
        if let (true, Ok(relative)) = (is_pointer, entry.path().strip_prefix(root)) {
            stubs.insert(crate::corpora::names::decode_relative(relative).text);
        }
    }
    stubs
}

pub fn lfs_pointers(root: &Path, stubs: &BTreeSet<String>, manifest: &Manifest) -> Diagnosis {
    let example = stubs.iter().next().map(String::as_str).unwrap_or_default();
    Diagnosis {
        kind: Finding::LfsPointers,
        problem: format!(
            "{} instead of real files in {}/ (e.g. {example})",
            count(stubs.len(), "Git LFS pointer stub"),
            root.display()
        ),
        fix: format!(
            "fetch the real files: run `git lfs install && git lfs pull` inside the Git clone (a repository ZIP or a clone without Git LFS holds only pointers){}",
            manifest.sources.iter().find_map(|s| s.manual.as_ref()).map(|m| format!("; the manifest says: {m}")).unwrap_or_default()
        ),
    }
}

pub fn scan_error(error: &ScanError, manifest: &Manifest) -> Diagnosis {
    Diagnosis {
        kind: Finding::ScanError,
        problem: error.to_string(),
        fix: format!(
            "the folder should hold the extracted {} as its sources give it ({})",
            manifest.name,
            source_names(manifest)
        ),
    }
}

pub fn no_items(root: &Path, manifest: &Manifest) -> Diagnosis {
    Diagnosis {
        kind: Finding::NoItems,
        problem: format!("no {} items found in {}/", manifest.name, root.display()),
        fix: format!("the folder should hold the extracted {} ({})", manifest.name, source_names(manifest)),
    }
}

fn source_names(manifest: &Manifest) -> String {
    manifest.sources.iter().map(|s| s.file.as_str()).collect::<Vec<_>>().join(", ")
}

pub fn count_mismatch(found: usize, expected: usize, manifest: &Manifest) -> Diagnosis {
    let difference = found.abs_diff(expected);
    let far = difference as f64 > expected as f64 * FAR_FRACTION;
    let (relation, fix) = if found < expected {
        (
            "fewer",
            if far {
                format!("an incomplete download or extraction, or another release of the corpus: the manifest counts {}; get it again completely", source_names(manifest))
            } else {
                "a few files are missing or unreadable: see the rejects and skipped files (`--json` lists them)"
                    .to_string()
            },
        )
    } else {
        (
            "more",
            if far {
                format!("another (larger) release of the corpus, or extra copies in the folder: the manifest counts {}; remove what does not belong", source_names(manifest))
            } else {
                "a few extra files: look for duplicates or copies in the folder".to_string()
            },
        )
    };
    Diagnosis {
        kind: Finding::CountMismatch,
        problem: format!(
            "found {}, the manifest expects {expected} ({difference} {relation}{})",
            count(found, "item"),
            if far { ", far off" } else { "" }
        ),
        fix,
    }
}

pub fn rejects(rejects: &[Reject]) -> Option<Diagnosis> {
    let first = rejects.first()?;
    Some(Diagnosis {
        kind: Finding::Rejects,
        problem: format!(
            "{} cannot be items, e.g. {}: {}",
            count(rejects.len(), "file"),
            first.source,
            first.reason
        ),
        fix: "a build leaves them out; if they belong to the corpus, check their names against the manifest (`--json` lists them all)".into(),
    })
}
