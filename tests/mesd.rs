//! MESD end to end: a generated flat folder with the traps of the real download (24- and
//! 16-bit files, words with `_`, a wrapper folder, junk) is built and the records are checked
//! field by field.
mod common;

use cameo::fixtures::mesd::{population, write_population, write_traps};
use cameo::record::{Emotion, Gender};
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Two words per list (72 files) plus the traps.
fn raw_tree(raw: &Path) -> cameo::fixtures::mesd::Traps {
    let root = raw.join("mesd");
    write_population(&root, &population(2), 0.05).unwrap();
    write_traps(&root).unwrap()
}

#[test]
fn traps_end_as_records_rejects_or_skips() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let traps = raw_tree(&raw);
    let outcome = build(&raw, &out, 2);
    let report = &outcome.splits[0].report;
    assert_eq!(report.found, 77);
    assert_eq!(report.built, 74);
    assert!(report.duplicates.is_empty());
    let rejects = rejects_of(report);
    let expected: BTreeSet<(&str, &str)> = [
        (traps.unknown_voice.as_str(), "voice class X: only F, M or C exist"),
        (traps.unknown_corpus.as_str(), "word list C: only A or B exist"),
        (traps.unknown_emotion.as_str(), "unknown emotion code 'Joy' (not in the [labels] of manifests/mesd.toml)"),
    ]
    .into();
    assert_eq!(rejects, expected);
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].source, traps.ds_store);
    assert_eq!(report.formats.get("48000 Hz, 1 ch"), Some(&74));
    assert_eq!(report.found, report.built + report.duplicates.len() + report.rejects.len());
}

#[test]
fn records_carry_every_field_of_the_reference_format() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let traps = raw_tree(&raw);
    build(&raw, &out, 2);
    let records = records(&out);
    assert_eq!(records.len(), 74);
    let by_source = by_source(&records);

    // A word with `_`: split on the first three only, the rest is the text.
    let child = &by_source["Mexican Emotional Speech Database (MESD)/Anger_C_A_basta_ya.wav"];
    assert_eq!(child.emotion, Emotion::Anger);
    assert_eq!(child.transcription.as_deref(), Some("basta ya"));
    // A voice class is not a speaker: no speaker id; a child's gender is not encoded.
    assert_eq!(child.speaker_id, None);
    assert_eq!(child.gender, None);
    assert_eq!(child.age, None);
    assert_eq!(child.dataset, "MESD");
    assert_eq!(child.language, "Spanish");
    assert_eq!(child.license, "CC BY 4.0");
    assert_eq!(child.duration, 0.05);

    let fear = &by_source[&traps.pcm_16bit];
    assert_eq!((fear.emotion, fear.duration), (Emotion::Fear, 0.4));
    assert_eq!(fear.transcription.as_deref(), Some("mariposa"));
    assert_eq!((fear.speaker_id.as_deref(), fear.gender), (None, Some(Gender::Male)));

    let wrapped = &by_source[&traps.wrapped];
    assert_eq!((wrapped.emotion, wrapped.transcription.as_deref()), (Emotion::Happiness, Some("buenos dias")));

    let woman = &by_source["Mexican Emotional Speech Database (MESD)/Sadness_F_B_ventana.wav"];
    assert_eq!(
        (woman.emotion, woman.speaker_id.as_deref(), woman.gender),
        (Emotion::Sadness, None, Some(Gender::Female))
    );
    assert_eq!(woman.transcription.as_deref(), Some("ventana"));
}

#[test]
fn the_complete_file_population_gives_the_reference_count() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    let names = population(24);
    assert_eq!(names.len(), 862);
    assert!(names.iter().any(|n| n.matches('_').count() == 4), "words with _ are part of the population");
    write_population(&raw.join("mesd"), &names, 0.002).unwrap();
    let out = dir.path().join("out");
    let outcome = build(&raw, &out, 2);
    let report = &outcome.splits[0].report;
    assert_eq!((report.found, report.built, report.expected), (862, 862, 862));
    assert!(report.rejects.is_empty() && report.duplicates.is_empty() && report.warnings.is_empty(), "{report:?}");
    let records = records(&out);
    assert!(records.iter().all(|r| r.speaker_id.is_none()), "a voice class is not a speaker id");
    // The voice class stays readable in `source` (the second field of the file name) and
    // gives the gender: adult women, adult men, children (not encoded).
    let per_voice = records.iter().fold(BTreeMap::new(), |mut map, r| {
        let name = r.source.rsplit('/').next().unwrap();
        let voice = name.split('_').nth(1).unwrap().to_string();
        *map.entry((voice, r.gender)).or_insert(0) += 1;
        map
    });
    assert_eq!(
        per_voice,
        BTreeMap::from([
            (("C".into(), None), 286),
            (("F".into(), Some(Gender::Female)), 288),
            (("M".into(), Some(Gender::Male)), 288)
        ])
    );
}

#[test]
fn a_rebuild_over_a_build_with_the_old_speaker_ids_writes_the_new_values() {
    // Builds before this convention wrote the voice class as speaker_id (mesd_F, mesd_M,
    // mesd_C); that manifest is the current one plus `speaker = "{voice}"`.
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    write_population(&raw.join("mesd"), &population(2), 0.05).unwrap();
    let current = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("manifests/mesd.toml")).unwrap();
    let old = current.replace("[adapter.fields]\n", "[adapter.fields]\nspeaker = \"{voice}\"\n");
    assert_ne!(old, current);
    let old_manifest = dir.path().join("mesd.toml");
    std::fs::write(&old_manifest, old).unwrap();
    let first = cameo::build::run_build(&cameo::build::BuildOptions {
        manifests: Some(old_manifest),
        ..options(&raw, &out, 2)
    })
    .unwrap();
    assert_eq!(first.run.converted, 72);
    let old_ids: BTreeSet<Option<String>> = records(&out).into_iter().map(|r| r.speaker_id).collect();
    assert_eq!(old_ids, ["mesd_C", "mesd_F", "mesd_M"].iter().map(|s| Some(s.to_string())).collect());

    // The rebuild takes every FLAC from the cache (which holds audio facts only: no
    // PIPELINE_VERSION bump is needed) and forms every record anew from the adapter's items.
    let second = build(&raw, &out, 2);
    assert_eq!((second.run.converted, second.run.reused_from_cache), (0, 72));
    let records = records(&out);
    assert_eq!(records.len(), 72);
    assert!(records.iter().all(|r| r.speaker_id.is_none()));
    let state = std::fs::read_to_string(out.join(".cameo/splits/mesd.json")).unwrap();
    assert!(!state.contains("mesd_F"), "the kept split state is rewritten too");
    let jsonl = std::fs::read_to_string(out.join("metadata.jsonl")).unwrap();
    assert!(!jsonl.contains("mesd_"));
}
