//! Where the binary prints: results on stdout, warnings and notes on stderr, nothing but errors
//! with `--quiet`. A closed stdout (`cameo stats DIR | head -1`) is not an error of the command:
//! writing returns [`Closed`], which `main` turns into a quiet exit 0, as ripgrep does.
use std::io::Write;

/// Standard output has been closed by its reader.
#[derive(Debug, thiserror::Error)]
#[error("standard output was closed")]
pub struct Closed;

#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub quiet: bool,
}

impl Output {
    /// Prints a result (unless `--quiet`).
    pub fn print(&self, text: &str) -> Result<(), Closed> {
        if self.quiet {
            return Ok(());
        }
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).map_err(|_| Closed)
    }

    /// Prints a result line (unless `--quiet`).
    pub fn line(&self, text: &str) -> Result<(), Closed> {
        self.print(&format!("{text}\n"))
    }

    /// Prints a value as pretty JSON (unless `--quiet`).
    pub fn json(&self, value: &impl serde::Serialize) -> Result<(), Closed> {
        let text = serde_json::to_string_pretty(value).expect("reports serialise");
        self.line(&text)
    }

    /// A warning on stderr (unless `--quiet`); a closed stderr is ignored.
    pub fn warn(&self, text: &str) {
        if !self.quiet {
            let _ = writeln!(std::io::stderr().lock(), "warning: {text}");
        }
    }

    /// A note (a reject, a kept file) on stderr, unless `--quiet`.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            let _ = writeln!(std::io::stderr().lock(), "{text}");
        }
    }
}
