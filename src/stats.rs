//! `cameo stats`: the collection's figures (samples per corpus, language and emotion, speaker
//! and gender coverage, hours), computed from a build's metadata.jsonl.
use crate::record::{Gender, Record};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Serialize)]
pub struct Stats {
    pub samples: usize,
    pub hours: f64,
    pub per_dataset: BTreeMap<String, usize>,
    pub per_language: BTreeMap<String, usize>,
    pub per_emotion: BTreeMap<String, usize>,
    pub speakers: usize,
    pub with_speaker_id: usize,
    pub with_gender: usize,
    pub female: usize,
    pub male: usize,
}

pub fn compute(records: &[Record]) -> Stats {
    let count = |key: &dyn Fn(&Record) -> String| {
        let mut map = BTreeMap::new();
        for record in records {
            *map.entry(key(record)).or_insert(0) += 1;
        }
        map
    };
    Stats {
        samples: records.len(),
        hours: records.iter().map(|r| r.duration).sum::<f64>() / 3600.0,
        per_dataset: count(&|r| r.dataset.clone()),
        per_language: count(&|r| r.language.clone()),
        per_emotion: count(&|r| r.emotion.to_string()),
        speakers: records.iter().filter_map(|r| r.speaker_id.as_deref()).collect::<BTreeSet<_>>().len(),
        with_speaker_id: records.iter().filter(|r| r.speaker_id.is_some()).count(),
        with_gender: records.iter().filter(|r| r.gender.is_some()).count(),
        female: records.iter().filter(|r| r.gender == Some(Gender::Female)).count(),
        male: records.iter().filter(|r| r.gender == Some(Gender::Male)).count(),
    }
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// The figures as a plain-text table.
pub fn render(stats: &Stats) -> String {
    let n = stats.samples;
    let mut out = format!("samples: {n}\nhours: {:.2}\n", stats.hours);
    for (title, map) in
        [("dataset", &stats.per_dataset), ("language", &stats.per_language), ("emotion", &stats.per_emotion)]
    {
        out.push_str(&format!("\n{title:<15} {:>8} {:>7}\n", "samples", "share"));
        let mut rows: Vec<(&String, &usize)> = map.iter().collect();
        rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (name, count) in rows {
            out.push_str(&format!("{name:<15} {count:>8} {:>6.1}%\n", share(*count, n)));
        }
    }
    out.push_str(&format!(
        "\nspeakers: {}\nwith speaker id: {:.1}%\nwith gender: {:.1}% (female {:.1}%, male {:.1}%)\n",
        stats.speakers,
        share(stats.with_speaker_id, n),
        share(stats.with_gender, n),
        share(stats.female, n),
        share(stats.male, n)
    ));
    out
}
