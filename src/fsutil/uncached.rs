//! Output files written past the page cache (`O_DIRECT`), for large outputs nothing in a build
//! reads again: parquet shards. A buffered write copies every byte into pages of the page
//! cache that the kernel must first find and clear; on the VMs builds run on, those first
//! touches of memory grow several times dearer after other programs have freed theirs
//! (docs/throughput.md, ninth and tenth steps). Written directly, the bytes go from a few
//! reused buffers to the disk. A direct write returns only once the device has the bytes
//! (about 0.9 ms per MiB here), so a thread of the file's own does the writing while the
//! writer fills the next buffer. Where the file system refuses `O_DIRECT` (tmpfs before Linux
//! 6.6), or off Linux, the file is written as any other.
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::thread::JoinHandle;

/// Direct writes must start at, and be whole multiples of, the device's logical block: 4 KiB
/// covers the 512-byte and 4 KiB blocks of real devices.
const BLOCK: usize = 4096;

/// The bytes gathered before each direct write.
const CHUNK: usize = 1 << 20;

/// Buffers of a file: one being filled, the others on their way to the disk.
const BUFFERS: usize = 3;

/// A file being written, directly where it can be (see the module comment).
#[derive(Debug)]
pub struct OutputFile(Target);

/// How an [`OutputFile`] is written.
#[derive(Debug)]
enum Target {
    /// Through the page cache, as any file.
    Buffered(File),
    /// Past it, by a disk thread of its own.
    Direct(DirectWrites),
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

/// The writer's side of a direct file: the buffer being filled, and the disk thread that
/// takes full ones (with whether it is the last) and hands them back empty.
#[derive(Debug)]
struct DirectWrites {
    gathered: Gathered,
    to_disk: Option<SyncSender<(Gathered, bool)>>,
    emptied: Receiver<Gathered>,
    made: usize,
    disk: Option<JoinHandle<std::io::Result<File>>>,
}

impl DirectWrites {
    fn start(file: File) -> std::io::Result<Self> {
        let (to_disk, chunks) = sync_channel(BUFFERS);
        let (give_back, emptied) = channel();
        let disk = std::thread::Builder::new()
            .name("direct-writes".into())
            .spawn(move || write_chunks(file, chunks, give_back))?;
        Ok(DirectWrites { gathered: Gathered::new(), to_disk: Some(to_disk), emptied, made: 1, disk: Some(disk) })
    }

    /// Sends the gathered bytes to the disk thread and takes an empty buffer.
    fn hand_over(&mut self, last: bool) -> std::io::Result<()> {
        let next = if last {
            Gathered { memory: Vec::new(), start: 0, len: 0 }
        } else if let Ok(empty) = self.emptied.try_recv() {
            empty
        } else if self.made < BUFFERS {
            self.made += 1;
            Gathered::new()
        } else {
            match self.emptied.recv() {
                Ok(empty) => empty,
                Err(_) => return Err(self.stopped()),
            }
        };
        let full = std::mem::replace(&mut self.gathered, next);
        let Some(to_disk) = &self.to_disk else { return Err(self.stopped()) };
        if to_disk.send((full, last)).is_err() {
            return Err(self.stopped());
        }
        Ok(())
    }

    /// Ends the disk thread and gives back its file, or the error that stopped it.
    fn finish(&mut self) -> std::io::Result<File> {
        drop(self.to_disk.take());
        match self.disk.take().map(JoinHandle::join) {
            Some(Ok(written)) => written,
            Some(Err(_)) => Err(std::io::Error::other("the thread writing this file panicked")),
            None => Err(std::io::Error::other("this file was already finished")),
        }
    }

    /// The error that ended the disk thread early.
    fn stopped(&mut self) -> std::io::Error {
        match self.finish() {
            Err(error) => error,
            Ok(_) => std::io::Error::other("the thread writing this file stopped"),
        }
    }
}

impl Drop for DirectWrites {
    /// A file dropped unfinished (its writer failed) still waits for its disk thread.
    fn drop(&mut self) {
        if self.disk.is_some() {
            let _ = self.finish();
        }
    }
}

/// The disk thread: writes each chunk, directly while it can, and hands the buffer back. The
/// last chunk's partial block goes through the page cache; so does every byte where the file
/// system takes the flag at open but refuses the first direct write.
fn write_chunks(
    mut file: File,
    chunks: Receiver<(Gathered, bool)>,
    give_back: Sender<Gathered>,
) -> std::io::Result<File> {
    let mut direct = true;
    for (mut chunk, last) in chunks {
        let bytes = chunk.bytes();
        let mut through_cache = bytes;
        if direct {
            let whole = bytes.len() / BLOCK * BLOCK;
            match (&file).write_all(&bytes[..whole]) {
                Ok(()) => through_cache = &bytes[whole..],
                Err(error) if error.raw_os_error() == Some(libc::EINVAL) && file.metadata()?.len() == 0 => {}
                Err(error) => return Err(error),
            }
        }
        if !through_cache.is_empty() || last {
            if direct {
                end_direct(&file)?;
                direct = false;
            }
            file.write_all(through_cache)?;
        }
        chunk.len = 0;
        // The writer is gone only when it stopped early; the buffer is simply dropped then.
        let _ = give_back.send(chunk);
    }
    Ok(file)
}

impl OutputFile {
    /// Creates (or truncates) `path`; `direct` asks for writes past the page cache.
    pub fn create(path: &Path, direct: bool) -> std::io::Result<Self> {
        if direct {
            if let Some(file) = open_direct(path)? {
                return OutputFile::direct(file);
            }
        }
        Ok(OutputFile(Target::Buffered(File::create(path)?)))
    }

    /// `file` (opened with `O_DIRECT`) written by a disk thread.
    fn direct(file: File) -> std::io::Result<Self> {
        Ok(OutputFile(Target::Direct(DirectWrites::start(file)?)))
    }

    /// Writes out what is still gathered and gives the file back once all of it is written.
    pub fn finish(self) -> std::io::Result<File> {
        match self.0 {
            Target::Buffered(file) => Ok(file),
            Target::Direct(mut direct) => {
                direct.hand_over(true)?;
                direct.finish()
            }
        }
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let direct = match &mut self.0 {
            Target::Buffered(file) => return file.write(buf),
            Target::Direct(direct) => direct,
        };
        let gathered = &mut direct.gathered;
        let taken = buf.len().min(CHUNK - gathered.len);
        let at = gathered.start + gathered.len;
        gathered.memory[at..at + taken].copy_from_slice(&buf[..taken]);
        gathered.len += taken;
        if gathered.len == CHUNK {
            direct.hand_over(false)?;
        }
        Ok(taken)
    }

    /// Gathered bytes wait for a whole chunk or [`OutputFile::finish`].
    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.0 {
            Target::Buffered(file) => file.flush(),
            Target::Direct(_) => Ok(()),
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

/// Turns direct writes off for an open file: what follows goes through the page cache.
#[cfg(target_os = "linux")]
fn end_direct(file: &File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: F_GETFL and F_SETFL only read and set the status flags of a descriptor that
    // `file` owns and keeps open for the duration of the calls.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: as above.
    if unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_DIRECT) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn end_direct(_file: &File) -> std::io::Result<()> {
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
    fn a_failing_disk_thread_is_an_error_for_the_writer_not_a_hang() {
        // A file its disk thread cannot write (opened for reading): the error reaches the
        // writer at a hand-over or at finish, however many buffers it fills meanwhile.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("read-only");
        std::fs::write(&path, b"").unwrap();
        let mut file = super::OutputFile::direct(std::fs::File::open(&path).unwrap()).unwrap();
        let chunk = vec![1u8; super::CHUNK];
        let written = (0..2 * super::BUFFERS).try_for_each(|_| file.write_all(&chunk));
        let error = written.err().or_else(|| file.finish().err()).expect("writes into a file open for reading");
        assert_eq!(error.raw_os_error(), Some(libc::EBADF), "{error}");
    }

    #[test]
    fn a_direct_file_leaves_no_written_block_in_the_page_cache() {
        // Checked where direct writes are taken: 1 MiB written, then mapped; mincore says
        // which pages are resident (the page cache, for a file mapping).
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shard");
        let Some(mut file) = super::open_direct(&path).unwrap().map(|file| super::OutputFile::direct(file).unwrap())
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
