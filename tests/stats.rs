//! `cameo stats`: the figures of cameo-format.md for a build, its QA section (silent and
//! clipped samples from build.json, duration outliers), the `--plot` PNG, and one-line errors
//! naming a missing file.
mod hub_common;

use cameo::fixtures::wav::{encode, WavSpec};
use cameo::fixtures::{cafe, crema_d, signal::speechlike, write_file};
use hub_common::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const SILENT: &str = "AudioWAV/1076_MTI_SAD_XX.wav";
const CLIPPED: &str = "AudioWAV/1001_DFA_ANG_XX.wav";
const LONG: &str = "AudioWAV/1002_DFA_SAD_XX.wav";

/// CREMA-D actors 1001 (1.0 s files) and 1002 (2.0 s files) with a clipped file, a 12 s file
/// and the silent 1076_MTI_SAD_XX.wav; CaFE actor 01 (0.3 s files, 48 kHz).
fn qa_build(dir: &Path) -> PathBuf {
    let raw = dir.join("raw");
    let crema = raw.join("crema_d");
    let names = crema_d::population(1001..=1002);
    let (first, second): (Vec<String>, Vec<String>) = names.into_iter().partition(|n| n.contains("/1001_"));
    crema_d::write_population(&crema, &first, 1.0).unwrap();
    crema_d::write_population(&crema, &second, 2.0).unwrap();
    let wav = |samples: Vec<f64>| encode(&WavSpec::int(16, 1, 16_000), &Default::default(), &[samples]);
    let loud: Vec<f64> = speechlike(7, 16_000, 1.0).iter().map(|x| (x * 8.0).clamp(-1.0, 1.0)).collect();
    write_file(&crema, CLIPPED, &wav(loud)).unwrap();
    write_file(&crema, LONG, &wav(speechlike(8, 16_000, 12.0))).unwrap();
    write_file(&crema, SILENT, &wav(vec![0.0; 8_000])).unwrap();
    cafe::write_population(&raw.join("cafe"), &cafe::population(1..=1), 0.3).unwrap();
    let out = dir.join("build");
    build(&raw, &out);
    out
}

fn close(value: &Value, expected: f64) -> bool {
    value.as_f64().is_some_and(|v| (v - expected).abs() < 1e-9)
}

#[test]
fn stats_give_the_figures_the_qa_and_a_plot_of_a_build() {
    let dir = tempfile::tempdir().unwrap();
    let out = qa_build(dir.path());
    let records = records(&out);
    let file_id = |source: &str| records.iter().find(|r| r.source == source).unwrap().file_id.clone();
    let plot = dir.path().join("stats.png");
    let (code, stdout, stderr) = cameo(&["stats", path_str(&out), "--json", "--plot", path_str(&plot)]);
    assert_eq!(code, 0, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();

    // 78 CaFE files of 0.3 s; CREMA-D: 82 of 1.0 s, 81 of 2.0 s, one of 12 s, the silent 0.5 s.
    let (cafe_seconds, crema_seconds) = (78.0 * 0.3, 82.0 + 81.0 * 2.0 + 12.0 + 0.5);
    assert_eq!(report["samples"], json!(243));
    assert!(close(&report["hours"], (cafe_seconds + crema_seconds) / 3600.0), "{}", report["hours"]);
    let corpora: Vec<Value> = report["corpora"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            json!([
                g["name"],
                g["samples"],
                g["speakers"],
                g["with_speaker_id"],
                g["with_gender"],
                g["female"],
                g["male"]
            ])
        })
        .collect();
    // Actors 1002 and 1076 (the silent file) are female, 1001 male (VideoDemographics.csv).
    assert_eq!(corpora, vec![json!(["CaFE", 78, 1, 78, 78, 0, 78]), json!(["CREMA-D", 165, 3, 165, 165, 83, 82])]);
    assert!(close(&report["corpora"][0]["hours"], cafe_seconds / 3600.0));
    assert!(close(&report["corpora"][1]["hours"], crema_seconds / 3600.0));
    assert!(close(&report["corpora"][1]["share"], 100.0 * 165.0 / 243.0));
    let languages: Vec<Value> =
        report["languages"].as_array().unwrap().iter().map(|g| json!([g["name"], g["samples"]])).collect();
    assert_eq!(languages, vec![json!(["English", 165]), json!(["French", 78])]);
    let emotions: Vec<Value> =
        report["emotions"].as_array().unwrap().iter().map(|c| json!([c["name"], c["samples"]])).collect();
    assert_eq!(
        emotions,
        [
            ("sadness", 41),
            ("anger", 40),
            ("disgust", 40),
            ("fear", 40),
            ("happiness", 40),
            ("neutral", 30),
            ("surprise", 12)
        ]
        .iter()
        .map(|(name, n)| json!([name, n]))
        .collect::<Vec<_>>()
    );
    let overall = &report["overall"];
    assert_eq!(
        json!([
            overall["speakers"],
            overall["with_speaker_id"],
            overall["with_gender"],
            overall["female"],
            overall["male"]
        ]),
        json!([4, 243, 243, 83, 160])
    );
    let durations = &report["durations"];
    for (key, expected) in [("min", 0.3), ("p25", 0.3), ("median", 1.0), ("p75", 2.0), ("max", 12.0)] {
        assert!(close(&durations[key], expected), "{key}: {}", durations[key]);
    }
    assert!(close(&durations["mean"], (cafe_seconds + crema_seconds) / 243.0));

    let flagged = |source: &str| json!([{"split": "crema_d", "file_id": file_id(source), "source": source}]);
    assert_eq!(report["qa"]["silent"], flagged(SILENT));
    assert_eq!(report["qa"]["clipped"], flagged(CLIPPED));
    // CREMA-D: Q1 1.0 s, Q3 2.0 s, spread 1.0 s, fences [-2, 5] s. CaFE: all 0.3 s, fences [0.21, 0.39] s.
    assert_eq!(
        report["qa"]["duration_outliers"],
        json!([{"split": "crema_d", "file_id": file_id(LONG), "source": LONG, "duration": 12.0, "low": -2.0, "high": 5.0}])
    );

    // The PNG: three panels, 1400 x 1520.
    let png = std::fs::read(&plot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (1400, 1520));

    // The same plot as SVG (the name ends in .svg), read back by Python's XML parser: the three
    // panels' titles, every language and emotion under its bar, one bar per category and bin.
    let svg = dir.path().join("stats.svg");
    let (code, _, stderr) = cameo(&["stats", path_str(&out), "--plot", path_str(&svg)]);
    assert_eq!(code, 0, "{stderr}");
    let parsed = python_check("check_svg.py", &[&svg], &dir.path().join("hf"));
    assert_eq!((&parsed["root"], &parsed["namespace"]), (&json!("svg"), &json!(true)));
    assert_eq!((&parsed["width"], &parsed["height"]), (&json!("1400"), &json!("1520")));
    let texts: Vec<&str> = parsed["texts"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    for label in ["Samples per language", "Samples per emotion", "English", "French", "anger", "sadness", "seconds"] {
        assert!(texts.contains(&label), "{label} in {texts:?}");
    }
    assert!(texts.iter().any(|t| t.starts_with("Sample durations (243 samples")), "{texts:?}");
    // Bars: 2 languages + 7 emotions + the histogram's filled bins, each a <rect>, plus the background.
    assert!(parsed["tags"]["rect"].as_u64().unwrap() >= 1 + 2 + 7 + 3, "{parsed}");

    // The text form.
    let (code, text, _) = cameo(&["stats", path_str(&out)]);
    assert_eq!(code, 0);
    for line in [
        "samples: 243".to_string(),
        "corpora: 2, languages: 2, emotions: 7".to_string(),
        "with gender: 100.0% (female 34.2%, male 65.8%)".to_string(),
        "silent samples: 1".to_string(),
        format!("  crema_d: {SILENT} ({})", file_id(SILENT)),
        format!("  crema_d: {CLIPPED} ({})", file_id(CLIPPED)),
        format!("  crema_d: {LONG} 12.00 s, outside 0.00-5.00 s ({})", file_id(LONG)),
    ] {
        assert!(text.lines().any(|l| l == line), "missing line {line:?} in\n{text}");
    }
}

#[test]
fn stats_name_a_missing_file_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = ravdess_build(dir.path(), 0.05);
    for name in ["build.json", "metadata.jsonl"] {
        std::fs::remove_file(out.join(name)).unwrap();
        let (code, _, stderr) = cameo(&["stats", path_str(&out)]);
        assert_eq!(code, 1);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with(&format!("error: {}: cannot read", out.join(name).display())), "{stderr}");
    }
}
