//! The text form of a comparison: counts per split, near pairs with their SNR, field
//! differences per field with the first examples, and the samples only one side has.
use super::{CompareReport, EXAMPLES};
use std::fmt::Write;

fn shown(value: &Option<String>) -> String {
    value.as_ref().map_or("null".to_string(), |v| format!("{v:?}"))
}

fn text_of_comparereport(report: &CompareReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "reference: {} rows in {} parquet shards\n", report.reference_rows, report.reference_shards);
    let _ = writeln!(out, "{:<16} {:>7} {:>6} {:>11} {:>15}", "split", "exact", "near", "only build", "only reference");
    for (split, counts) in &report.splits {
        let _ = writeln!(
            out,
            "{:<16} {:>7} {:>6} {:>11} {:>15}",
            split, counts.exact, counts.near, counts.only_build, counts.only_reference
        );
    }
    let _ = writeln!(
        out,
        "{:<16} {:>7} {:>6} {:>11} {:>15}",
        "total", report.exact, report.near, report.only_build, report.only_reference
    );
    if !report.near_pairs.is_empty() {
        let mut snrs: Vec<f64> = report.near_pairs.iter().filter_map(|p| p.snr_db).collect();
        snrs.sort_by(f64::total_cmp);
        let lowest = report.near_pairs.iter().map(|p| p.correlation).fold(1.0, f64::min);
        let _ = write!(
            out,
            "\nnear pairs (same recording, other PCM; correlation >= {}): {}, lowest correlation {lowest:.5}",
            report.min_correlation,
            report.near_pairs.len()
        );
        if let (Some(min), Some(max)) = (snrs.first(), snrs.last()) {
            let _ = write!(out, ", SNR {min:.1} to {max:.1} dB (median {:.1} dB)", snrs[snrs.len() / 2]);
        }
        out.push('\n');
        for pair in report.near_pairs.iter().take(EXAMPLES) {
            let snr = pair.snr_db.map_or("identical over the common length".to_string(), |s| format!("SNR {s:.1} dB"));
            let _ = writeln!(
                out,
                "  {} {} ~ {}: correlation {:.5}, {snr}, duration {:+.1} ms",
                pair.split, pair.build_file_id, pair.reference_id, pair.correlation, pair.duration_difference_ms
            );
        }
    }
    if !report.field_differences.is_empty() {
        let _ = writeln!(out, "\nfield differences in paired samples: {}", report.field_differences.len());
        for (field, count) in &report.field_difference_counts {
            let _ = writeln!(out, "  {field}: {count}");
            for difference in report.field_differences.iter().filter(|d| &d.field == field).take(EXAMPLES) {
                let _ = writeln!(
                    out,
                    "    {} {} / {}: build {}, reference {}",
                    difference.split,
                    difference.build_file_id,
                    difference.reference_id,
                    shown(&difference.build_value),
                    shown(&difference.reference_value)
                );
            }
        }
    }
    if !report.only_build_samples.is_empty() {
        let _ = writeln!(out, "\nonly in the build: {}", report.only_build);
        for sample in report.only_build_samples.iter().take(EXAMPLES * 2) {
            let _ = writeln!(out, "  {} {} ({})", sample.split, sample.file_id, sample.source);
        }
    }
    if !report.only_reference_samples.is_empty() {
        let _ = writeln!(out, "\nonly in the reference: {}", report.only_reference);
        for sample in report.only_reference_samples.iter().take(EXAMPLES * 2) {
            let problem = sample.problem.as_ref().map_or(String::new(), |p| format!(": audio unreadable: {p}"));
            let _ = writeln!(
                out,
                "  {} {} ({} row {}){problem}",
                sample.split, sample.reference_id, sample.shard, sample.row
            );
        }
    }
    let verdict = if report.identical() {
        "identical: every sample paired with the same canonical PCM and the same metadata".to_string()
    } else {
        format!(
            "differ: {} near pairs, {} only in the build, {} only in the reference, {} field differences",
            report.near,
            report.only_build,
            report.only_reference,
            report.field_differences.len()
        )
    };
    let _ = writeln!(out, "\n{verdict}");
    out
}

impl std::fmt::Display for CompareReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&text_of_comparereport(self))
    }
}
