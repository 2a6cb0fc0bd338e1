//! Download progress in bytes: an indicatif bar on a terminal, a plain line every few seconds
//! otherwise (logs of batch jobs stay readable).
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

const PLAIN_INTERVAL: Duration = Duration::from_secs(5);

pub struct ByteProgress {
    label: String,
    total: Option<u64>,
    done: u64,
    bar: Option<ProgressBar>,
    last_line: Instant,
    quiet: bool,
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

impl ByteProgress {
    /// Starts at `done` bytes (a resumed download) of `total`, when the size is known.
    pub fn new(label: &str, done: u64, total: Option<u64>, quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = total.map_or_else(ProgressBar::new_spinner, ProgressBar::new);
            bar.set_style(
                ProgressStyle::with_template("{prefix} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
                    .expect("static template")
                    .progress_chars("=> "),
            );
            bar.set_prefix(label.to_string());
            bar.set_position(done);
            bar
        });
        ByteProgress { label: label.to_string(), total, done, bar, last_line: Instant::now(), quiet }
    }

    pub fn add(&mut self, bytes: u64) {
        self.done += bytes;
        if let Some(bar) = &self.bar {
            bar.set_position(self.done);
        } else if !self.quiet && self.last_line.elapsed() >= PLAIN_INTERVAL {
            self.last_line = Instant::now();
            match self.total {
                Some(total) if total > 0 => eprintln!(
                    "{}: {} of {} ({:.0}%)",
                    self.label,
                    megabytes(self.done),
                    megabytes(total),
                    self.done as f64 * 100.0 / total as f64
                ),
                _ => eprintln!("{}: {}", self.label, megabytes(self.done)),
            }
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
