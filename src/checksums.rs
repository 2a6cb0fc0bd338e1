//! `SHA256SUMS`: the SHA-256 of every output file whose bytes a build fixes (the FLAC tree,
//! parquet shards, metadata.jsonl, the card, LICENSES/), in the format `sha256sum -c` reads,
//! so `cameo verify` (or coreutils alone) finds any changed byte, including bytes no decoder
//! looks at (FLAC metadata blocks, parquet statistics). build.json records run times and is
//! left out, which keeps the list itself identical across builds.
use crate::fsutil::{is_partial, sha256_file, StagedWrites};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "SHA256SUMS";

/// The folders and files of a build that the list covers.
const COVERED_FOLDERS: [&str; 3] = ["audio", "data", "LICENSES"];
const COVERED_FILES: [&str; 2] = ["metadata.jsonl", "README.md"];

/// The covered files on disk, by `/`-separated path relative to `out`.
fn covered_on_disk(out: &Path) -> std::io::Result<BTreeSet<String>> {
    let mut found = BTreeSet::new();
    for name in COVERED_FILES {
        if out.join(name).is_file() {
            found.insert(name.to_string());
        }
    }
    for folder in COVERED_FOLDERS {
        let root = out.join(folder);
        if !root.is_dir() {
            continue;
        }
        for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
            let entry = entry.map_err(std::io::Error::other)?;
            let name = entry.file_name().to_string_lossy();
            if entry.file_type().is_file() && !is_partial(&name) {
                found.insert(relative(out, entry.path()));
            }
        }
    }
    Ok(found)
}

fn relative(out: &Path, path: &Path) -> String {
    let inner = path.strip_prefix(out).unwrap_or(path);
    inner.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// The list for the outputs as they will be once `staged` is committed: a staged file's hash
/// was taken as it was written, files it removes are left out, a file whose SHA-256 is in
/// `known` (by relative path: the FLAC files, hashed as they were written) is not read, and
/// the other files on disk are read and hashed.
pub fn render(out: &Path, staged: &StagedWrites, known: &BTreeMap<String, String>) -> std::io::Result<String> {
    let mut read_from: BTreeMap<String, PathBuf> =
        covered_on_disk(out)?.into_iter().map(|name| (name.clone(), out.join(name))).collect();
    for removed in staged.removals() {
        read_from.remove(&relative(out, removed));
    }
    let mut hashes: BTreeMap<String, String> = BTreeMap::new();
    for (path, sha256) in staged.sha256() {
        let name = relative(out, path);
        read_from.remove(&name);
        let top = name.split('/').next().unwrap_or_default();
        if COVERED_FILES.contains(&name.as_str()) || COVERED_FOLDERS.contains(&top) {
            hashes.insert(name, sha256.to_string());
        }
    }
    for (name, sha) in known {
        if read_from.remove(name).is_some() {
            hashes.insert(name.clone(), sha.clone());
        }
    }
    let read: Vec<std::io::Result<(String, String)>> = read_from
        .into_par_iter()
        .map(|(name, path)| {
            let (sha, _) = sha256_file(&path)
                .map_err(|error| std::io::Error::new(error.kind(), format!("{}: {error}", path.display())))?;
            Ok((name, sha))
        })
        .collect();
    for entry in read {
        let (name, sha) = entry?;
        hashes.insert(name, sha);
    }
    Ok(hashes.into_iter().map(|(name, sha)| format!("{sha}  {name}\n")).collect())
}

/// Checks every file against the list and that no covered file is missing from it; the
/// error names the first file that differs. Returns how many files were checked.
pub fn check(out: &Path) -> Result<usize, (PathBuf, String)> {
    let list_path = out.join(FILE_NAME);
    let text = std::fs::read_to_string(&list_path).map_err(|error| {
        (list_path.clone(), format!("cannot read ({error}); builds since cameo 0.1 write it: rebuild"))
    })?;
    let mut listed = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let parsed = line.split_once("  ").filter(|(sha, name)| {
            sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()) && !name.contains("..")
        });
        let Some((sha, name)) = parsed else {
            return Err((list_path, format!("line {}: not '<sha256>  <path>'", number + 1)));
        };
        listed.insert(name.to_string(), sha.to_string());
    }
    let on_disk = covered_on_disk(out).map_err(|error| (out.to_path_buf(), error.to_string()))?;
    if let Some(extra) = on_disk.iter().find(|name| !listed.contains_key(*name)) {
        return Err((out.join(extra), format!("file is not listed in {FILE_NAME}")));
    }
    let failures: Vec<(PathBuf, String)> = listed
        .par_iter()
        .filter_map(|(name, expected)| {
            let path = out.join(name);
            match sha256_file(&path) {
                Err(error) => Some((path, format!("cannot read: {error}"))),
                Ok((sha, _)) if &sha != expected => {
                    Some((path, format!("SHA-256 is {sha}, {FILE_NAME} says {expected}: the file changed")))
                }
                Ok(_) => None,
            }
        })
        .collect();
    match failures.into_iter().next() {
        Some(failure) => Err(failure),
        None => Ok(listed.len()),
    }
}
