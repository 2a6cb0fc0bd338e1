//! Atomic file writes: write to a temporary name in the same folder, then rename, so an
//! interrupted build never leaves a half-written output under its final name. (No fsync: the
//! guarantee is against a killed process, and syncing 40,000 small files would dominate a build.)
use std::io::Write;
use std::path::{Path, PathBuf};

/// The temporary name used while `path` is being written.
pub fn temporary_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".partial-{}-{name}", std::process::id()))
}

/// Writes `bytes` to `path` atomically, creating the parent folder.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, |file| file.write_all(bytes))
}

/// Creates `path` atomically from what `fill` writes.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let temporary = temporary_path(path);
    let result = (|| {
        let mut writer = std::io::BufWriter::new(std::fs::File::create(&temporary)?);
        fill(&mut writer)?;
        writer.flush()?;
        drop(writer);
        std::fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result.map_err(|error| std::io::Error::new(error.kind(), format!("{}: {error}", path.display())))
}

/// Whether a file name is a leftover of an interrupted write.
pub fn is_partial(name: &str) -> bool {
    name.starts_with(".partial-")
}
