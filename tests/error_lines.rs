//! Every subcommand given bad input answers with exactly one line on stderr, the cause said
//! once, no Rust debug text, no panic, and the documented exit code (README, "Exit codes"):
//! 1 for a missing, unreadable or bad file, 2 for a command line that is wrong.
mod common;

use common::*;
use std::path::Path;

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Runs the case and checks the contract; returns stderr's one line.
fn check(args: &[&str], code: i32, needles: &[&str]) -> String {
    let (actual, stdout, stderr) = run_cameo(args);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(actual, code, "{args:?}: exit {actual}\nstdout: {stdout}\nstderr: {stderr}");
    assert_eq!(lines.len(), 1, "{args:?}: not one line:\n{stderr}");
    let line = lines[0];
    assert!(line.starts_with("error: "), "{args:?}: {line}");
    assert!(!line.contains("panicked"), "{args:?}: {line}");
    for debug in ["Os {", "kind: ", "Error(", "Custom {", "\\n"] {
        assert!(!line.contains(debug), "{args:?}: debug text {debug:?} in: {line}");
    }
    // A cause is said once: no "(os error N)" twice, no phrase of four words or more repeated.
    assert!(line.matches("(os error").count() <= 1, "{args:?}: {line}");
    let parts: Vec<&str> = line.split(": ").filter(|part| part.split_whitespace().count() >= 4).collect();
    for (i, part) in parts.iter().enumerate() {
        assert!(!parts[i + 1..].contains(part), "{args:?}: '{part}' repeated in: {line}");
    }
    for needle in needles {
        assert!(line.contains(needle), "{args:?}: '{needle}' missing from: {line}");
    }
    line.to_string()
}

#[test]
fn every_subcommand_answers_bad_input_with_one_line_and_the_documented_code() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (raw, out) = (d.join("raw"), d.join("out"));
    cameo::fixtures::ravdess::write_population(
        &raw.join("ravdess"),
        &cameo::fixtures::ravdess::population(1..=1),
        0.02,
    )
    .unwrap();
    build(&raw, &out, 2);
    let file = d.join("a-file.txt");
    std::fs::write(&file, "not a folder\n").unwrap();
    let empty_dir = d.join("empty");
    std::fs::create_dir_all(&empty_dir).unwrap();
    let empty_file = d.join("empty.jsonl");
    std::fs::write(&empty_file, "").unwrap();
    let missing = d.join("nowhere");
    let wrapper = d.join("above");
    std::fs::create_dir_all(&wrapper).unwrap();
    std::fs::rename(&raw, wrapper.join("raw")).unwrap();
    let raw = wrapper.join("raw");
    let metadata = out.join("metadata.jsonl");
    let bad_json = d.join("bad.jsonl");
    std::fs::write(&bad_json, "{\"file_id\": 12, \"response\": \"anger\"}\n").unwrap();
    let no_field = d.join("nofield.jsonl");
    std::fs::write(&no_field, "{\"response\": \"anger\"}\n").unwrap();
    let report = d.join("report.json");
    let lhotse = d.join("lhotse");

    // build
    check(&["build", "--raw", arg(&missing), "--out", arg(&out)], 1, &["nowhere", "not found"]);
    check(&["build", "--raw", arg(&file), "--out", arg(&out)], 2, &["--raw", "is a file"]);
    check(&["build", "--raw", arg(&raw), "--out", arg(&file)], 2, &["--out", "is a file"]);
    check(&["build", "--raw", arg(&raw.join("ravdess")), "--out", arg(&out)], 2, &["points inside", "--raw"]);
    check(&["build", "--raw", arg(&wrapper), "--out", arg(&out)], 2, &["holds no corpus folder", "raw"]);
    check(&["build", "--raw", arg(&empty_dir), "--out", arg(&out)], 1, &["no corpus folder found"]);
    check(&["build", "--raw", arg(&raw), "--out", arg(&out), "--corpus", "emodb"], 2, &["unknown corpus 'emodb'"]);
    check(&["build", "--raw", arg(&raw), "--out", arg(&out), "--corpus", "ravdes"], 2, &["did you mean 'ravdess'?"]);
    check(&["build", "--raw", arg(&raw), "--out", arg(&file.join("sub"))], 1, &["a-file.txt"]);
    check(&["build", "--raw", arg(&raw), "--out", arg(&out), "--shard", "4/3"], 2, &["--shard"]);
    check(&["build", "--raw", arg(&raw), "--out", arg(&out), "--nosuch"], 2, &["--nosuch"]);
    check(&["build", "--raw", arg(&raw), "--out", arg(&out), "--manifests", arg(&missing)], 1, &["nowhere"]);
    // merge
    check(&["merge", "--raw", arg(&raw), "--out", arg(&d.join("m")), arg(&out)], 2, &["not a shard folder"]);
    // scan
    check(&["scan", "--raw", arg(&missing)], 1, &["nowhere", "not found"]);
    check(&["scan", "--raw", arg(&raw.join("ravdess"))], 2, &["points inside", "--raw"]);
    check(&["scan", "--raw", arg(&raw), "--corpus", "nosuch"], 2, &["unknown corpus 'nosuch'"]);
    // verify, stats, audit, export
    for command in ["verify", "stats"] {
        check(&[command, arg(&missing)], 1, &["nowhere"]);
        check(&[command, arg(&empty_dir)], 1, &["metadata.jsonl"]);
        check(&[command, arg(&file)], 1, &["a-file.txt"]);
    }
    check(&["stats", arg(&out), "--plot", arg(&missing.join("plot.png"))], 1, &["plot.png", "No such file"]);
    check(&["audit", arg(&missing)], 1, &["nowhere"]);
    check(&["audit", "--manifests", arg(&missing)], 1, &["nowhere"]);
    check(&["export", "--format", "lhotse", arg(&missing), arg(&lhotse)], 1, &["nowhere"]);
    check(&["export", "--format", "lhotse", arg(&out), arg(&file)], 1, &["a-file.txt"]);
    check(&["export", "--format", "nosuch", arg(&out), arg(&lhotse)], 2, &["nosuch"]);
    // new-corpus, fetch
    check(&["new-corpus", "--raw", arg(&missing), "--id", "emodb"], 1, &["nowhere"]);
    check(&["new-corpus", "--raw", arg(&raw.join("ravdess")), "--id", "Bad Id"], 2, &["Bad Id"]);
    check(&["fetch", "--raw", arg(&raw), "--corpus", "nosuch"], 2, &["unknown corpus 'nosuch'"]);
    // eval
    let score = |predictions: &Path| {
        vec![
            "eval".to_string(),
            "score".into(),
            "--metadata".into(),
            metadata.to_str().unwrap().into(),
            "--predictions".into(),
            predictions.to_str().unwrap().into(),
            "--output".into(),
            report.to_str().unwrap().into(),
        ]
    };
    for (predictions, needle) in [(&missing, "nowhere"), (&bad_json, "bad.jsonl"), (&no_field, "nofield.jsonl")] {
        let args = score(predictions);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        check(&args, 1, &[needle]);
    }
    check(
        &["eval", "score", "--metadata", arg(&empty_file), "--predictions", arg(&bad_json), "--output", arg(&report)],
        1,
        &["empty.jsonl"],
    );
    check(&["eval", "leaderboard", arg(&missing), "--out", arg(&d.join("lb"))], 1, &["nowhere"]);
    check(&["completions", "nosuch"], 2, &["nosuch"]);
    check(&["nosuch"], 2, &["nosuch"]);
}
