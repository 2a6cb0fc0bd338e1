//! The state a build keeps per split, `<out>/.cameo/splits/<split>.json`: the split's report
//! and records. Every collection-level output is made from these files, so building one more
//! corpus into an existing folder keeps the others, and `merge` and reruns start from them.
use super::BuildError;
use crate::collection::split::SplitState;
use std::path::{Path, PathBuf};

fn folder(out: &Path) -> PathBuf {
    out.join(".cameo").join("splits")
}

/// Where the state of `split` is kept.
pub fn path(out: &Path, split: &str) -> PathBuf {
    folder(out).join(format!("{split}.json"))
}

/// Writes the state of one split (atomically: a crash leaves the previous state whole).
pub fn save(out: &Path, state: &SplitState) -> Result<(), BuildError> {
    let path = path(out, &state.report.split);
    let text = serde_json::to_vec_pretty(state).expect("a split state serialises");
    crate::fsutil::write_atomic(&path, &text).map_err(BuildError::io(&path))
}

/// Reads the kept state of every split built into `out` so far, in split order.
pub fn load_states(out: &Path) -> Result<Vec<SplitState>, BuildError> {
    let folder = folder(out);
    let mut states = Vec::new();
    let Ok(entries) = std::fs::read_dir(&folder) else { return Ok(states) };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(BuildError::io(&path))?;
        let state: SplitState =
            serde_json::from_str(&text).map_err(|source| BuildError::State { path: path.clone(), source })?;
        states.push(state);
    }
    Ok(states)
}
