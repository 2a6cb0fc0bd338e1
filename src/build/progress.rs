//! Progress reporting: an indicatif bar on a terminal, plain periodic lines otherwise (logs of
//! batch jobs stay readable).
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often a plain progress line is printed.
const PLAIN_INTERVAL: Duration = Duration::from_secs(5);

pub struct Progress {
    label: String,
    total: u64,
    done: AtomicU64,
    bar: Option<ProgressBar>,
    last_line: Mutex<Instant>,
    quiet: bool,
}

impl Progress {
    /// A bar when stderr is a terminal, else plain lines; `quiet` prints nothing.
    pub fn new(label: &str, total: u64, quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template("{prefix:>15} [{bar:40}] {pos}/{len} {per_sec} eta {eta}")
                    .expect("static template")
                    .progress_chars("=> "),
            );
            bar.set_prefix(label.to_string());
            bar
        });
        Progress {
            label: label.to_string(),
            total,
            done: AtomicU64::new(0),
            bar,
            last_line: Mutex::new(Instant::now()),
            quiet,
        }
    }

    pub fn inc(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(bar) = &self.bar {
            bar.inc(1);
        } else if !self.quiet {
            let mut last = self.last_line.lock().expect("progress lock");
            if last.elapsed() >= PLAIN_INTERVAL {
                *last = Instant::now();
                eprintln!("{}: {done}/{} items", self.label, self.total);
            }
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
