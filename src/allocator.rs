//! The process's allocator settings. glibc gives every allocation above its mmap threshold
//! (128 KiB at first, raised up to 32 MiB as such blocks are freed) fresh pages from the
//! kernel, and returns freed memory at the top of its heap past a trim threshold: a build
//! allocates and frees buffers of a few hundred KiB to a few MiB per file (source bytes,
//! FLAC bytes, the parquet writer's pages), so each came as new pages, every page faulted
//! in and cleared by the kernel. Both thresholds set high keep those buffers in the heap for
//! reuse: page faults `bench` ~145,000 → 92,000–130,000, `short` 39,600 → 36,500, about 4 %
//! of CPU time (docs/throughput.md). Peak RSS grows by up to the trim threshold.
//!
//! glibc also gives threads arenas of their own (up to eight per core), each keeping what its
//! threads freed: memory a converting worker gave back did not serve the thread writing a
//! split's shards, nor the reverse, and an arena's extra heap (64 MiB) that empties is
//! unmapped whatever the trim threshold. As many arenas as cores share that memory: on `bench`
//! (2 cores, tmpfs, three alternating runs) page faults 88,600–99,600 → 52,400–68,300, peak
//! RSS 326–370 → 199–231 MiB, system time 0.68–0.89 → 0.63–0.69 s, wall 3.31–3.39 →
//! 3.25–3.27 s; `short` unchanged (docs/throughput.md, ninth step).

/// Allocations up to this size come from the heap (glibc's own cap for its dynamic threshold).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 32 << 20;

/// Free memory at the top of the heap is returned to the kernel past this size.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: libc::c_int = 64 << 20;

/// The most arenas: one per core (at least two, so that the main thread has its own), where
/// glibc allows eight per core.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn arena_max() -> libc::c_int {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    libc::c_int::try_from(cores.max(2)).unwrap_or(libc::c_int::MAX)
}

/// Sets the thresholds and the arena count (glibc only; other C libraries keep their own
/// behaviour). Called once, first thing in `main`, before other threads allocate.
pub fn keep_freed_memory_for_reuse() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; called before any other thread runs.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
        libc::mallopt(libc::M_ARENA_MAX, arena_max());
    }
}
