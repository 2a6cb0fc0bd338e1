//! `cameo eval leaderboard` end to end: reports from `cameo eval score` ranked beside the
//! paper's figures, with the contamination column and the PNG plots.
mod eval_common;

use eval_common::{eval, file_id, path_str, write_metadata, Sample};
use serde_json::json;

const EMOTIONS: [&str; 7] = ["anger", "disgust", "fear", "happiness", "neutral", "sadness", "surprise"];

/// Metadata with three datasets; predictions right on all of CREMA-D (a "contaminated"
/// dataset) and right on every third sample elsewhere. Returns the report path.
fn scored_report(dir: &std::path::Path, model: &str, temperature: f64) -> std::path::PathBuf {
    let datasets = [("CREMA-D", "English", "crema_d"), ("nEMO", "Polish", "nemo"), ("CaFE", "French", "cafe")];
    let mut samples = Vec::new();
    let mut lines = String::new();
    for (d, (dataset, language, split)) in datasets.iter().enumerate() {
        for i in 0..70 {
            let index = d * 1000 + i;
            let gold = EMOTIONS[i % 7];
            let response = if *dataset == "CREMA-D" || i % 3 == 0 {
                gold.to_string()
            } else {
                format!("I think it is {}", EMOTIONS[(i + 1) % 7])
            };
            samples.push(Sample { file_id: file_id(index), dataset, language, split, emotion: gold });
            lines.push_str(&json!({"file_id": file_id(index), "response": response}).to_string());
            lines.push('\n');
        }
    }
    let metadata = dir.join("metadata.jsonl");
    write_metadata(&metadata, &samples);
    let predictions = dir.join(format!("{model}.jsonl"));
    std::fs::write(&predictions, lines).unwrap();
    let report = dir.join(format!("{model}.json"));
    let (ok, _, stderr) = eval(&[
        "score",
        "--metadata",
        path_str(&metadata),
        "--predictions",
        path_str(&predictions),
        "--output",
        path_str(&report),
        "--model",
        model,
        "--temperature",
        &temperature.to_string(),
    ]);
    assert!(ok, "{stderr}");
    report
}

fn is_png(path: &std::path::Path) -> bool {
    std::fs::read(path).map(|b| b.starts_with(b"\x89PNG\r\n\x1a\n") && b.len() > 1000).unwrap_or(false)
}

#[test]
fn leaderboard_tables_plots_and_contamination() {
    let dir = tempfile::tempdir().unwrap();
    let report = scored_report(dir.path(), "my-model", 0.0);
    let out = dir.path().join("board");
    let (ok, stdout, stderr) = eval(&["leaderboard", path_str(&report), "--out", path_str(&out)]);
    assert!(ok, "{stderr}");
    let md = std::fs::read_to_string(out.join("leaderboard.md")).unwrap();
    assert_eq!(md, stdout);
    for heading in [
        "## Overall (Table 4)",
        "## Macro F1 per language (Table 5)",
        "## F1 per primary emotion (Table 6)",
        "## Contamination check (margin 0.30)",
    ] {
        assert!(md.contains(heading), "{heading} missing:\n{md}");
    }
    // Our row is flagged for CREMA-D (macro F1 1.0, far above its overall figure).
    let row = md.lines().find(|l| l.starts_with("| my-model (0.0)")).unwrap();
    assert!(row.contains("CREMA-D 1.00"), "{row}");
    // The paper's rows and its contamination case are there.
    assert!(md.contains("| Qwen2-Audio-7B-Instruct (0.0)"));
    assert!(md.contains("0.2023"));
    let flagged = |model: &str, dataset: &str| {
        md.lines().any(|l| l.starts_with(&format!("| {model} (n/s)")) && l.contains(dataset))
    };
    assert!(flagged("Qwen2-Audio-7B-Instruct", "| CREMA-D"));
    assert!(flagged("Qwen2-Audio-7B-Instruct", "| RAVDESS"));
    assert!(flagged("Qwen2-Audio-7B-Instruct", "| eNTERFACE"));
    assert!(flagged("ultravox-v0.5-llama-3.1-8b", "| eNTERFACE"));
    assert!(flagged("ultravox-v0.5-llama-3.1-8b", "| Oréau"));
    assert!(is_png(&out.join("per_language.png")));
    assert!(is_png(&out.join("confusion-my-model-0.0.png")));
    assert!(md.contains("![Macro F1 per language](per_language.png)"));
}

#[test]
fn leaderboard_without_published_rows_and_with_a_higher_margin() {
    let dir = tempfile::tempdir().unwrap();
    let a = scored_report(dir.path(), "model-a", 0.0);
    let b = scored_report(dir.path(), "model-b", 0.7);
    let out = dir.path().join("board");
    let (ok, stdout, stderr) = eval(&[
        "leaderboard",
        path_str(&a),
        path_str(&b),
        "--out",
        path_str(&out),
        "--no-published",
        "--contamination-margin",
        "0.9",
    ]);
    assert!(ok, "{stderr}");
    assert!(!stdout.contains("Qwen2"));
    assert!(stdout.contains("| model-a (0.0)"));
    assert!(stdout.contains("| model-b (0.7)"));
    assert!(stdout.contains("No dataset exceeds"));
}

#[test]
fn bad_or_incomplete_reports_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"n\": 3}").unwrap();
    let out = dir.path().join("board");
    let (ok, _, stderr) = eval(&["leaderboard", path_str(&bad), "--out", path_str(&out)]);
    assert!(!ok);
    assert!(stderr.contains("bad.json: not a cameo eval report"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1);

    let incomplete = dir.path().join("incomplete.json");
    let report = json!({"n": 10, "overall": {"macro_f1": 0.1, "weighted_f1": 0.1, "accuracy": 0.1}, "missing": 2});
    std::fs::write(&incomplete, report.to_string()).unwrap();
    let (ok, _, stderr) = eval(&["leaderboard", path_str(&incomplete), "--out", path_str(&out)]);
    assert!(!ok);
    assert!(stderr.contains("incomplete.json: 2 of 12 samples have no prediction"), "{stderr}");
    let (ok, _, stderr) = eval(&["leaderboard", path_str(&incomplete), "--out", path_str(&out), "--allow-incomplete"]);
    assert!(ok, "{stderr}");
}

#[test]
fn leaderboard_plots_as_svg_parse_as_xml() {
    let dir = tempfile::tempdir().unwrap();
    let report = scored_report(dir.path(), "my-model", 0.0);
    let out = dir.path().join("board");
    let (ok, _, stderr) = eval(&["leaderboard", path_str(&report), "--out", path_str(&out), "--svg"]);
    assert!(ok, "{stderr}");
    let md = std::fs::read_to_string(out.join("leaderboard.md")).unwrap();
    assert!(md.contains("![Macro F1 per language](per_language.svg)"), "{md}");
    assert!(!out.join("per_language.png").exists());
    let describe = |file: &str| {
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/check_svg.py");
        let output = std::process::Command::new("python3").arg(script).arg(out.join(file)).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };
    let bars = describe("per_language.svg");
    assert_eq!(bars["root"], "svg");
    let texts: Vec<&str> = bars["texts"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    for label in ["Macro F1 per language", "English", "Polish", "French", "my-model"] {
        assert!(texts.iter().any(|t| t.contains(label)), "{label} in {texts:?}");
    }
    let heatmap = describe("confusion-my-model-0.0.svg");
    let texts: Vec<&str> = heatmap["texts"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    // 7 gold labels in rows and columns, and a cell per label pair at least (plus their grid lines).
    for emotion in EMOTIONS {
        assert_eq!(texts.iter().filter(|t| **t == emotion).count(), 2, "{emotion} in {texts:?}");
    }
    assert!(heatmap["tags"]["rect"].as_u64().unwrap() >= 2 * 49, "{heatmap}");
}
