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
    let temperature = temperature.to_string();
    score_report(dir, "metadata.jsonl", &samples, &lines, model, &["--temperature", &temperature])
}

/// Writes the gold samples (as `metadata_name`) and the answers, scores them with `eval score`
/// for `model` (plus `extra` arguments) and returns the report's path.
fn score_report(
    dir: &std::path::Path,
    metadata_name: &str,
    samples: &[Sample],
    lines: &str,
    model: &str,
    extra: &[&str],
) -> std::path::PathBuf {
    let metadata = dir.join(metadata_name);
    write_metadata(&metadata, samples);
    let predictions = dir.join(format!("{model}.jsonl"));
    std::fs::write(&predictions, lines).unwrap();
    let report = dir.join(format!("{model}.json"));
    let args = [
        "score",
        "--metadata",
        path_str(&metadata),
        "--predictions",
        path_str(&predictions),
        "--output",
        path_str(&report),
        "--model",
        model,
    ];
    let (ok, _, stderr) = eval(&[&args[..], extra].concat());
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

/// Three runs (seeds 1, 2, 3) of one model at one temperature: 12 samples, the first `seed`
/// answers unknown, and seed 3 also gets the last one wrong. Returns the report paths.
fn seeded_reports(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let labels = ["anger", "fear", "sadness"];
    let samples: Vec<Sample> = (0..12)
        .map(|i| Sample {
            file_id: file_id(i),
            dataset: "CREMA-D",
            language: "English",
            split: "crema_d",
            emotion: labels[i % 3],
        })
        .collect();
    let metadata = dir.join("metadata.jsonl");
    write_metadata(&metadata, &samples);
    let mut reports = Vec::new();
    for seed in 1..=3usize {
        let lines: String = (0..12)
            .map(|i| {
                let response = if i < seed {
                    "no idea"
                } else if i == 11 && seed == 3 {
                    "fear"
                } else {
                    labels[i % 3]
                };
                let line = json!({"file_id": file_id(i), "response": response, "model": "model-a",
                    "temperature": 0.0, "seed": seed, "labels_scope": "dataset", "template_version": "cameo-v1"});
                line.to_string() + "\n"
            })
            .collect();
        let predictions = dir.join(format!("seed{seed}.jsonl"));
        std::fs::write(&predictions, lines).unwrap();
        let report = dir.join(format!("seed{seed}.json"));
        let (ok, _, stderr) = eval(&[
            "score",
            "--metadata",
            path_str(&metadata),
            "--predictions",
            path_str(&predictions),
            "--output",
            path_str(&report),
        ]);
        assert!(ok, "{stderr}");
        reports.push(report);
    }
    reports
}

fn close(value: &serde_json::Value, expected: f64) {
    let got = value.as_f64().unwrap();
    assert!((got - expected).abs() <= 1e-12, "{got} != {expected}");
}

/// Expected means and sample standard deviations computed once with scikit-learn 1.9.1 and
/// numpy (`np.mean(v)`, `np.std(v, ddof=1)`) over the three runs' figures:
/// ```python
/// gold = [E[i % 3] for i in range(12)]
/// pred = ["unknown" if i < s else ("fear" if i == 11 and s == 3 else gold[i]) for i in range(12)]
/// f1_score(gold, pred, average="macro"); f1_score(gold, pred, labels=sorted(set(gold)), average="macro")
/// f1_score(gold, pred, average="weighted"); accuracy_score(gold, pred)
/// ```
#[test]
fn runs_with_other_seeds_are_averaged_with_their_spread() {
    let dir = tempfile::tempdir().unwrap();
    let reports = seeded_reports(dir.path());
    let out = dir.path().join("board");
    let mut args = vec!["leaderboard", "--out", path_str(&out), "--no-published"];
    args.extend(reports.iter().map(|p| path_str(p)));
    let (ok, stdout, stderr) = eval(&args);
    assert!(ok, "{stderr}");

    let board: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("leaderboard.json")).unwrap()).unwrap();
    assert_eq!(board["ranked_by"], "macro_f1");
    let entries = board["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "one row for the three runs");
    let row = &entries[0];
    assert_eq!(row["model"], "model-a");
    assert_eq!(row["runs"], 3);
    assert_eq!(row["seeds"], json!([1, 2, 3]));
    close(&row["macro_f1"]["mean"], 0.6537698412698413);
    close(&row["macro_f1"]["std"], 0.07601433632734336);
    close(&row["macro_f1_gold"]["mean"], 0.8716931216931217);
    close(&row["macro_f1_gold"]["std"], 0.10135244843645783);
    close(&row["weighted_f1"]["mean"], 0.8716931216931217);
    close(&row["weighted_f1"]["std"], 0.10135244843645783);
    close(&row["accuracy"]["mean"], 0.8055555555555555);
    close(&row["accuracy"]["std"], 0.1272937693043289);
    close(&row["unknown_rate"], 6.0 / 36.0);

    // The CSV, read back by an independent reader (Python's csv module).
    let csv_path = out.join("leaderboard.csv");
    let script =
        "import csv, json, sys\nrows = list(csv.DictReader(open(sys.argv[1], newline='')))\nprint(json.dumps(rows))";
    let output = std::process::Command::new("python3").args(["-c", script, path_str(&csv_path)]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let row = &rows[0];
    assert_eq!(row["model"], "model-a");
    assert_eq!(row["temperature"], "0");
    assert_eq!(row["runs"], "3");
    assert_eq!(row["n"], "12");
    for (column, expected) in [
        ("macro_f1", 0.6537698412698413),
        ("macro_f1_std", 0.07601433632734336),
        ("macro_f1_gold", 0.8716931216931217),
        ("macro_f1_gold_std", 0.10135244843645783),
        ("accuracy", 0.8055555555555555),
        ("accuracy_std", 0.1272937693043289),
    ] {
        let got: f64 = row[column].as_str().unwrap().parse().unwrap();
        assert!((got - expected).abs() <= 1e-12, "{column}: {got} != {expected}");
    }
    // The Markdown shows mean ± std and the number of runs.
    let line = stdout.lines().find(|l| l.starts_with("| model-a (0.0)")).unwrap();
    assert!(line.contains("0.6538 ± 0.0760"), "{line}");
    assert!(line.contains("0.8717 ± 0.1014"), "{line}");
    assert!(line.contains("|    3 |") || line.contains("| 3 |"), "{line}");

    // Another order of the reports gives the same bytes.
    let again = dir.path().join("again");
    let mut args = vec!["leaderboard", "--out", path_str(&again), "--no-published"];
    args.extend(reports.iter().rev().map(|p| path_str(p)));
    let (ok, _, stderr) = eval(&args);
    assert!(ok, "{stderr}");
    for file in ["leaderboard.json", "leaderboard.csv", "leaderboard.md"] {
        assert_eq!(std::fs::read(out.join(file)).unwrap(), std::fs::read(again.join(file)).unwrap(), "{file}");
    }

    // The same seed twice is the same run, not two.
    let mut args = vec!["leaderboard", "--out", path_str(&out), "--no-published"];
    args.extend([path_str(&reports[0]), path_str(&reports[1]), path_str(&reports[0])]);
    let (ok, _, stderr) = eval(&args);
    assert!(!ok);
    assert!(stderr.contains("seed 1 of model-a at temperature 0.0 is already given by"), "{stderr}");
}

#[test]
fn an_incomplete_report_names_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let incomplete = dir.path().join("incomplete.json");
    let report =
        json!({"n": 10, "overall": {"macro_f1": 0.1, "weighted_f1": 0.1, "accuracy": 0.1}, "missing": 1, "failed": 2});
    std::fs::write(&incomplete, report.to_string()).unwrap();
    let out = dir.path().join("board");
    let (ok, _, stderr) = eval(&["leaderboard", path_str(&incomplete), "--out", path_str(&out)]);
    assert!(!ok);
    assert!(stderr.contains("incomplete.json: 1 of 13 samples have no prediction, 2 failed"), "{stderr}");
    assert!(stderr.contains("--retry-failed") && stderr.contains("--allow-incomplete"), "{stderr}");
    assert!(!stderr.contains("--require-complete"), "{stderr}");
}

/// A two-label dataset X answered perfectly, and a seven-label dataset Y where the model gets
/// anger and fear right (`knows_x_labels`) or wrong, and every other label wrong.
fn two_dataset_report(dir: &std::path::Path, model: &str, knows_x_labels: bool) -> std::path::PathBuf {
    let mut samples = Vec::new();
    let mut lines = String::new();
    for i in 0..10 {
        let gold = ["anger", "fear"][i % 2];
        samples.push(Sample { file_id: file_id(i), dataset: "X", language: "English", split: "x", emotion: gold });
        lines.push_str(&(json!({"file_id": file_id(i), "response": gold}).to_string() + "\n"));
    }
    for i in 0..14 {
        let gold = EMOTIONS[i % 7];
        let right = knows_x_labels && (gold == "anger" || gold == "fear");
        let response = if right { gold.to_string() } else { format!("it is {}", EMOTIONS[(i + 3) % 7]) };
        let id = file_id(100 + i);
        samples.push(Sample { file_id: id.clone(), dataset: "Y", language: "Polish", split: "y", emotion: gold });
        lines.push_str(&(json!({"file_id": id, "response": response}).to_string() + "\n"));
    }
    score_report(dir, &format!("{model}-metadata.jsonl"), &samples, &lines, model, &[])
}

/// The contamination flag compares a dataset with the same model on the same labels
/// elsewhere, not with its overall macro F1 over many more labels.
#[test]
fn contamination_compares_like_with_like() {
    let dir = tempfile::tempdir().unwrap();
    let knows = two_dataset_report(dir.path(), "knows", true);
    let only_x = two_dataset_report(dir.path(), "only-x", false);
    // The overall macro F1 of "knows" is far below X's 1.0: the old rule would flag X.
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&knows).unwrap()).unwrap();
    assert!(report["overall"]["macro_f1"].as_f64().unwrap() < 0.6, "{}", report["overall"]);
    assert_eq!(report["by_dataset"]["X"]["others_macro_f1_gold"], 1.0);
    let out = dir.path().join("board");
    let (ok, stdout, stderr) =
        eval(&["leaderboard", path_str(&knows), path_str(&only_x), "--out", path_str(&out), "--no-published"]);
    assert!(ok, "{stderr}");
    let board: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("leaderboard.json")).unwrap()).unwrap();
    let entry =
        |model: &str| board["entries"].as_array().unwrap().iter().find(|e| e["model"] == model).unwrap().clone();
    assert_eq!(entry("knows")["possible_contamination"], json!([]));
    let flags = entry("only-x")["possible_contamination"].clone();
    assert_eq!(flags, json!([{"dataset": "X", "dataset_macro_f1": 1.0, "reference_macro_f1": 0.0}]));
    let row = stdout.lines().find(|l| l.starts_with("| only-x (n/s)")).unwrap();
    assert!(row.contains("X 1.00"), "{row}");
    let row = stdout.lines().find(|l| l.starts_with("| knows (n/s)")).unwrap();
    assert!(row.contains("| none"), "{row}");
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
