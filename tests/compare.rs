//! `cameo compare`: the demo build against a stand-in for the published release that pyarrow
//! writes (tests/python/make_reference.py): its audio re-rendered from the original sources by
//! SoX's resampler, another file_id scheme, another column order and shard naming, only the ten
//! published columns, one emotion and one transcription changed, three samples removed and two
//! foreign ones added. Every count, pair, SNR and difference is checked against what the Python
//! side computed with numpy on its own.
mod hub_common;

use hub_common::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

fn compare_json(build: &std::path::Path, reference: &std::path::Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["compare", path_str(build), "--reference", path_str(reference), "--json"];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = cameo(&args);
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("no JSON ({e}): {stdout}\n{stderr}"));
    (code, report)
}

#[test]
fn a_resampled_renamed_and_edited_copy_of_the_release_is_reported_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let build = demo_build(dir.path());
    let raw = dir.path().join("raw");
    let records = records(&build);
    let in_split = |split: &'static str| records.iter().filter(move |r| r.split() == split);

    // The edits: three samples removed (two RAVDESS, one CaFE), one emotion changed (RAVDESS,
    // which SoX re-renders from 48 kHz), one transcription changed (CaFE), two foreign samples,
    // one of them exactly as long as a removed RAVDESS sample, so only the waveform tells them apart.
    let ravdess: Vec<_> = in_split("ravdess").collect();
    let cafe: Vec<_> = in_split("cafe").filter(|r| r.transcription.is_some()).collect();
    assert!(ravdess.len() >= 6 && cafe.len() >= 3, "the demo has enough RAVDESS and CaFE samples");
    let removed = [&ravdess[0].file_id, &ravdess[1].file_id, &cafe[0].file_id];
    let emotion_changed = ravdess[2];
    let new_emotion = if emotion_changed.emotion.as_str() == "fear" { "disgust" } else { "fear" };
    let transcription_changed = cafe[1];
    let foreign = [
        json!({"id": "foreign-1", "dataset": "RAVDESS", "seconds": ravdess[0].duration, "seed": 1}),
        json!({"id": "foreign-2", "dataset": "CaFE", "seconds": 1.0, "seed": 2}),
    ];
    let reference = dir.path().join("reference");
    let plan = json!({
        "build": build, "raw": raw, "out": reference,
        "remove": removed,
        "emotion": {emotion_changed.file_id.clone(): new_emotion},
        "transcription": {transcription_changed.file_id.clone(): "Un tout autre texte."},
        "foreign": foreign,
    });
    let plan_path = dir.path().join("plan.json");
    std::fs::write(&plan_path, plan.to_string()).unwrap();
    let made = python_check("make_reference.py", &[&plan_path], &dir.path().join("hf"));
    let rows = made["rows"].as_array().unwrap();
    assert_eq!(rows.len(), records.len() - 3);

    // The premise: SoX gave many samples other PCM (near pairs) and left some identical.
    let near_rows: Vec<&Value> = rows.iter().filter(|r| r["identical_pcm"] == false).collect();
    let exact_rows: Vec<&Value> = rows.iter().filter(|r| r["identical_pcm"] == true).collect();
    assert!(near_rows.len() >= 10, "{} rows re-rendered with other PCM", near_rows.len());
    assert!(!exact_rows.is_empty());
    assert!(near_rows.iter().all(|r| r["rendered_by"] == "sox"));
    for row in &near_rows {
        let correlation = row["correlation"].as_f64().unwrap();
        assert!((0.99..1.0).contains(&correlation), "{row}");
        let [b, r] = [row["frames"][0].as_i64().unwrap(), row["frames"][1].as_i64().unwrap()];
        assert!((b - r).abs() <= 160, "{row}");
    }
    let reference_of: BTreeMap<&str, &str> =
        rows.iter().map(|r| (r["file_id"].as_str().unwrap(), r["reference_id"].as_str().unwrap())).collect();

    let (code, report) = compare_json(&build, &reference, &[]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["exact"], exact_rows.len());
    assert_eq!(report["near"], near_rows.len());
    assert_eq!(report["only_build"], 3);
    assert_eq!(report["only_reference"], 2);
    assert_eq!(report["reference_rows"], made["reference_rows"]);
    assert_eq!(report["reference_shards"], made["shards"]);

    // Per split, from the Python side's rows.
    let mut expected: BTreeMap<String, [usize; 4]> = BTreeMap::new();
    for row in rows {
        let slot = if row["identical_pcm"] == true { 0 } else { 1 };
        expected.entry(row["split"].as_str().unwrap().to_string()).or_default()[slot] += 1;
    }
    expected.get_mut("ravdess").unwrap()[2] += 2;
    expected.get_mut("cafe").unwrap()[2] += 1;
    expected.get_mut("ravdess").unwrap()[3] += 1;
    expected.get_mut("cafe").unwrap()[3] += 1;
    let splits: BTreeMap<String, [usize; 4]> = report["splits"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(split, c)| {
            let n = |key: &str| c[key].as_u64().unwrap() as usize;
            (split.clone(), [n("exact"), n("near"), n("only_build"), n("only_reference")])
        })
        .collect();
    assert_eq!(splits, expected);

    // Exactly the removed and the foreign samples are unpaired.
    let only_build: BTreeSet<&str> =
        report["only_build_samples"].as_array().unwrap().iter().map(|s| s["file_id"].as_str().unwrap()).collect();
    assert_eq!(only_build, removed.iter().map(|s| s.as_str()).collect());
    let only_reference: BTreeSet<(&str, &str)> = report["only_reference_samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["reference_id"].as_str().unwrap(), s["split"].as_str().unwrap()))
        .collect();
    assert_eq!(only_reference, BTreeSet::from([("foreign-1", "ravdess"), ("foreign-2", "cafe")]));

    // Every near pair is the right one, with the correlation and SNR numpy computed.
    let near_pairs = report["near_pairs"].as_array().unwrap();
    assert_eq!(near_pairs.len(), near_rows.len());
    for pair in near_pairs {
        let file_id = pair["build_file_id"].as_str().unwrap();
        let row = near_rows.iter().find(|r| r["file_id"] == file_id).unwrap_or_else(|| panic!("{pair}"));
        assert_eq!(pair["reference_id"], row["reference_id"]);
        assert_eq!(pair["split"], row["split"]);
        assert!((pair["correlation"].as_f64().unwrap() - row["correlation"].as_f64().unwrap()).abs() < 1e-9);
        assert!((pair["snr_db"].as_f64().unwrap() - row["snr_db"].as_f64().unwrap()).abs() < 1e-6, "{pair} {row}");
    }

    // Exactly the two edits differ: NFD transcriptions elsewhere are no difference.
    let differences = report["field_differences"].as_array().unwrap();
    let expected_differences = vec![
        json!({
            "field": "transcription", "split": "cafe",
            "build_file_id": transcription_changed.file_id,
            "reference_id": reference_of[transcription_changed.file_id.as_str()],
            "build_value": transcription_changed.transcription, "reference_value": "Un tout autre texte.",
        }),
        json!({
            "field": "emotion", "split": "ravdess",
            "build_file_id": emotion_changed.file_id,
            "reference_id": reference_of[emotion_changed.file_id.as_str()],
            "build_value": emotion_changed.emotion.as_str(), "reference_value": new_emotion,
        }),
    ];
    assert_eq!(differences, &expected_differences, "{differences:#?}");
    assert_eq!(report["field_difference_counts"], json!({"emotion": 1, "transcription": 1}));

    // The text report says the same.
    let (code, text, _) = cameo(&["compare", path_str(&build), "--reference", path_str(&reference)]);
    assert_eq!(code, 1);
    assert!(
        text.contains(&format!(
            "differ: {} near pairs, 3 only in the build, 2 only in the reference, 2 field differences",
            near_rows.len()
        )),
        "{text}"
    );
    assert!(text.contains("  emotion: 1\n") && text.contains("  transcription: 1\n"), "{text}");

    // A stricter threshold than any re-rendering reaches: the near pairs fall apart.
    let (code, strict) = compare_json(&build, &reference, &["--min-correlation", "1"]);
    assert_eq!(code, 1);
    assert_eq!(strict["exact"], exact_rows.len());
    assert_eq!(strict["near"], 0);
    assert_eq!(strict["only_build"], 3 + near_rows.len());
    assert_eq!(strict["only_reference"], 2 + near_rows.len());
}

#[test]
fn a_build_equals_itself_and_usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let build = ravdess_build(dir.path(), 0.4);
    let count = records(&build).len();
    let (code, report) = compare_json(&build, &build, &[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["exact"], count);
    assert_eq!((report["near"].as_u64(), report["only_build"].as_u64()), (Some(0), Some(0)));
    assert_eq!(report["only_reference"], 0);
    assert_eq!(report["field_differences"], json!([]));
    assert_eq!(report["splits"], json!({"ravdess": {"exact": count, "near": 0, "only_build": 0, "only_reference": 0}}));
    let (code, text, _) = cameo(&["compare", path_str(&build), "--reference", path_str(&build)]);
    assert_eq!(code, 0);
    assert!(text
        .trim_end()
        .ends_with("identical: every sample paired with the same canonical PCM and the same metadata"));

    let missing = dir.path().join("nowhere");
    for args in [
        vec!["compare", path_str(&build), "--reference", path_str(&missing)],
        vec!["compare", path_str(&missing), "--reference", path_str(&build)],
        vec!["compare", path_str(&build), "--reference", path_str(&build), "--min-correlation", "1.5"],
        vec!["compare", path_str(&build)],
    ] {
        let (code, stdout, stderr) = cameo(&args);
        assert_eq!(code, 2, "{args:?}: {stdout}{stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        if !args.contains(&"--reference") || args.len() == 2 {
            continue;
        }
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
    }
}
