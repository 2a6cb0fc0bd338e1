//! What `cameo fetch` did per source, and how it reads as text: one line per source, the manual
//! downloads with where to get them and exactly where to put them.
use super::checksum::FileDigest;
use super::download::DownloadOutcome;
use super::extract::Extraction;
use super::{FetchError, DOWNLOADS};
use crate::fetch::archive::ArchiveKind;
use crate::manifest::Source;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// How a checked file ended up in its corpus folder.
#[derive(Debug)]
pub enum Placement {
    Extracted {
        dest: PathBuf,
        extraction: Extraction,
    },
    Copied {
        path: PathBuf,
    },
    /// The same bytes were extracted or copied by an earlier run.
    AlreadyInPlace {
        dest: PathBuf,
    },
}

/// A source that needs a person: where to get it and where to put it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManualInstructions {
    /// The manifest's text (where to get it, which login).
    pub get: String,
    /// Where the result goes, with absolute paths.
    pub put: String,
}

#[derive(Debug)]
pub enum SourceOutcome {
    /// The file is checked and in place. `download` is `None` when it was already there.
    Ready {
        digest: FileDigest,
        pinned: bool,
        download: Option<DownloadOutcome>,
        placement: Placement,
    },
    Manual(ManualInstructions),
    Failed(FetchError),
}

#[derive(Debug)]
pub struct SourceReport {
    pub corpus: String,
    /// Where the corpus' manifest was read from (the embedded copy, or a --manifests file).
    pub manifest: String,
    pub file: String,
    pub outcome: SourceOutcome,
}

#[derive(Debug)]
pub struct FetchReport {
    pub sources: Vec<SourceReport>,
}

impl FetchReport {
    pub fn failures(&self) -> Vec<(&SourceReport, &FetchError)> {
        self.sources
            .iter()
            .filter_map(|source| match &source.outcome {
                SourceOutcome::Failed(error) => Some((source, error)),
                _ => None,
            })
            .collect()
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Where a manual source goes. An archive can be put into `raw/.downloads/` for `cameo fetch`
/// to check and extract, or extracted by hand; anything else (a Git clone) goes into the
/// corpus folder as the manifest describes.
pub fn manual_instructions(raw: &Path, id: &str, source: &Source) -> ManualInstructions {
    let dest = absolute(&raw.join(id));
    let get = source.manual.clone().unwrap_or_default();
    let put = match ArchiveKind::from_name(&source.file).filter(|_| crate::manifest::is_plain_file_name(&source.file)) {
        Some(kind) => {
            let kept = absolute(&raw.join(DOWNLOADS).join(&source.file));
            format!(
                "save it as {} and run `cameo fetch` again (it checks and extracts it into {}/), or extract it yourself: `{}`",
                kept.display(),
                dest.display(),
                kind.extract_command(&kept.display().to_string(), &dest.display().to_string())
            )
        }
        None => format!("into {}/", dest.display()),
    };
    ManualInstructions { get, put }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// The report as text for stdout.
fn text_of_fetchreport(report: &FetchReport) -> String {
    let mut text = String::new();
    for source in &report.sources {
        let head = format!("{}: {}", source.corpus, source.file);
        match &source.outcome {
            SourceOutcome::Ready { digest, pinned, download, placement } => {
                let how = match download {
                    None => "already downloaded".to_string(),
                    Some(outcome) if outcome.resumed_from > 0 => {
                        format!("downloaded (resumed after {})", megabytes(outcome.resumed_from))
                    }
                    Some(outcome) if outcome.restarted => "downloaded (restarted from the beginning)".to_string(),
                    Some(_) => "downloaded".to_string(),
                };
                let check = if *pinned { "SHA-256 matches the manifest" } else { "no SHA-256 in the manifest" };
                let placed = match placement {
                    Placement::Extracted { dest, extraction } => {
                        let mut line = format!("extracted {} files into {}/", extraction.files, dest.display());
                        if !extraction.skipped_entries.is_empty() {
                            let _ = write!(
                                line,
                                " ({} links or special entries not extracted, e.g. {})",
                                extraction.skipped_entries.len(),
                                extraction.skipped_entries[0]
                            );
                        }
                        line
                    }
                    Placement::Copied { path } => format!("copied to {}", path.display()),
                    Placement::AlreadyInPlace { dest } => format!("already in {}/", dest.display()),
                };
                let _ = writeln!(text, "{head}: {how}, {}, {check}; {placed}", megabytes(digest.bytes));
                if !pinned {
                    let _ = writeln!(
                        text,
                        "  sha256 {} (pin it: add `sha256 = \"{}\"` to the source in {})",
                        digest.sha256, digest.sha256, source.manifest
                    );
                }
            }
            SourceOutcome::Manual(instructions) => {
                let _ = writeln!(
                    text,
                    "{head}: manual download\n  get it: {}\n  put it: {}",
                    instructions.get, instructions.put
                );
            }
            SourceOutcome::Failed(error) => {
                // The error names the file itself (by name, URL or path): not repeated here.
                let detail = error.to_string();
                let detail = detail.strip_prefix(&format!("{}: ", source.file)).unwrap_or(&detail);
                let _ = writeln!(text, "{head}: FAILED: {detail}");
            }
        }
    }
    text
}

impl std::fmt::Display for FetchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&text_of_fetchreport(self))
    }
}
