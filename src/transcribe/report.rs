//! What the transcription stage found, per split (kept in the split's state) and for the whole
//! build: the `transcription` QA section of build.json and the table printed after a build.
use crate::collection::split::SplitState;
pub use crate::collection::transcription::{Mismatch, TranscriptionReport, Unclear, Unrecognised};
use crate::manifest::TranscriptionOrigin;
use serde_json::{json, Value};

fn round4(value: f64) -> f64 {
    (value * 1e4).round() / 1e4
}

impl Mismatch {
    fn to_json(&self, split: &str) -> Value {
        json!({
            "split": split, "file_id": self.file_id, "source": self.source, "labelled": self.labelled,
            "heard": self.heard, "chosen": self.chosen,
            "labelled_distance": round4(self.labelled_distance), "chosen_distance": round4(self.chosen_distance),
        })
    }
}

impl Unclear {
    fn to_json(&self, split: &str) -> Value {
        json!({
            "split": split, "file_id": self.file_id, "source": self.source, "labelled": self.labelled,
            "heard": self.heard, "nearest": self.nearest, "distance": round4(self.distance), "looped": self.looped,
        })
    }
}

/// The `transcription` section of build.json, or None when no split went through the stage.
pub fn build_json_section(states: &[SplitState]) -> Option<Value> {
    let reports: Vec<(&str, &TranscriptionReport)> =
        states.iter().filter_map(|s| s.transcription.as_ref().map(|t| (s.report.split.as_str(), t))).collect();
    if reports.is_empty() {
        return None;
    }
    let mut models: Vec<&str> = reports.iter().map(|(_, t)| t.model.as_str()).collect();
    models.sort();
    models.dedup();
    let splits: serde_json::Map<String, Value> = reports
        .iter()
        .map(|(split, t)| {
            let counts = json!({
                "origin": t.origin, "model": t.model, "language": t.language, "candidates": t.candidates,
                "recognised": t.recognised, "agreed": t.agreed, "chosen": t.chosen,
                "mismatched": t.mismatches.len(), "unclear": t.unclear.len(), "asr_texts": t.asr_texts,
                "empty": t.empty.len(), "skipped": t.skipped.len(),
            });
            (split.to_string(), counts)
        })
        .collect();
    let with_split = |split: &str, entry: &Unrecognised| json!({"split": split, "file_id": entry.file_id, "source": entry.source, "reason": entry.reason});
    Some(json!({
        "method": format!(
            "recognition forced to the manifest's language; texts compared after normalisation (accents, case, \
             punctuation and extra spaces dropped) by character Levenshtein distance over the longer length; a \
             label is wrong when another candidate is nearer by at least {} and within {}; a text further than {} \
             from every candidate is unclear and keeps its corpus text",
            super::align::MISMATCH_MARGIN,
            super::align::UNCLEAR_ABOVE,
            super::align::UNCLEAR_ABOVE
        ),
        "models": models,
        "splits": splits,
        "mismatches": reports.iter().flat_map(|(split, t)| t.mismatches.iter().map(|m| m.to_json(split))).collect::<Vec<_>>(),
        "unclear": reports.iter().flat_map(|(split, t)| t.unclear.iter().map(|u| u.to_json(split))).collect::<Vec<_>>(),
        "empty": reports.iter().flat_map(|(split, t)| t.empty.iter().map(|e| with_split(split, e))).collect::<Vec<_>>(),
        "skipped": reports.iter().flat_map(|(split, t)| t.skipped.iter().map(|e| with_split(split, e))).collect::<Vec<_>>(),
    }))
}

/// How many mismatches the printed table lists (build.json has them all).
const PRINTED_MISMATCHES: usize = 20;

/// The table printed after a build that ran the stage; empty when none did.
pub fn summary_table(states: &[&SplitState]) -> String {
    let reports: Vec<(&str, &TranscriptionReport)> =
        states.iter().filter_map(|s| s.transcription.as_ref().map(|t| (s.report.split.as_str(), t))).collect();
    if reports.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "\ntranscription (model sha256 {}):\n{:<15} {:<13} {:>10} {:>7} {:>10} {:>7} {:>8} {:>6} {:>7}\n",
        reports[0].1.model.get(..12).unwrap_or(&reports[0].1.model),
        "split",
        "text",
        "recognised",
        "agreed",
        "mismatched",
        "unclear",
        "asr text",
        "empty",
        "skipped"
    );
    for (split, t) in &reports {
        let origin = match t.origin {
            TranscriptionOrigin::SentenceList => "sentence list",
            TranscriptionOrigin::None => "none",
            TranscriptionOrigin::Corpus => "corpus",
        };
        out.push_str(&format!(
            "{:<15} {:<13} {:>10} {:>7} {:>10} {:>7} {:>8} {:>6} {:>7}\n",
            split,
            origin,
            t.recognised,
            t.agreed + t.chosen,
            t.mismatches.len(),
            t.unclear.len(),
            t.asr_texts,
            t.empty.len(),
            t.skipped.len()
        ));
    }
    let mismatches: Vec<(&str, &Mismatch)> =
        reports.iter().flat_map(|(split, t)| t.mismatches.iter().map(move |m| (*split, m))).collect();
    for (split, m) in mismatches.iter().take(PRINTED_MISMATCHES) {
        out.push_str(&format!(
            "mismatch: {split}/{}: labelled \"{}\", heard \"{}\" -> \"{}\" ({:.2} vs {:.2})\n",
            m.source, m.labelled, m.heard, m.chosen, m.labelled_distance, m.chosen_distance
        ));
    }
    if mismatches.len() > PRINTED_MISMATCHES {
        out.push_str(&format!(
            "... and {} more mismatches (build.json, section transcription)\n",
            mismatches.len() - PRINTED_MISMATCHES
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collection::split::SplitReport;

    fn state(split: &str, origin: TranscriptionOrigin, mismatches: usize) -> SplitState {
        let mismatch = |i: usize| Mismatch {
            file_id: format!("{i:064x}.flac"),
            source: format!("AudioWAV/{i}.wav"),
            labelled: "The surface is slick".into(),
            heard: "It's 11 o'clock.".into(),
            chosen: "It's eleven o'clock".into(),
            labelled_distance: 0.8,
            chosen_distance: 6.0 / 17.0,
        };
        SplitState {
            flac_sha256: Default::default(),
            report: SplitReport { split: split.into(), ..Default::default() },
            records: Vec::new(),
            transcription: Some(TranscriptionReport {
                origin,
                model: "0123456789abcdef0123".into(),
                language: "en".into(),
                candidates: 12,
                recognised: 40,
                agreed: 30,
                chosen: 1,
                mismatches: (0..mismatches).map(mismatch).collect(),
                unclear: Vec::new(),
                asr_texts: 0,
                empty: Vec::new(),
                skipped: vec![Unrecognised { file_id: "s.flac".into(), source: "s.wav".into(), reason: "x".into() }],
            }),
        }
    }

    #[test]
    fn the_table_lists_counts_and_the_first_mismatches() {
        let states =
            [state("crema_d", TranscriptionOrigin::SentenceList, 22), state("oreau", TranscriptionOrigin::None, 0)];
        let table = summary_table(&states.iter().collect::<Vec<_>>());
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[1], "transcription (model sha256 0123456789ab):");
        assert_eq!(
            lines[3],
            "crema_d         sentence list         40      31         22       0        0      0       1"
        );
        assert!(lines[4].starts_with("oreau           none "), "{}", lines[4]);
        assert_eq!(
            lines[5],
            "mismatch: crema_d/AudioWAV/0.wav: labelled \"The surface is slick\", heard \"It's 11 o'clock.\" -> \"It's eleven o'clock\" (0.80 vs 0.35)"
        );
        assert_eq!(lines.len(), 5 + PRINTED_MISMATCHES + 1);
        assert_eq!(lines.last(), Some(&"... and 2 more mismatches (build.json, section transcription)"));
        let plain = SplitState { transcription: None, ..state("cafe", TranscriptionOrigin::SentenceList, 0) };
        assert_eq!(summary_table(&[&plain]), "");
        assert!(build_json_section(&[plain]).is_none());
    }

    #[test]
    fn the_build_json_section_gathers_every_split() {
        let states =
            [state("crema_d", TranscriptionOrigin::SentenceList, 2), state("oreau", TranscriptionOrigin::None, 0)];
        let section = build_json_section(&states).unwrap();
        assert_eq!(section["models"], json!(["0123456789abcdef0123"]));
        assert_eq!(section["splits"]["crema_d"]["mismatched"], 2);
        assert_eq!(section["splits"]["oreau"]["origin"], "none");
        assert_eq!(section["mismatches"].as_array().unwrap().len(), 2);
        assert_eq!(section["mismatches"][1]["source"], "AudioWAV/1.wav");
        assert_eq!(section["mismatches"][1]["chosen_distance"], 0.3529);
        assert_eq!(section["skipped"].as_array().unwrap().len(), 2);
        assert_eq!(section["skipped"][1]["split"], "oreau");
    }
}
