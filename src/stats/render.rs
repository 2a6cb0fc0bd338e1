//! The figures and the QA findings as plain-text tables.
use super::{percent, Group, Qa, Stats};

/// Lines of a QA list shown before "… and N more".
const SHOWN: usize = 50;

fn group_table(title: &str, groups: &[Group], coverage: bool) -> String {
    let mut out = format!("\n{title:<16} {:>8} {:>7} {:>8}", "samples", "share", "hours");
    if coverage {
        out.push_str(&format!(" {:>9} {:>11} {:>7} {:>7} {:>7}", "speakers", "speaker id", "gender", "female", "male"));
    }
    out.push('\n');
    for group in groups {
        out.push_str(&format!("{:<16} {:>8} {:>6.1}% {:>8.2}", group.name, group.samples, group.share, group.hours));
        if coverage {
            let n = group.samples;
            out.push_str(&format!(
                " {:>9} {:>10.1}% {:>6.1}% {:>6.1}% {:>6.1}%",
                group.speakers,
                percent(group.with_speaker_id, n),
                percent(group.with_gender, n),
                percent(group.female, n),
                percent(group.male, n)
            ));
        }
        out.push('\n');
    }
    out
}

/// The figures as plain-text tables.
fn text_of_stats(stats: &Stats) -> String {
    let n = stats.samples;
    let mut out = format!(
        "samples: {n}\nhours: {:.2}\ncorpora: {}, languages: {}, emotions: {}\n",
        stats.hours,
        stats.corpora.len(),
        stats.languages.len(),
        stats.emotions.len()
    );
    out.push_str(&group_table("dataset", &stats.corpora, true));
    out.push_str(&group_table("language", &stats.languages, false));
    out.push_str(&format!("\n{:<16} {:>8} {:>7}\n", "emotion", "samples", "share"));
    for emotion in &stats.emotions {
        out.push_str(&format!("{:<16} {:>8} {:>6.1}%\n", emotion.name, emotion.samples, emotion.share));
    }
    let all = &stats.overall;
    let d = &stats.durations;
    out.push_str(&format!(
        "\nspeakers: {}\nwith speaker id: {:.1}%\nwith gender: {:.1}% (female {:.1}%, male {:.1}%)\n\
         durations (s): min {:.2}, Q1 {:.2}, median {:.2}, Q3 {:.2}, max {:.2}, mean {:.2}\n",
        all.speakers,
        percent(all.with_speaker_id, n),
        percent(all.with_gender, n),
        percent(all.female, n),
        percent(all.male, n),
        d.min,
        d.p25,
        d.median,
        d.p75,
        d.max,
        d.mean
    ));
    out.push_str(&stats.paper.to_string());
    out
}

fn list<T>(out: &mut String, title: &str, items: &[T], line: impl Fn(&T) -> String) {
    out.push_str(&format!("{title}: {}\n", items.len()));
    for item in items.iter().take(SHOWN) {
        out.push_str(&format!("  {}\n", line(item)));
    }
    if items.len() > SHOWN {
        out.push_str(&format!("  … and {} more (see --json)\n", items.len() - SHOWN));
    }
}

/// The QA findings as plain text.
fn text_of_qa(qa: &Qa) -> String {
    let mut out = String::from("\nQA\n");
    let flagged = |f: &super::qa::Flagged| {
        format!("{}: {} ({})", f.split, f.source.as_deref().unwrap_or("not in metadata.jsonl"), f.file_id)
    };
    list(&mut out, "silent samples", &qa.silent, flagged);
    list(&mut out, "clipped samples", &qa.clipped, flagged);
    list(&mut out, "duration outliers", &qa.duration_outliers, |o| {
        format!(
            "{}: {} {:.2} s, outside {:.2}-{:.2} s ({})",
            o.split,
            o.source,
            o.duration,
            o.low.max(0.0),
            o.high,
            o.file_id
        )
    });
    out.push_str(&format!("outlier rule: {}\n", qa.outlier_rule));
    out
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&text_of_stats(self))
    }
}

impl std::fmt::Display for Qa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&text_of_qa(self))
    }
}
