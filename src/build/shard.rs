//! Spreading one build over many machines. `cameo build --shard I/N` converts only every N-th
//! unit of work of each split (in the split's fixed item order) and leaves FLAC files plus
//! resume-cache entries, nothing else. `cameo merge` gathers the shards' outputs into one folder
//! and runs the ordinary build there, which finds every item in the cache: the result is the
//! same, byte for byte, as one build done in one go, because it *is* that build.
use super::{load_recognizer, prepare, run_build_with, BuildError, BuildOptions, BuildOutcome};
use crate::transcribe::Recognizer;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || format!("'{text}' is not a shard: write I/N with 1 <= I <= N, e.g. 2/8");
        let (index, count) = text.split_once('/').ok_or_else(invalid)?;
        let index: usize = index.trim().parse().map_err(|_| invalid())?;
        let count: usize = count.trim().parse().map_err(|_| invalid())?;
        if index == 0 || index > count {
            return Err(invalid());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Whether this shard converts the `unit`-th unit of work of a split.
    pub fn owns(&self, unit: usize) -> bool {
        unit % self.count == self.index - 1
    }
}

/// The file that marks a folder as one shard's output.
fn marker_path(folder: &Path) -> PathBuf {
    folder.join(".cameo").join("shard.json")
}

pub fn write_marker(folder: &Path, shard: Shard) -> Result<(), BuildError> {
    let path = marker_path(folder);
    let text = serde_json::to_vec_pretty(&shard).expect("plain struct serialises");
    crate::fsutil::write_atomic(&path, &text).map_err(BuildError::io(&path))
}

fn read_marker(folder: &Path) -> Result<Shard, BuildError> {
    let path = marker_path(folder);
    let text = std::fs::read_to_string(&path).map_err(|error| {
        BuildError::Usage(format!("{}: not a shard folder (no .cameo/shard.json: {error})", folder.display()))
    })?;
    serde_json::from_str(&text).map_err(|source| BuildError::State { path, source })
}

/// Checks that the parts are the shards 1..=N of one N, each once.
fn check_complete(parts: &[PathBuf]) -> Result<(), BuildError> {
    let shards = parts.iter().map(|part| read_marker(part)).collect::<Result<Vec<_>, _>>()?;
    let Some(count) = shards.first().map(|shard| shard.count) else {
        return Err(BuildError::Usage("merge: no shard folders given".into()));
    };
    let mut seen = BTreeSet::new();
    for (part, shard) in parts.iter().zip(&shards) {
        if shard.count != count {
            return Err(BuildError::Usage(format!(
                "{}: shard {shard} does not belong to a build in {count} shards",
                part.display()
            )));
        }
        if !seen.insert(shard.index) {
            return Err(BuildError::Usage(format!("{}: shard {shard} given twice", part.display())));
        }
    }
    let missing: Vec<String> = (1..=count).filter(|i| !seen.contains(i)).map(|i| format!("{i}/{count}")).collect();
    if !missing.is_empty() {
        return Err(BuildError::Usage(format!("merge: shard(s) {} missing", missing.join(", "))));
    }
    Ok(())
}

/// Copies every file of `from/<relative>/<split>/` into `to/<relative>/<split>/`. FLAC names
/// are content hashes and cache entries are keyed by their inputs, so a name already present
/// holds the same bytes and is left alone.
fn copy_tree(from: &Path, to: &Path, relative: &str) -> Result<usize, BuildError> {
    let source = from.join(relative);
    if !source.is_dir() {
        return Ok(0);
    }
    let mut copied = 0;
    for split in std::fs::read_dir(&source).map_err(BuildError::io(&source))? {
        let split = split.map_err(BuildError::io(&source))?.path();
        if !split.is_dir() {
            continue;
        }
        let target = to.join(relative).join(split.file_name().unwrap_or_default());
        std::fs::create_dir_all(&target).map_err(BuildError::io(&target))?;
        for file in std::fs::read_dir(&split).map_err(BuildError::io(&split))? {
            let file = file.map_err(BuildError::io(&split))?.path();
            let name = file.file_name().unwrap_or_default();
            // Leftovers of an interrupted conversion are not results.
            if !file.is_file() || name.to_string_lossy().starts_with(".partial-") {
                continue;
            }
            let destination = target.join(name);
            if !destination.exists() {
                std::fs::copy(&file, &destination).map_err(BuildError::io(&file))?;
                copied += 1;
            }
        }
    }
    Ok(copied)
}

/// `cameo merge`: gathers the shards' FLAC files and cache entries (conversion and
/// recognition) into `options.out`, then builds there from the same raw tree (every item is
/// found in the cache, nothing is decoded or recognised again). Everything is checked first,
/// the `--transcribe` model included, so a bad option leaves `options.out` untouched.
pub fn merge(options: &BuildOptions, parts: &[PathBuf]) -> Result<BuildOutcome, BuildError> {
    let recognizer = load_recognizer(options)?;
    merge_with(options, parts, recognizer.as_deref())
}

/// [`merge`] with a given recogniser (None: no transcription stage).
pub fn merge_with(
    options: &BuildOptions,
    parts: &[PathBuf],
    recognizer: Option<&dyn Recognizer>,
) -> Result<BuildOutcome, BuildError> {
    if options.shard.is_some() {
        return Err(BuildError::Usage("merge makes a whole build; do not give --shard".into()));
    }
    check_complete(parts)?;
    // Checked before anything is copied (run_build_with checks again, on the merged folder).
    prepare(&crate::corpora::Registry::load(options.manifests.as_deref())?, options, recognizer)?;
    for part in parts {
        copy_tree(part, &options.out, "audio")?;
        copy_tree(part, &options.out, ".cameo/cache")?;
        copy_tree(part, &options.out, ".cameo/asr")?;
    }
    run_build_with(options, recognizer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_partition_the_units() {
        let shard: Shard = "2/3".parse().unwrap();
        assert_eq!(shard, Shard { index: 2, count: 3 });
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        let shards: Vec<Shard> = (1..=3).map(|index| Shard { index, count: 3 }).collect();
        for unit in 0..100 {
            assert_eq!(shards.iter().filter(|shard| shard.owns(unit)).count(), 1);
        }
    }

    #[test]
    fn merge_needs_every_shard_once() {
        let dir = tempfile::tempdir().unwrap();
        let part = |index: usize, count: usize| {
            let folder = dir.path().join(format!("p{index}-{count}"));
            write_marker(&folder, Shard { index, count }).unwrap();
            folder
        };
        let (one, two, three) = (part(1, 3), part(2, 3), part(3, 3));
        assert!(check_complete(&[one.clone(), two.clone(), three.clone()]).is_ok());
        let error = check_complete(&[one.clone(), three.clone()]).unwrap_err().to_string();
        assert!(error.contains("shard(s) 2/3 missing"), "{error}");
        let error = check_complete(&[one.clone(), one.clone(), two.clone()]).unwrap_err().to_string();
        assert!(error.contains("given twice"), "{error}");
        let error = check_complete(&[one, part(1, 2)]).unwrap_err().to_string();
        assert!(error.contains("does not belong"), "{error}");
        let error = check_complete(&[dir.path().to_path_buf()]).unwrap_err().to_string();
        assert!(error.contains("not a shard folder"), "{error}");
    }
}
