//! The audit as Markdown: a table of the corpora, one section per corpus, the collection's
//! allowed uses, the sample checks and the verdict.
use super::AuditReport;

fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

/// How many listed sample issues the Markdown shows (the JSON has them all).
const SHOWN: usize = 20;

fn text_of_auditreport(report: &AuditReport) -> String {
    let mut out = String::from("# License audit\n\n");
    out.push_str(&format!("Manifests: {}", report.manifests));
    match (&report.build, &report.samples) {
        (Some(build), Some(samples)) => out.push_str(&format!("; build: {build} ({} samples)\n\n", samples.samples)),
        _ => out.push_str("; no build given (manifests only)\n\n"),
    }
    out.push_str(
        "| split | dataset | license | SPDX | commercial use | derivatives | share-alike | attribution | verified | samples |\n\
         |---|---|---|---|---|---|---|---|---|---:|\n",
    );
    for corpus in &report.corpora {
        let p = &corpus.permissions;
        out.push_str(&format!(
            "| {} | {} | {} | `{}` | {} | {} | {} | {} | {} | {} |\n",
            corpus.split,
            corpus.dataset,
            corpus.license,
            corpus.spdx,
            yes_no(p.commercial_use),
            yes_no(p.derivatives),
            yes_no(p.share_alike),
            if p.attribution { "required" } else { "not required" },
            corpus.verification.status,
            corpus.samples.map_or("–".to_string(), |n| n.to_string())
        ));
    }
    for corpus in &report.corpora {
        out.push_str(&format!("\n## {} (`{}`)\n\n", corpus.dataset, corpus.split));
        out.push_str(&format!(
            "- License: {} (`{}`){}\n",
            corpus.license,
            corpus.spdx,
            corpus.url.as_deref().map(|u| format!(", <{u}>")).unwrap_or_default()
        ));
        out.push_str(&format!("- Verified: **{}**: {}\n", corpus.verification.status, corpus.verification.note));
        if corpus.conflicts.is_empty() {
            out.push_str("- Sources stating another license: none recorded\n");
        } else {
            out.push_str(&format!("- Sources stating another license: {}\n", corpus.conflicts.join("; ")));
        }
        match (corpus.terms_known, corpus.contradictions.is_empty()) {
            (false, _) => out.push_str("- Flags against the license terms: not checked (terms unknown to cameo)\n"),
            (true, true) => out.push_str("- Flags against the license terms: consistent\n"),
            (true, false) => {
                out.push_str(&format!("- Flags against the license terms: **{}**\n", corpus.contradictions.join("; ")))
            }
        }
        if !corpus.unverified.is_empty() {
            out.push_str("- Unverified facts:\n");
            for fact in &corpus.unverified {
                out.push_str(&format!("  - {fact}\n"));
            }
        }
        out.push_str(&format!("- Credit: {}\n- Citation: {}\n", corpus.attribution, corpus.citation));
    }

    let collection = &report.collection;
    out.push_str("\n## The collection\n\n");
    out.push_str(&format!("{}\n\n", collection.summary));
    out.push_str("| split | license | samples | allowed | conditions |\n|---|---|---:|---|---|\n");
    for split in &collection.per_split {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            split.split,
            split.license,
            split.samples.map_or("–".to_string(), |n| n.to_string()),
            split.allowed.join(", "),
            split.conditions.join("; ")
        ));
    }
    for note in &collection.notes {
        out.push_str(&format!("\n- {note}"));
    }
    if !collection.notes.is_empty() {
        out.push('\n');
    }

    if let Some(samples) = &report.samples {
        out.push_str("\n## Samples\n\n");
        out.push_str(&format!(
            "{} samples checked: {} without a license, {} whose license differs from their manifest, {} split(s) without a manifest.\n",
            samples.samples,
            samples.without_license.len(),
            samples.mismatched.len(),
            samples.without_manifest.len()
        ));
        let issues: Vec<_> = samples.without_license.iter().chain(&samples.mismatched).collect();
        if !issues.is_empty() {
            out.push_str("\n| line | file_id | split | license | manifest says |\n|---:|---|---|---|---|\n");
            for issue in issues.iter().take(SHOWN) {
                out.push_str(&format!(
                    "| {} | {} | {} | {} | {} |\n",
                    issue.line,
                    issue.file_id,
                    issue.split,
                    issue.license.as_deref().unwrap_or("(none)"),
                    issue.expected.as_deref().unwrap_or("(no manifest)")
                ));
            }
            if issues.len() > SHOWN {
                out.push_str(&format!("\n… and {} more (see `--json`).\n", issues.len() - SHOWN));
            }
        }
    }

    out.push_str(&format!("\n## Result: {}\n", if report.passed() { "PASS" } else { "FAIL" }));
    if !report.problems.is_empty() {
        out.push_str("\nProblems:\n\n");
        for problem in report.problems.iter().take(SHOWN) {
            out.push_str(&format!("- {problem}\n"));
        }
        if report.problems.len() > SHOWN {
            out.push_str(&format!("- … and {} more (see `--json`)\n", report.problems.len() - SHOWN));
        }
    }
    if !report.warnings.is_empty() {
        out.push_str("\nWarnings:\n\n");
        for warning in &report.warnings {
            out.push_str(&format!("- {warning}\n"));
        }
    }
    out
}

impl std::fmt::Display for AuditReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&text_of_auditreport(self))
    }
}
