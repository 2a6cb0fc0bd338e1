//! Progress of the long commands (build, transcription, fetch, eval run) on stderr: an
//! indicatif bar on a terminal, a plain line every few seconds otherwise (logs of batch jobs
//! stay readable), nothing with `--quiet`. Counts are items (`116 files/s`) or bytes
//! (`3.4 MB/s`), rounded for a person to read.
use indicatif::{ProgressBar, ProgressState, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often a plain progress line is printed.
const PLAIN_INTERVAL: Duration = Duration::from_secs(5);

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Things, named by a plural noun ("files", "samples", "requests").
    Items(&'static str),
    Bytes,
}

impl Unit {
    /// An amount, e.g. `12.3 MB` or `120`.
    fn amount(self, count: u64) -> String {
        match self {
            Unit::Items(_) => count.to_string(),
            Unit::Bytes => format!("{:.1} MB", count as f64 / 1e6),
        }
    }

    /// A rate, e.g. `116 files/s`, `0.4 files/s` or `3.4 MB/s`.
    pub fn rate(self, per_second: f64) -> String {
        match self {
            Unit::Items(noun) if per_second >= 10.0 => format!("{per_second:.0} {noun}/s"),
            Unit::Items(noun) => format!("{per_second:.1} {noun}/s"),
            Unit::Bytes => format!("{:.1} MB/s", per_second / 1e6),
        }
    }
}

#[derive(Debug)]
pub struct Progress {
    label: String,
    unit: Unit,
    total: Option<u64>,
    /// Where this run started (a resumed download starts past 0).
    start: u64,
    done: AtomicU64,
    bar: Option<ProgressBar>,
    started: Instant,
    last_line: Mutex<Instant>,
    quiet: bool,
}

impl Progress {
    /// Counts `total` items named `noun` ("files").
    pub fn items(label: &str, total: u64, noun: &'static str, quiet: bool) -> Progress {
        Progress::new(label, Unit::Items(noun), 0, Some(total), quiet)
    }

    /// Counts bytes from `start` (a resumed download) to `total`, when the size is known.
    pub fn bytes(label: &str, start: u64, total: Option<u64>, quiet: bool) -> Progress {
        Progress::new(label, Unit::Bytes, start, total, quiet)
    }

    fn new(label: &str, unit: Unit, start: u64, total: Option<u64>, quiet: bool) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = total.map_or_else(ProgressBar::new_spinner, ProgressBar::new);
            let counts = match unit {
                Unit::Items(_) => "{pos}/{len}",
                Unit::Bytes => "{bytes}/{total_bytes}",
            };
            let template = format!("{{prefix:>15}} [{{bar:40}}] {counts} {{rate}} eta {{eta}}");
            let style = ProgressStyle::with_template(&template)
                .expect("static template")
                .progress_chars("=> ")
                .with_key("rate", move |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = w.write_str(&unit.rate(state.per_sec()));
                });
            bar.set_style(style);
            bar.set_prefix(label.to_string());
            bar.set_position(start);
            bar
        });
        Progress {
            label: label.to_string(),
            unit,
            total,
            start,
            done: AtomicU64::new(start),
            bar,
            started: Instant::now(),
            last_line: Mutex::new(Instant::now()),
            quiet,
        }
    }

    /// One more item.
    pub fn inc(&self) {
        self.add(1);
    }

    /// `count` more items or bytes.
    pub fn add(&self, count: u64) {
        let done = self.done.fetch_add(count, Ordering::Relaxed) + count;
        if let Some(bar) = &self.bar {
            bar.set_position(done);
            return;
        }
        if self.quiet {
            return;
        }
        let mut last = self.last_line.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if last.elapsed() >= PLAIN_INTERVAL {
            *last = Instant::now();
            eprintln!("{}", self.plain_line(done));
        }
    }

    /// The line printed when stderr is not a terminal.
    fn plain_line(&self, done: u64) -> String {
        let seconds = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = self.unit.rate((done - self.start) as f64 / seconds);
        let noun = match self.unit {
            Unit::Items(noun) => format!(" {noun}"),
            Unit::Bytes => String::new(),
        };
        match self.total {
            Some(total) if total > 0 => format!(
                "{}: {} of {}{noun} ({:.0}%, {rate})",
                self.label,
                self.unit.amount(done),
                self.unit.amount(total),
                done as f64 * 100.0 / total as f64
            ),
            _ => format!("{}: {}{noun} ({rate})", self.label, self.unit.amount(done)),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_as_a_person_writes_them() {
        assert_eq!(Unit::Items("files").rate(116.0954), "116 files/s");
        assert_eq!(Unit::Items("files").rate(0.437), "0.4 files/s");
        assert_eq!(Unit::Bytes.rate(3_412_000.0), "3.4 MB/s");
        let progress = Progress::items("ravdess", 1440, "files", true);
        progress.add(120);
        let line = progress.plain_line(120);
        assert!(line.starts_with("ravdess: 120 of 1440 files (8%, "), "{line}");
        assert!(line.ends_with(" files/s)"), "{line}");
    }
}
