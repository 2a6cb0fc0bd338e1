//! The summary table a build prints: one line per split with its counts and status.
use crate::collection::split::SplitReport;

/// The summary table printed at the end of a build, one row per split.
#[derive(Debug)]
pub struct SummaryTable<'a>(pub &'a [&'a SplitReport]);

impl std::fmt::Display for SummaryTable<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&summary_table(self.0))
    }
}

fn summary_table(reports: &[&SplitReport]) -> String {
    let mut out = format!(
        "{:<15} {:>7} {:>7} {:>10} {:>7} {:>7} {:>8}  {}\n",
        "split", "found", "built", "duplicates", "rejects", "skipped", "expected", "status"
    );
    for report in reports {
        let status = if report.count_matches() {
            "ok".to_string()
        } else {
            format!("COUNT MISMATCH ({:+})", report.built as i64 - report.expected as i64)
        };
        out.push_str(&format!(
            "{:<15} {:>7} {:>7} {:>10} {:>7} {:>7} {:>8}  {}\n",
            report.split,
            report.found,
            report.built,
            report.duplicates.len(),
            report.rejects.len(),
            report.skipped.len(),
            report.expected,
            status
        ));
    }
    out
}
