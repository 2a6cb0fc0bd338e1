//! SIGINT and SIGTERM for the long commands (build, merge, fetch, eval run): the first signal
//! asks the work to stop at its next safe point (finished samples, downloads and answers are
//! kept, and a rerun resumes); a second one ends the process at once. Short commands do not
//! install this and keep the default (die on the signal).
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

/// The signals handled and the exit status a process stopped by each gives (128 + number).
pub const SIGNALS: [(i32, &str); 2] =
    [(signal_hook::consts::SIGINT, "SIGINT"), (signal_hook::consts::SIGTERM, "SIGTERM")];

struct Flags {
    /// The number of the first signal received, 0 before any.
    signal: Arc<AtomicUsize>,
    received: Arc<AtomicBool>,
}

static FLAGS: OnceLock<Flags> = OnceLock::new();

/// Installs the handlers (once per process).
pub fn install() -> std::io::Result<()> {
    if FLAGS.get().is_some() {
        return Ok(());
    }
    let flags = Flags { signal: Arc::new(AtomicUsize::new(0)), received: Arc::new(AtomicBool::new(false)) };
    for (number, _) in SIGNALS {
        // Registered first, so it sees the flag as it was before this signal: set means second.
        signal_hook::flag::register_conditional_shutdown(number, 128 + number, Arc::clone(&flags.received))?;
        signal_hook::flag::register(number, Arc::clone(&flags.received))?;
        // Keeps the first signal's number (a later one finds it non-zero and changes nothing).
        let signal = Arc::clone(&flags.signal);
        // SAFETY: the action only does an atomic compare-exchange, which is async-signal-safe.
        unsafe {
            signal_hook::low_level::register(number, move || {
                let _ = signal.compare_exchange(0, number as usize, Ordering::SeqCst, Ordering::SeqCst);
            })?;
        }
    }
    let _ = FLAGS.set(flags);
    Ok(())
}

/// The signal that asked the work to stop, if one did: (number, name).
pub fn requested() -> Option<(i32, &'static str)> {
    let number = FLAGS.get()?.signal.load(Ordering::SeqCst) as i32;
    SIGNALS.into_iter().find(|(n, _)| *n == number)
}

/// The error of work stopped by a signal.
#[derive(Debug, thiserror::Error)]
#[error("interrupted by {name}: {kept}; rerun the same command to resume")]
pub struct Interrupted {
    /// The signal's name.
    pub name: &'static str,
    /// The signal's number (the exit status is 128 + it).
    pub number: i32,
    /// What is kept, in words.
    pub kept: String,
}

impl Interrupted {
    /// The error for the signal that was received, if any.
    pub fn check(kept: impl FnOnce() -> String) -> Result<(), Interrupted> {
        match requested() {
            Some((number, name)) => Err(Interrupted { name, number, kept: kept() }),
            None => Ok(()),
        }
    }
}
