//! The scan report as text: one table row per corpus, then each diagnosis with its fix, then
//! one line saying whether every corpus can be built.
use super::{ScanReport, Status};
use std::fmt::Write;

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Ok => "ok",
        Status::Warning => "warning",
        Status::Unusable => "UNUSABLE",
    }
}

fn text_of_scanreport(report: &ScanReport) -> String {
    let width = report.corpora.iter().map(|c| c.id.len()).max().unwrap_or(0).max("corpus".len());
    let mut text = format!("raw: {}\n", report.raw.display());
    let _ = writeln!(
        text,
        "{:<width$}  {:>7}  {:>8}  {:>7}  {:>7}  status",
        "corpus", "found", "expected", "skipped", "rejects"
    );
    for corpus in &report.corpora {
        let _ = writeln!(
            text,
            "{:<width$}  {:>7}  {:>8}  {:>7}  {:>7}  {}",
            corpus.id,
            corpus.found,
            corpus.expected,
            corpus.skipped,
            corpus.rejects,
            status_word(corpus.status)
        );
    }
    for corpus in &report.corpora {
        for diagnosis in &corpus.diagnoses {
            let _ = writeln!(text, "\n{}: {}\n  fix: {}", corpus.id, diagnosis.problem, diagnosis.fix);
        }
    }
    let unusable = report.unusable();
    if unusable.is_empty() {
        let _ = writeln!(text, "\nall {} corpora usable", report.corpora.len());
    } else {
        let _ = writeln!(
            text,
            "\n{} of {} corpora unusable: {}",
            unusable.len(),
            report.corpora.len(),
            unusable.join(", ")
        );
    }
    text
}

impl std::fmt::Display for ScanReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&text_of_scanreport(self))
    }
}
