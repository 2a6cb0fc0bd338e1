//! Read-ahead of source files: the kernel is asked to read them into the page cache before
//! a scan or a conversion needs them.
//!
//! A rebuild reads its raw tree cold (tens of GB that are not in the page cache), and each
//! conversion thread reads a work unit's file whole before it can hash and decode it: without
//! read-ahead every file is a wait for the disk with the core idle (`scripts/bench`'s tree,
//! cold: 4.4–5.6 s against 3.6–4.3 s warm). [`with_read_ahead`] runs a thread that asks for
//! the files of the units after those starting (`posix_fadvise(WILLNEED)` queues the reads
//! and returns); [`ListReadAhead`] asks for a whole list, several files at a time, while a
//! scan reads them in order (sidecar transcripts: one small file per sample). Only hints: a
//! file that cannot be opened is left to its reader, which reports it; no output depends on
//! them.
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::Arc;

/// Units read ahead of a unit a thread starts. Units start in the order of the list (each
/// conversion task takes the next one, src/build/split.rs), so these are the ones started next.
const UNITS_AHEAD: usize = 16;

/// Bytes of a file asked for at most, so that many threads reading ahead in a corpus of
/// videos do not fill the page cache with files they reach much later. Clips are smaller;
/// the rest of a larger file comes with its reader's first read (the kernel reads a large
/// read's range at once) or, when it is streamed, with the kernel's own read-ahead.
const BYTES_AHEAD: i64 = 4 << 20;

/// Files a list is read ahead with at once: opening a cold file waits for its inode, so one
/// thread would ask for one file at a time; the disk serves several requests at once.
const LIST_READERS: usize = 8;

/// What the conversion threads share: which units' files were asked for, and the way to the
/// read-ahead thread.
#[derive(Debug)]
pub struct ReadAhead {
    requested: Vec<AtomicBool>,
    batches: Sender<Vec<usize>>,
}

impl ReadAhead {
    /// Unit `unit` (an index into the file list given to [`with_read_ahead`]) starts now.
    /// Once fewer than half of the [`UNITS_AHEAD`] units after it were asked for, the ones
    /// not asked for yet go to the read-ahead thread in one batch: a message per unit would
    /// wake that thread, and preempt a conversion, at every file.
    pub fn starting(&self, unit: usize) {
        let end = self.requested.len().min(unit + 1 + UNITS_AHEAD);
        if unit + 1 >= end || self.requested[(unit + UNITS_AHEAD / 2).min(end - 1)].load(Ordering::Relaxed) {
            return;
        }
        // swap: two threads near each other ask for each file once.
        let batch: Vec<usize> =
            (unit + 1..end).filter(|&ahead| !self.requested[ahead].swap(true, Ordering::Relaxed)).collect();
        if !batch.is_empty() {
            // The thread only stops when this value is dropped, so the send cannot fail; a
            // hint lost anyway would cost time, not correctness.
            let _ = self.batches.send(batch);
        }
    }
}

/// Runs `work` while a thread reads ahead in `files` (one per work unit, in unit order) for
/// the units `work` reports as starting; the thread ends with `work`.
pub fn with_read_ahead<R>(files: &[PathBuf], work: impl FnOnce(&ReadAhead) -> R) -> R {
    std::thread::scope(|scope| {
        let (batches, to_request) = channel::<Vec<usize>>();
        // Reading ahead is an optimisation: without its thread (it could not be started), the
        // batches go nowhere and the work runs all the same.
        let _ = std::thread::Builder::new().name("read-ahead".into()).spawn_scoped(scope, move || {
            for batch in to_request {
                batch.into_iter().for_each(|unit| advise_will_need(&files[unit]));
            }
        });
        let read_ahead = ReadAhead { requested: files.iter().map(|_| AtomicBool::new(false)).collect(), batches };
        let result = work(&read_ahead);
        drop(read_ahead);
        result
    })
}

/// [`LIST_READERS`] threads asking for a list of files in order, from `start` until they
/// reach its end or the value is dropped (the list's reader is done: the files were in the
/// cache already, or the reader stopped early).
#[derive(Debug)]
pub struct ListReadAhead {
    done: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl ListReadAhead {
    pub fn start(files: Vec<PathBuf>) -> ListReadAhead {
        let files: Arc<[PathBuf]> = files.into();
        let next = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let threads = (0..LIST_READERS.min(files.len()))
            .filter_map(|_| {
                let (files, next, done) = (files.clone(), next.clone(), done.clone());
                // As above, a thread that cannot be started is only a missed hint.
                let ask = move || {
                    while !done.load(Ordering::Relaxed) {
                        let Some(file) = files.get(next.fetch_add(1, Ordering::Relaxed)) else { break };
                        advise_will_need(file);
                    }
                };
                std::thread::Builder::new().name("read-ahead".into()).spawn(ask).ok()
            })
            .collect();
        ListReadAhead { done, threads }
    }
}

impl Drop for ListReadAhead {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// Asks the kernel to read the start of a file into the page cache, without waiting for it.
#[cfg(target_os = "linux")]
fn advise_will_need(path: &Path) {
    use std::os::fd::AsRawFd;
    if let Ok(file) = std::fs::File::open(path) {
        // SAFETY: a valid open descriptor; the call only reads its arguments.
        unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, BYTES_AHEAD, libc::POSIX_FADV_WILLNEED) };
    }
}

/// Other systems have no such hint here; the conversion reads as before.
#[cfg(not(target_os = "linux"))]
fn advise_will_need(_path: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    /// The batches sent for these starts, in a list of `files` units.
    fn batches_for(files: usize, starts: &[usize]) -> Vec<Vec<usize>> {
        let (batches, sent) = channel();
        let read_ahead = ReadAhead { requested: (0..files).map(|_| AtomicBool::new(false)).collect(), batches };
        starts.iter().for_each(|&unit| read_ahead.starting(unit));
        drop(read_ahead);
        sent.into_iter().collect()
    }

    #[test]
    fn files_are_asked_for_once_in_batches_ahead_of_the_started_units() {
        let ahead = |from: usize, to: usize| (from..=to).collect::<Vec<usize>>();
        assert_eq!(batches_for(100, &[0]), vec![ahead(1, 16)]);
        // Nothing more until fewer than half the window is left, then the rest of the window.
        let one_thread: Vec<usize> = (0..=9).collect();
        assert_eq!(batches_for(100, &one_thread), vec![ahead(1, 16), ahead(17, 25)]);
        // Two threads: one goes on from 0, the other starts at 50 (rayon's first split).
        assert_eq!(batches_for(100, &[0, 50, 1, 51]), vec![ahead(1, 16), ahead(51, 66)]);
        // The window stops at the last file; starts at or past it ask for nothing.
        assert_eq!(batches_for(3, &[0, 2, 7]), vec![ahead(1, 2)]);
        assert_eq!(batches_for(0, &[0]), Vec::<Vec<usize>>::new());
        assert_eq!(batches_for(1, &[0]), Vec::<Vec<usize>>::new());
    }

    #[test]
    fn work_runs_and_returns_with_missing_files_and_without_starts() {
        let files = vec![PathBuf::from("/nonexistent/cameo/read-ahead"), PathBuf::from("")];
        assert_eq!(with_read_ahead(&files, |_| 7), 7);
        let result = with_read_ahead(&files, |read_ahead| {
            (0..5).for_each(|unit| read_ahead.starting(unit));
            "done"
        });
        assert_eq!(result, "done");
        assert_eq!(with_read_ahead(&[], |_| ()), ());
        drop(ListReadAhead::start(files));
        drop(ListReadAhead::start(Vec::new()));
    }

    /// Whether every page of the file's first `len` bytes is in the page cache (mincore).
    #[cfg(target_os = "linux")]
    fn resident(path: &Path, len: usize) -> bool {
        use std::os::fd::AsRawFd;
        let file = std::fs::File::open(path).unwrap();
        let page = 4096;
        let mut vector = vec![0u8; len.div_ceil(page)];
        // SAFETY: a read-only mapping of an open file, unmapped before returning;
        // mincore writes one byte per page into a vector of that many bytes.
        unsafe {
            let map = libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_SHARED, file.as_raw_fd(), 0);
            assert_ne!(map, libc::MAP_FAILED);
            assert_eq!(libc::mincore(map, len, vector.as_mut_ptr()), 0);
            libc::munmap(map, len);
        }
        vector.iter().all(|&page| page & 1 == 1)
    }

    /// Waits up to 20 s for the file to be in the page cache.
    #[cfg(target_os = "linux")]
    fn comes_into_the_cache(path: &Path, len: usize) -> bool {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !resident(path, len) {
            if std::time::Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        true
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn files_read_ahead_come_into_the_page_cache() {
        use std::os::fd::AsRawFd;
        let dir = tempfile::tempdir().unwrap();
        let len = 4 << 20;
        let paths: Vec<PathBuf> = (0..3).map(|i| dir.path().join(format!("{i}.wav"))).collect();
        for path in &paths {
            std::fs::write(path, vec![7u8; len]).unwrap();
            let file = std::fs::File::open(path).unwrap();
            // Written back, then dropped from the cache (clean pages go at once), unless the
            // file system keeps files in memory only (tmpfs): then nothing is read ahead.
            file.sync_all().unwrap();
            unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
            if resident(path, len) {
                eprintln!("skipped: {} keeps files in memory", dir.path().display());
                return;
            }
        }
        // A list: read ahead while the work runs (here: waits for it).
        let list = ListReadAhead::start(paths[..1].to_vec());
        assert!(comes_into_the_cache(&paths[0], len), "the listed file was not read into the page cache");
        drop(list);
        // Units: starting unit 0 asks for unit 1's file, not its own.
        let read = with_read_ahead(&paths[1..], |read_ahead| {
            read_ahead.starting(0);
            comes_into_the_cache(&paths[2], len)
        });
        assert!(read, "unit 1's file was not read into the page cache");
        assert!(!resident(&paths[1], len), "unit 0's file was read ahead");
    }
}
