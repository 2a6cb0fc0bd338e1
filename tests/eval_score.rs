//! `cameo eval score` and `cameo eval parse` end to end, on generated metadata and predictions.
mod eval_common;

use eval_common::{eval, file_id, path_str, read_json, read_lines, write_metadata, Sample};
use serde_json::{json, Value};

/// (dataset, language, gold, response, prediction post-processing must pick).
const ROWS: [(&str, &str, &str, &str, &str); 22] = [
    ("CREMA-D", "English", "anger", "anger", "anger"),
    ("CREMA-D", "English", "anger", "Angry.", "anger"),
    ("CREMA-D", "English", "disgust", "disgusted", "disgust"),
    ("CREMA-D", "English", "fear", "The answer is sadness.", "sadness"),
    ("CREMA-D", "English", "happiness", "happy", "happiness"),
    ("CREMA-D", "English", "neutral", "neutral", "neutral"),
    ("CREMA-D", "English", "sadness", "no idea", "unknown"),
    ("CREMA-D", "English", "sadness", "sad", "sadness"),
    ("RAVDESS", "English", "calm", "calm", "calm"),
    ("RAVDESS", "English", "calm", "neutral", "neutral"),
    ("RAVDESS", "English", "surprise", "Surprised!", "surprise"),
    ("RAVDESS", "English", "fear", "fearful", "fear"),
    ("RAVDESS", "English", "anger", "disgust", "disgust"),
    ("RAVDESS", "English", "neutral", "neutral", "neutral"),
    ("RAVDESS", "English", "disgust", "I'd say disgust", "disgust"),
    ("nEMO", "Polish", "anger", "anger", "anger"),
    ("nEMO", "Polish", "fear", "anger", "anger"),
    ("nEMO", "Polish", "happiness", "SADNESS", "sadness"),
    ("nEMO", "Polish", "neutral", "neutral", "neutral"),
    ("nEMO", "Polish", "sadness", "sadness", "sadness"),
    ("nEMO", "Polish", "surprise", "I can't tell", "unknown"),
    ("nEMO", "Polish", "surprise", "surprise", "surprise"),
];

fn split_of(dataset: &str) -> &'static str {
    match dataset {
        "CREMA-D" => "crema_d",
        "RAVDESS" => "ravdess",
        _ => "nemo",
    }
}

/// Writes metadata for ROWS plus `extra_gold` samples without predictions, and predictions in
/// reverse order (scoring must not depend on it).
fn fixture(dir: &std::path::Path, extra_gold: usize) -> (String, String) {
    let mut samples: Vec<Sample> = ROWS
        .iter()
        .enumerate()
        .map(|(i, (dataset, language, gold, _, _))| Sample {
            file_id: file_id(i),
            dataset,
            language,
            split: split_of(dataset),
            emotion: gold,
        })
        .collect();
    for k in 0..extra_gold {
        samples.push(Sample {
            file_id: file_id(1000 + k),
            dataset: "nEMO",
            language: "Polish",
            split: "nemo",
            emotion: "anger",
        });
    }
    let metadata = dir.join("metadata.jsonl");
    write_metadata(&metadata, &samples);
    let predictions = dir.join("predictions.jsonl");
    let text: String = ROWS
        .iter()
        .enumerate()
        .rev()
        .map(|(i, row)| {
            json!({"file_id": file_id(i), "response": row.3, "model": "m-1", "temperature": 0.0}).to_string() + "\n"
        })
        .collect();
    std::fs::write(&predictions, text).unwrap();
    (path_str(&metadata).to_string(), path_str(&predictions).to_string())
}

fn close(value: &Value, expected: f64) {
    let got = value.as_f64().unwrap();
    assert!((got - expected).abs() <= 1e-12, "{got} != {expected}");
}

/// Expected figures computed once with scikit-learn 1.9.1 from ROWS (gold, prediction):
/// ```python
/// from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
/// def figs(sub):
///     g = [r[2] for r in sub]; p = [r[4] for r in sub]
///     return (f1_score(g, p, average="macro"), f1_score(g, p, average="weighted"),
///             accuracy_score(g, p))
/// figs(rows)                                   # overall
/// figs([r for r in rows if r[1] == "English"]) # and so on per language and dataset
/// labels = sorted(set(g) | set(p))
/// precision_recall_fscore_support(g, p, labels=labels, zero_division=0)
/// # macro F1 over the gold labels only, per group as above:
/// f1_score(g, p, labels=sorted(set(g)), average="macro")
/// ```
#[test]
fn score_matches_scikit_learn() {
    let dir = tempfile::tempdir().unwrap();
    let (metadata, predictions) = fixture(dir.path(), 0);
    let report = dir.path().join("report.json");
    let parsed = dir.path().join("parsed.jsonl");
    let markdown = dir.path().join("report.md");
    let (ok, stdout, stderr) = eval(&[
        "score",
        "--metadata",
        &metadata,
        "--predictions",
        &predictions,
        "--output",
        path_str(&report),
        "--parsed",
        path_str(&parsed),
        "--markdown",
        path_str(&markdown),
        "--require-complete",
    ]);
    assert!(ok, "{stderr}");
    let r = read_json(&report);
    assert_eq!(r["n"], 22);
    assert_eq!(r["missing"], 0);
    assert_eq!(r["unknown"], 2);
    assert_eq!(r["model"], "m-1");
    close(&r["overall"]["macro_f1"], 0.6235449735449736);
    close(&r["overall"]["weighted_f1"], 0.7023809523809524);
    close(&r["overall"]["accuracy"], 0.6818181818181818);
    let groups = [
        ("by_language", "English", 15, 0.6925925925925926, 0.7511111111111111, 0.7333333333333333),
        ("by_language", "Polish", 7, 0.4285714285714285, 0.5238095238095237, 0.5714285714285714),
        ("by_dataset", "CREMA-D", 8, 0.6428571428571429, 0.75, 0.75),
        ("by_dataset", "RAVDESS", 7, 0.6666666666666666, 0.6666666666666666, 0.7142857142857143),
        ("by_dataset", "nEMO", 7, 0.4285714285714285, 0.5238095238095237, 0.5714285714285714),
    ];
    for (breakdown, name, n, macro_f1, weighted_f1, accuracy) in groups {
        let g = &r[breakdown][name];
        assert_eq!(g["n"], n, "{breakdown} {name}");
        close(&g["macro_f1"], macro_f1);
        close(&g["weighted_f1"], weighted_f1);
        close(&g["accuracy"], accuracy);
    }
    // Both macro-F1 conventions side by side, and the share of answers mapped to unknown.
    close(&r["overall"]["macro_f1_gold"], 0.7014880952380953);
    close(&r["overall"]["unknown_rate"], 2.0 / 22.0);
    let gold_only = [
        ("by_language", "English", 0.7791666666666667, 1.0 / 15.0),
        ("by_language", "Polish", 0.49999999999999994, 1.0 / 7.0),
        ("by_dataset", "CREMA-D", 0.75, 1.0 / 8.0),
        ("by_dataset", "RAVDESS", 0.6666666666666666, 0.0),
        ("by_dataset", "nEMO", 0.49999999999999994, 1.0 / 7.0),
    ];
    for (breakdown, name, macro_f1_gold, unknown_rate) in gold_only {
        close(&r[breakdown][name]["macro_f1_gold"], macro_f1_gold);
        close(&r[breakdown][name]["unknown_rate"], unknown_rate);
    }
    assert_eq!(r["failed"], 0);
    assert_eq!(r["truncated"], 0);
    // The like-with-like reference of the contamination check: macro F1 (gold labels) on the
    // other datasets' samples whose gold label is one of this dataset's labels. scikit-learn:
    // `sub = [r for r in rows if r[0] != ds and r[2] in labels_of(ds)]`, then
    // `f1_score(g, p, labels=sorted(set(g)), average="macro")` on `sub`.
    close(&r["by_dataset"]["CREMA-D"]["others_macro_f1_gold"], 0.5833333333333333);
    close(&r["by_dataset"]["RAVDESS"]["others_macro_f1_gold"], 0.7047619047619047);
    close(&r["by_dataset"]["nEMO"]["others_macro_f1_gold"], 0.8277777777777778);
    assert!(r["by_language"]["English"].get("others_macro_f1_gold").is_none());
    let emotions = [
        ("anger", 0.75, 0.75, 0.75, 4),
        ("calm", 1.0, 0.5, 0.6666666666666666, 2),
        ("disgust", 0.6666666666666666, 1.0, 0.8, 2),
        ("fear", 1.0, 0.3333333333333333, 0.5, 3),
        ("happiness", 1.0, 0.5, 0.6666666666666666, 2),
        ("neutral", 0.75, 1.0, 0.8571428571428571, 3),
        ("sadness", 0.5, 0.6666666666666666, 0.5714285714285714, 3),
        ("surprise", 1.0, 0.6666666666666666, 0.8, 3),
        ("unknown", 0.0, 0.0, 0.0, 0),
    ];
    assert_eq!(r["by_emotion"].as_object().unwrap().len(), emotions.len());
    for (label, precision, recall, f1, support) in emotions {
        let e = &r["by_emotion"][label];
        close(&e["precision"], precision);
        close(&e["recall"], recall);
        close(&e["f1"], f1);
        assert_eq!(e["support"], support);
    }
    // The parsed labels, in metadata order.
    let lines = read_lines(&parsed);
    assert_eq!(lines.len(), ROWS.len());
    for (i, (line, row)) in lines.iter().zip(ROWS.iter()).enumerate() {
        assert_eq!(line["file_id"], file_id(i));
        assert_eq!(line["emotion"], row.2);
        assert_eq!(line["prediction"], row.4, "response {:?}", row.3);
    }
    // Confusion matrix of RAVDESS: rows gold, columns predicted, labels sorted.
    let ravdess = &r["confusion"]["by_dataset"]["RAVDESS"];
    assert_eq!(ravdess["labels"], json!(["anger", "calm", "disgust", "fear", "neutral", "surprise"]));
    assert_eq!(ravdess["counts"][1], json!([0, 1, 0, 0, 1, 0]));
    assert!(stdout.contains("overall"), "{stdout}");
    assert!(stdout.contains("0.6235"), "{stdout}");
    assert!(stdout.contains("macro F1 (gold)") && stdout.contains("0.7015"), "{stdout}");
    let md = std::fs::read_to_string(&markdown).unwrap();
    assert!(md.contains("| English "), "{md}");
}

#[test]
fn score_is_deterministic_and_counts_missing() {
    let dir = tempfile::tempdir().unwrap();
    let (metadata, predictions) = fixture(dir.path(), 3);
    let first = dir.path().join("a.json");
    let second = dir.path().join("b.json");
    for out in [&first, &second] {
        let (ok, _, stderr) = eval(&[
            "score",
            "--metadata",
            &metadata,
            "--predictions",
            &predictions,
            "--output",
            path_str(out),
            "--by-language-dataset",
        ]);
        assert!(ok, "{stderr}");
    }
    let a = std::fs::read(&first).unwrap();
    assert_eq!(a, std::fs::read(&second).unwrap());
    let r = read_json(&first);
    assert_eq!(r["missing"], 3);
    assert_eq!(r["n"], 22);
    assert_eq!(r["by_language_dataset"]["English/RAVDESS"]["n"], 7);

    let (ok, _, stderr) = eval(&[
        "score",
        "--metadata",
        &metadata,
        "--predictions",
        &predictions,
        "--output",
        path_str(&first),
        "--require-complete",
    ]);
    assert!(!ok);
    assert!(stderr.contains("predictions.jsonl: 3 of 25 samples have no prediction"), "{stderr}");
}

#[test]
fn collection_scope_offers_every_label() {
    let dir = tempfile::tempdir().unwrap();
    let (metadata, predictions) = fixture(dir.path(), 0);
    let report = dir.path().join("r.json");
    let parsed = dir.path().join("p.jsonl");
    let (ok, _, stderr) = eval(&[
        "score",
        "--metadata",
        &metadata,
        "--predictions",
        &predictions,
        "--output",
        path_str(&report),
        "--parsed",
        path_str(&parsed),
        "--labels-scope",
        "collection",
    ]);
    assert!(ok, "{stderr}");
    // "no idea" is still unknown; the per-dataset candidate sets did not matter elsewhere.
    assert_eq!(read_lines(&parsed)[6]["prediction"], "unknown");
    assert_eq!(read_json(&report)["labels_scope"], "collection");
}

/// Each bad input gives exit status 1 and one line naming the file and line.
#[test]
fn bad_inputs_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let (metadata, _) = fixture(dir.path(), 0);
    let good = |i: usize, response: &str| json!({"file_id": file_id(i), "response": response}).to_string();
    let cases: Vec<(String, &str)> = vec![
        (format!("{}\n{{\"file_id\": \n", good(0, "anger")), "bad.jsonl:2: malformed JSON"),
        (
            format!("{}\n{}\n", good(0, "anger"), json!({"file_id": "nope.flac", "response": "x"})),
            "bad.jsonl:2: file_id nope.flac is not in the metadata",
        ),
        (
            format!("{}\n{}\n", good(0, "anger"), good(0, "fear")),
            "bad.jsonl:2: file_id 0000000000000000000000000000000000000000000000000000000000000000.flac was already predicted on line 1",
        ),
        (String::new(), "bad.jsonl: empty predictions file"),
        (
            format!("{}\n", json!({"file_id": file_id(0), "response": ["anger"]})),
            "bad.jsonl:1: `response` must be a string, found an array",
        ),
        (
            format!("{}\n", json!({"file_id": file_id(0), "response": null})),
            "bad.jsonl:1: `response` must be a string, found null",
        ),
    ];
    let bad = dir.path().join("bad.jsonl");
    let report = dir.path().join("r.json");
    for (text, expected) in cases {
        std::fs::write(&bad, text).unwrap();
        let (ok, _, stderr) =
            eval(&["score", "--metadata", &metadata, "--predictions", path_str(&bad), "--output", path_str(&report)]);
        assert!(!ok);
        assert!(stderr.contains(expected), "{stderr:?} lacks {expected:?}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    }
    // Metadata without an emotion column.
    let no_emotion = dir.path().join("meta.jsonl");
    std::fs::write(
        &no_emotion,
        format!("{}\n", json!({"file_id": file_id(0), "audio": "audio/x/a", "dataset": "X", "language": "English"})),
    )
    .unwrap();
    std::fs::write(&bad, good(0, "anger") + "\n").unwrap();
    let (ok, _, stderr) = eval(&[
        "score",
        "--metadata",
        path_str(&no_emotion),
        "--predictions",
        path_str(&bad),
        "--output",
        path_str(&report),
    ]);
    assert!(!ok);
    assert!(stderr.contains("meta.jsonl:1: missing column `emotion`"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1);
}

#[test]
fn parse_prints_the_chosen_label() {
    let labels = "--labels=anger,disgust,fear,happiness,neutral,sadness,surprise";
    for (response, expected) in [
        ("The answer is sadness.", "sadness"),
        ("  HAPPINESS ", "happiness"),
        ("I'm happy", "happiness"),
        ("¯\\_(ツ)_/¯", "unknown"),
    ] {
        let (ok, stdout, stderr) = eval(&["parse", labels, response]);
        assert!(ok, "{stderr}");
        assert_eq!(stdout, format!("{expected}\n"));
    }
    let (ok, _, stderr) = eval(&["parse", "--labels", "anger,fear,anger", "x"]);
    assert!(!ok);
    assert_eq!(stderr, "error: --labels: label \"anger\" is given twice (positions 1 and 3)\n");
}

#[test]
fn parse_takes_a_leading_dash_upper_case_labels_and_python_whitespace() {
    let (ok, stdout, stderr) = eval(&["parse", "--labels", "anger,fear", "-angry"]);
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "anger\n");
    let (ok, stdout, stderr) = eval(&["parse", "--labels", "Anger,FEAR", "Fear"]);
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "fear\n");
    // U+001C splits words as Python's str.split does: "disgust" and "anger" each score 1.0
    // and the tie goes to "anger"; read as one word "disgustanger" it would pick "disgust".
    let (ok, stdout, stderr) = eval(&["parse", "--labels", "disgust,anger,fear", "disgust\u{1c}anger"]);
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "anger\n");
}

#[test]
fn json_flag_prints_the_report_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let (metadata, predictions) = fixture(dir.path(), 0);
    let report = dir.path().join("r.json");
    let (ok, stdout, stderr) = eval(&[
        "score",
        "--metadata",
        &metadata,
        "--predictions",
        &predictions,
        "--output",
        path_str(&report),
        "--json",
    ]);
    assert!(ok, "{stderr}");
    assert_eq!(stdout, std::fs::read_to_string(&report).unwrap());
    let value: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(value["n"], 22);
}

/// `eval score` takes the label scope the answers were asked with from the results, and
/// refuses another.
#[test]
fn label_scope_comes_from_the_results() {
    let dir = tempfile::tempdir().unwrap();
    let (metadata, predictions) = fixture(dir.path(), 0);
    let text = std::fs::read_to_string(&predictions).unwrap();
    let scoped: String = text
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            v["labels_scope"] = json!("collection");
            v.to_string() + "\n"
        })
        .collect();
    std::fs::write(&predictions, scoped).unwrap();
    let report = dir.path().join("r.json");
    let base = ["score", "--metadata", &metadata, "--predictions", &predictions, "--output", path_str(&report)];
    let (ok, _, stderr) = eval(&base);
    assert!(ok, "{stderr}");
    assert_eq!(read_json(&report)["labels_scope"], "collection");
    let mut args = base.to_vec();
    args.extend(["--labels-scope", "collection"]);
    assert!(eval(&args).0);
    let mut args = base.to_vec();
    args.extend(["--labels-scope", "dataset"]);
    let (ok, _, stderr) = eval(&args);
    assert!(!ok);
    assert!(
        stderr.contains("predictions.jsonl: the answers were asked with --labels-scope collection, not dataset"),
        "{stderr}"
    );
    // An unknown scope in the results is named.
    std::fs::write(&predictions, text.replace("\"temperature\"", "\"labels_scope\":\"world\",\"temperature\""))
        .unwrap();
    let (ok, _, stderr) = eval(&base);
    assert!(!ok);
    assert!(stderr.contains("labels_scope \"world\" is neither `dataset` nor `collection`"), "{stderr}");
}
