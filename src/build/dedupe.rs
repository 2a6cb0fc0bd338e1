//! Collection-wide de-duplication: file_id is the key of the whole collection (the hub
//! dataset and the evaluation join on it), so a canonical PCM that two corpora share is kept
//! once — in the first split in split order — and logged as a duplicate in the later one.
use crate::collection::split::{Duplicate, DuplicateKind, SplitState};
use std::collections::HashMap;
use std::path::Path;

/// Drops from later splits the records whose file_id an earlier split already has, removes
/// their FLAC copies, and records them as duplicates. States must be in split order.
pub fn dedupe_across_splits(out: &Path, states: &mut [SplitState]) -> std::io::Result<()> {
    let mut first_seen: HashMap<String, String> = HashMap::new();
    for state in states.iter_mut() {
        let split = state.report.split.clone();
        let mut kept = Vec::with_capacity(state.records.len());
        for record in std::mem::take(&mut state.records) {
            match first_seen.get(&record.file_id) {
                Some(earlier) => {
                    state.report.duplicates.push(Duplicate {
                        source: record.source.clone(),
                        kept: earlier.clone(),
                        kind: DuplicateKind::CanonicalPcm,
                    });
                    let copy = out.join(&record.audio);
                    if copy.exists() {
                        std::fs::remove_file(copy)?;
                    }
                }
                None => {
                    first_seen.insert(record.file_id.clone(), format!("{split}/{}", record.source));
                    kept.push(record);
                }
            }
        }
        state.records = kept;
        state.report.set_built(state.records.len());
    }
    Ok(())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::collection::split::SplitReport;
    use crate::record::{Emotion, Record};

    /// A record of `split` whose FLAC is `audio/<split>/<file_id>` (other tests use it too).
    pub(in crate::build) fn record(split: &str, file_id: &str, source: &str) -> Record {
        Record {
            file_id: file_id.into(),
            audio: format!("audio/{split}/{file_id}"),
            emotion: Emotion::Anger,
            transcription: None,
            speaker_id: None,
            gender: None,
            age: None,
            dataset: split.into(),
            language: "English".into(),
            license: "CC BY 4.0".into(),
            duration: 1.0,
            source: source.into(),
            transcription_source: None,
        }
    }

    pub(in crate::build) fn state(split: &str, records: Vec<Record>) -> SplitState {
        SplitState {
            flac_sha256: Default::default(),
            report: SplitReport { split: split.into(), built: records.len(), ..Default::default() },
            records,
            transcription: None,
        }
    }

    #[test]
    fn a_file_id_shared_by_two_splits_is_kept_in_the_first_only() {
        let dir = tempfile::tempdir().unwrap();
        for (split, id) in [("a", "x.flac"), ("b", "x.flac"), ("b", "y.flac")] {
            std::fs::create_dir_all(dir.path().join("audio").join(split)).unwrap();
            std::fs::write(dir.path().join("audio").join(split).join(id), b"flac").unwrap();
        }
        let mut states = vec![
            state("a", vec![record("a", "x.flac", "one.wav")]),
            state("b", vec![record("b", "x.flac", "two.wav"), record("b", "y.flac", "three.wav")]),
        ];
        states[1].report.expected = 2;
        states[1].report.set_built(2);
        assert!(states[1].report.warnings.is_empty());
        dedupe_across_splits(dir.path(), &mut states).unwrap();
        assert_eq!(states[1].report.warnings, ["built 1 samples, the manifest expects 2"]);
        assert_eq!(states[0].records.len(), 1);
        assert_eq!(states[1].records.iter().map(|r| r.file_id.as_str()).collect::<Vec<_>>(), ["y.flac"]);
        assert_eq!(states[1].report.built, 1);
        assert_eq!(states[1].report.duplicates[0].kept, "a/one.wav");
        assert_eq!(states[1].report.duplicates[0].source, "two.wav");
        assert!(!dir.path().join("audio/b/x.flac").exists());
        assert!(dir.path().join("audio/a/x.flac").exists());
    }
}
