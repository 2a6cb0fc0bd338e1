//! Atomic file writes: write to a temporary name in the same folder, then rename, so an
//! interrupted build never leaves a half-written output under its final name. (No fsync: the
//! guarantee is against a killed process, and syncing 40,000 small files would dominate a build.)
mod uncached;

use std::io::Write;
use std::path::{Path, PathBuf};
pub use uncached::OutputFile;

/// The temporary name used while `path` is being written.
pub fn temporary_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".partial-{}-{name}", std::process::id()))
}

/// Writes `bytes` to `path` atomically, creating the parent folder.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, |file| file.write_all(bytes))
}

/// Creates `path` atomically from what `fill` writes: a set of one staged write.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut StagedFile) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut staged = StagedWrites::default();
    staged.write_with(path, fill)?;
    staged.commit()
}

/// The hex SHA-256 of a file's bytes, and its size, read in 64 KiB blocks.
pub fn sha256_file(path: &Path) -> std::io::Result<(String, u64)> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        total += read as u64;
    }
    Ok((hex::encode(hasher.finalize()), total))
}

/// Whether a file name is a leftover of an interrupted write.
pub fn is_partial(name: &str) -> bool {
    name.starts_with(".partial-")
}

/// A file being staged: buffered, and hashed on its way to the disk.
pub type StagedFile = std::io::BufWriter<HashingWriter<OutputFile>>;

/// A writer that passes every byte on to `inner` and a copy to a hashing thread: no one reads
/// a staged file back to list it in SHA256SUMS, and the writer pays only for the copy.
#[derive(Debug)]
pub struct HashingWriter<W> {
    inner: W,
    chunks: std::sync::mpsc::SyncSender<Vec<u8>>,
}

/// The most bytes one write passes on (and copies for the hasher). A shard's page arrives as
/// one write, as large as the longest FLAC file in it; a copy above 32 MiB would be fresh
/// pages from the kernel every time (glibc maps those on their own, src/allocator.rs), each
/// faulted in and cleared, while copies of 1 MiB reuse the heap's memory.
const HASH_CHUNK: usize = 1 << 20;

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let buf = &buf[..buf.len().min(HASH_CHUNK)];
        let written = self.inner.write(buf)?;
        self.chunks
            .send(buf[..written].to_vec())
            .map_err(|_| std::io::Error::other("the thread hashing this file stopped"))?;
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes that become visible together: each file is written under a temporary name next to
/// its final one, and only [`StagedWrites::commit`] renames them all into place (and removes
/// files the new outputs replace). A failure while writing (a full disk) therefore leaves
/// every earlier output as it was; dropping an uncommitted set deletes its temporary files.
#[derive(Debug, Default)]
pub struct StagedWrites {
    files: Vec<Staged>,
    removals: Vec<PathBuf>,
}

/// One staged file: where it is written, where it goes, and what it holds.
#[derive(Debug)]
struct Staged {
    temporary: PathBuf,
    path: PathBuf,
    bytes: u64,
    sha256: String,
}

impl StagedWrites {
    /// Stages `path` with what `fill` writes.
    pub fn write_with(
        &mut self,
        path: &Path,
        fill: impl FnOnce(&mut StagedFile) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        self.stage(path, false, fill)
    }

    /// Stages `path` with what `fill` writes, past the page cache where the file system allows
    /// it (uncached.rs): for large files nothing in the build reads again.
    pub fn write_uncached_with(
        &mut self,
        path: &Path,
        fill: impl FnOnce(&mut StagedFile) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        self.stage(path, true, fill)
    }

    fn stage(
        &mut self,
        path: &Path,
        direct: bool,
        fill: impl FnOnce(&mut StagedFile) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let temporary = temporary_path(path);
        let result = std::thread::scope(|scope| -> std::io::Result<(u64, String)> {
            let (chunks, received) = std::sync::mpsc::sync_channel::<Vec<u8>>(16);
            let hasher = scope.spawn(move || {
                let mut hasher = sha2::Sha256::default();
                for chunk in received {
                    sha2::Digest::update(&mut hasher, &chunk);
                }
                hex::encode(sha2::Digest::finalize(hasher))
            });
            // The sender goes with the writer: dropped on every way out, which ends the hasher.
            let written = (|| {
                let file = OutputFile::create(&temporary, direct)?;
                let mut writer = std::io::BufWriter::new(HashingWriter { inner: file, chunks });
                fill(&mut writer)?;
                writer.flush()?;
                let HashingWriter { inner: file, .. } = writer.into_inner().map_err(|error| error.into_error())?;
                file.finish()?.metadata().map(|metadata| metadata.len())
            })();
            let sha256 = hasher.join().map_err(|_| std::io::Error::other("the thread hashing this file panicked"))?;
            Ok((written?, sha256))
        });
        match result {
            Ok((bytes, sha256)) => {
                self.files.push(Staged { temporary, path: path.to_path_buf(), bytes, sha256 });
                Ok(())
            }
            Err(error) => {
                let _ = std::fs::remove_file(&temporary);
                Err(std::io::Error::new(error.kind(), format!("{}: {error}", path.display())))
            }
        }
    }

    /// Stages `path` with `bytes`.
    pub fn write(&mut self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        self.write_with(path, |file| file.write_all(bytes))
    }

    /// Takes over another set's staged files and removals (written in parallel, committed
    /// with this set).
    pub fn absorb(&mut self, mut other: StagedWrites) {
        self.files.append(&mut other.files);
        self.removals.append(&mut other.removals);
    }

    /// Removes `path` at commit time (an output the staged ones replace).
    pub fn remove_on_commit(&mut self, path: PathBuf) {
        self.removals.push(path);
    }

    /// The staged files: (final path, size in bytes).
    pub fn staged(&self) -> impl Iterator<Item = (&Path, u64)> {
        self.files.iter().map(|staged| (staged.path.as_path(), staged.bytes))
    }

    /// The staged files' SHA-256 (hex), taken as they were written: (final path, hash).
    pub fn sha256(&self) -> impl Iterator<Item = (&Path, &str)> {
        self.files.iter().map(|staged| (staged.path.as_path(), staged.sha256.as_str()))
    }

    /// The files the commit removes.
    pub fn removals(&self) -> impl Iterator<Item = &Path> {
        self.removals.iter().map(PathBuf::as_path)
    }

    /// Moves every staged file into place, then removes the replaced ones.
    pub fn commit(mut self) -> std::io::Result<()> {
        let mut files = std::mem::take(&mut self.files).into_iter();
        while let Some(Staged { temporary, path, .. }) = files.next() {
            if let Err(error) = std::fs::rename(&temporary, &path) {
                let _ = std::fs::remove_file(temporary);
                for left in files {
                    let _ = std::fs::remove_file(left.temporary);
                }
                return Err(std::io::Error::new(error.kind(), format!("{}: {error}", path.display())));
            }
        }
        for path in std::mem::take(&mut self.removals) {
            match std::fs::remove_file(&path) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                    return Err(std::io::Error::new(error.kind(), format!("{}: {error}", path.display())))
                }
                _ => {}
            }
        }
        Ok(())
    }
}

impl Drop for StagedWrites {
    fn drop(&mut self) {
        for staged in &self.files {
            let _ = std::fs::remove_file(&staged.temporary);
        }
    }
}
