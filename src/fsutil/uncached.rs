//! Output files written past the page cache (`O_DIRECT`), for large outputs nothing in a build
//! reads again: parquet shards. A buffered write copies every byte into pages of the page
//! cache that the kernel must first find and clear; on the VMs builds run on, those first
//! touches of memory grow several times dearer after other programs have freed theirs
//! (docs/throughput.md, ninth and tenth steps). Written directly, the bytes go from one
//! reused buffer to the disk. Where the file system refuses `O_DIRECT` (tmpfs), or off
//! Linux, the file is written as any other.
use std::fs::File;
use std::io::Write;
use std::path::Path;

/// Direct writes must start at, and be whole multiples of, the device's logical block: 4 KiB
/// covers the 512-byte and 4 KiB blocks of real devices.
const BLOCK: usize = 4096;

/// The bytes gathered before each direct write.
const CHUNK: usize = 1 << 20;

/// A file being written, directly where it can be (see the module comment).
#[derive(Debug)]
pub struct OutputFile {
    file: File,
    direct: Option<Gathered>,
}

/// Bytes waiting for a direct write, in a buffer whose start is block-aligned.
#[derive(Debug)]
struct Gathered {
    memory: Vec<u8>,
    start: usize,
    len: usize,
}

impl Gathered {
    fn new() -> Self {
        let memory = vec![0u8; CHUNK + BLOCK];
        let start = memory.as_ptr().align_offset(BLOCK);
        Gathered { memory, start, len: 0 }
    }

    fn bytes(&self) -> &[u8] {
        &self.memory[self.start..self.start + self.len]
    }
}

impl OutputFile {
    /// Creates (or truncates) `path`; `direct` asks for writes past the page cache.
    pub fn create(path: &Path, direct: bool) -> std::io::Result<Self> {
        if direct {
            if let Some(file) = open_direct(path)? {
                return Ok(OutputFile { file, direct: Some(Gathered::new()) });
            }
        }
        Ok(OutputFile { file: File::create(path)?, direct: None })
    }

    /// Writes out what is still gathered (the last partial block through the page cache) and
    /// gives the file back.
    pub fn finish(mut self) -> std::io::Result<File> {
        self.write_blocks()?;
        self.write_through()?;
        Ok(self.file)
    }

    /// Writes the whole blocks gathered, keeping the rest. A file system that takes the
    /// flag at open but refuses the first direct write gets every byte through the page cache.
    fn write_blocks(&mut self) -> std::io::Result<()> {
        let Some(gathered) = &mut self.direct else { return Ok(()) };
        let whole = gathered.len / BLOCK * BLOCK;
        match (&self.file).write_all(&gathered.bytes()[..whole]) {
            Ok(()) => {
                let (start, len) = (gathered.start, gathered.len);
                gathered.memory.copy_within(start + whole..start + len, start);
                gathered.len -= whole;
                Ok(())
            }
            Err(error) if error.raw_os_error() == Some(libc::EINVAL) && self.file.metadata()?.len() == 0 => {
                self.write_through()
            }
            Err(error) => Err(error),
        }
    }

    /// Ends direct writes: what is gathered, and all that follows, goes through the page cache.
    fn write_through(&mut self) -> std::io::Result<()> {
        let Some(gathered) = self.direct.take() else { return Ok(()) };
        set_direct(&self.file, false)?;
        self.file.write_all(gathered.bytes())
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let Some(gathered) = &mut self.direct else { return self.file.write(buf) };
        let taken = buf.len().min(CHUNK - gathered.len);
        let at = gathered.start + gathered.len;
        gathered.memory[at..at + taken].copy_from_slice(&buf[..taken]);
        gathered.len += taken;
        if gathered.len == CHUNK {
            self.write_blocks()?;
        }
        Ok(taken)
    }

    /// Gathered bytes wait for a whole chunk or [`OutputFile::finish`].
    fn flush(&mut self) -> std::io::Result<()> {
        match self.direct {
            Some(_) => Ok(()),
            None => self.file.flush(),
        }
    }
}

/// `path` created for direct writes, or None where the file system does not allow them.
#[cfg(target_os = "linux")]
fn open_direct(path: &Path) -> std::io::Result<Option<File>> {
    use std::os::unix::fs::OpenOptionsExt;
    let opened =
        std::fs::OpenOptions::new().write(true).create(true).truncate(true).custom_flags(libc::O_DIRECT).open(path);
    match opened {
        Ok(file) => Ok(Some(file)),
        Err(error) if error.raw_os_error() == Some(libc::EINVAL) => Ok(None),
        Err(error) => Err(error),
    }
}

#[cfg(not(target_os = "linux"))]
fn open_direct(_path: &Path) -> std::io::Result<Option<File>> {
    Ok(None)
}

/// Turns direct writes on or off for an open file.
#[cfg(target_os = "linux")]
fn set_direct(file: &File, on: bool) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: F_GETFL and F_SETFL only read and set the status flags of a descriptor that
    // `file` owns and keeps open for the duration of the calls.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return Err(std::io::Error::last_os_error());
    }
    let flags = if on { flags | libc::O_DIRECT } else { flags & !libc::O_DIRECT };
    // SAFETY: as above.
    if unsafe { libc::fcntl(fd, libc::F_SETFL, flags) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn set_direct(_file: &File, _on: bool) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::StagedWrites;
    use std::io::Write;

    /// Stages and commits files of many sizes (around the block and the chunk, empty, in
    /// writes of odd sizes) in `folder`; each must read back as written, with its hash.
    /// (Where the file system takes direct writes, as ext4 and, since Linux 6.6, tmpfs do;
    /// the fallback for one that refuses them is the ordinary buffered path.)
    fn round_trip_in(folder: &std::path::Path) {
        use sha2::Digest;
        let mut random = fastrand::Rng::with_seed(4096);
        let sizes = [0, 1, 4095, 4096, 4097, super::CHUNK - 1, super::CHUNK, super::CHUNK + 1, 3 * super::CHUNK + 17];
        for size in sizes {
            let bytes: Vec<u8> = (0..size).map(|_| random.u8(..)).collect();
            let path = folder.join(format!("{size}.bin"));
            let mut staged = StagedWrites::default();
            staged
                .write_uncached_with(&path, |file| {
                    for piece in bytes.chunks(7919) {
                        file.write_all(piece)?;
                    }
                    Ok(())
                })
                .unwrap();
            let (_, sha256) = staged.sha256().next().unwrap();
            assert_eq!(sha256, hex::encode(sha2::Sha256::digest(&bytes)), "{size} bytes");
            assert_eq!(staged.staged().next().unwrap().1, size as u64);
            staged.commit().unwrap();
            assert!(std::fs::read(&path).unwrap() == bytes, "{size} bytes read back");
        }
    }

    #[test]
    fn files_written_past_the_page_cache_read_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        round_trip_in(dir.path());
    }

    #[test]
    fn a_direct_file_leaves_no_written_block_in_the_page_cache() {
        // Checked where direct writes are taken: 1 MiB written, then mapped; mincore says
        // which pages are resident (the page cache, for a file mapping).
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shard");
        let Some(mut file) = super::open_direct(&path)
            .unwrap()
            .map(|file| super::OutputFile { file, direct: Some(super::Gathered::new()) })
        else {
            eprintln!("this file system refuses direct writes: nothing to check");
            return;
        };
        file.write_all(&vec![7u8; super::CHUNK]).unwrap();
        file.finish().unwrap();
        assert_eq!(resident_pages(&path), 0, "blocks written directly sit in the page cache");
        assert_eq!(std::fs::read(&path).unwrap(), vec![7u8; super::CHUNK]);
    }

    /// How many pages of the file at `path` are in the page cache.
    fn resident_pages(path: &std::path::Path) -> usize {
        use std::os::fd::AsRawFd;
        let file = std::fs::File::open(path).unwrap();
        let length = file.metadata().unwrap().len() as usize;
        let page = 4096;
        // SAFETY: a private read-only mapping of an open file, unmapped below; mincore
        // writes one byte per page into a vector of that many.
        unsafe {
            let address =
                libc::mmap(std::ptr::null_mut(), length, libc::PROT_READ, libc::MAP_PRIVATE, file.as_raw_fd(), 0);
            assert_ne!(address, libc::MAP_FAILED);
            let mut resident = vec![0u8; length.div_ceil(page)];
            assert_eq!(libc::mincore(address, length, resident.as_mut_ptr()), 0);
            libc::munmap(address, length);
            resident.iter().filter(|&&flags| flags & 1 == 1).count()
        }
    }
}
