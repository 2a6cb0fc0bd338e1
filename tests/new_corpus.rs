//! `cameo new-corpus` on a generated EmoDB tree: the starting manifest holds what the tree
//! shows (count, WAV format, the file-name grammar with its values, the emotion codes, the
//! other files to set aside), `cameo scan` refuses it listing every TODO left, and once the
//! TODOs are filled in (here by a program) the manifest builds the corpus.
mod common;

use cameo::fixtures::emodb;
use common::*;
use std::path::Path;

fn emodb_tree(raw: &Path) {
    emodb::write_population(&raw.join("emodb"), &emodb::population(), 0.002).unwrap();
    // A metadata table whose `file` column names the audio files.
    let mut table = String::from("file,speaker,emotion\n");
    for name in emodb::population().iter().take(5) {
        table.push_str(&format!("{},03,F\n", name.trim_start_matches("wav/")));
    }
    cameo::fixtures::write_file(&raw.join("emodb"), "meta/files.csv", table.as_bytes()).unwrap();
}

/// Replaces every TODO string of the manifest with the value a contributor would write.
fn fill_todos(value: &mut toml::Value, key: &str) {
    match value {
        toml::Value::String(text) if text.starts_with("TODO") => {
            *value = match key {
                "license.commercial_use" | "license.derivatives" | "license.share_alike" => toml::Value::Boolean(false),
                "language" => "German".into(),
                "language_code" => "de".into(),
                "license.spdx" => "LicenseRef-EmoDB".into(),
                "adapter.fields.speaker" => "{g1}".into(),
                _ if key.starts_with("labels.") => match key.trim_start_matches("labels.").trim_matches('"') {
                    "W" => "anger",
                    "L" => "neutral",
                    "E" => "disgust",
                    "A" => "fear",
                    "F" => "happiness",
                    "T" => "sadness",
                    _ => "neutral",
                }
                .into(),
                _ => format!("filled: {key}").into(),
            };
        }
        toml::Value::Table(table) => {
            for (sub, value) in table.iter_mut() {
                let sub = if sub.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    sub.clone()
                } else {
                    format!("\"{sub}\"")
                };
                fill_todos(value, &if key.is_empty() { sub } else { format!("{key}.{sub}") });
            }
        }
        toml::Value::Array(items) => items.iter_mut().for_each(|item| fill_todos(item, key)),
        _ => {}
    }
}

#[test]
fn a_starting_manifest_holds_what_the_tree_shows_and_builds_once_filled_in() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    emodb_tree(&raw);
    let manifest_path = dir.path().join("manifests/emodb.toml");
    let test_path = dir.path().join("tests/emodb.rs");
    let args = [
        "new-corpus",
        "--raw",
        raw.to_str().unwrap(),
        "--id",
        "emodb",
        "--out",
        manifest_path.to_str().unwrap(),
        "--test",
        test_path.to_str().unwrap(),
    ];
    let (code, stdout, stderr) = run_cameo(&args);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("535 audio files") && stdout.contains("TODOs to fill in"), "{stdout}");
    let text = std::fs::read_to_string(&manifest_path).unwrap();

    // What the tree shows.
    assert!(text.contains("expected_count = 535"), "{text}");
    assert!(text.contains("sample_rates = [16000]") && text.contains("channels = [1]"), "{text}");
    assert!(
        text.contains(r"names = ['(?P<g1>\d{2})(?P<g2>[a-z])(?P<g3>\d{2})(?P<g4>[A-Z])(?P<g5>[a-z])\.wav']"),
        "{text}"
    );
    assert!(text.contains("# g1 (2 digits): 10 values: 03 ("), "{text}");
    assert!(
        text.contains("# g4 (1 upper-case letter): 7 values: A (69), E (46), F (71), L (81), N (79), T (62), W (127)")
    );
    assert!(text.contains("label = \"{g4}\""), "{text}");
    assert!(text.contains("{ glob = \"**/*.wav\", take = true }"), "{text}");
    assert!(text.contains("{ glob = \"**/*.lab\", skip = \"TODO: why the 535 .lab files are not audio"), "{text}");
    assert!(text.contains("# A table: meta/files.csv (5 rows, delimiter \",\", columns file, speaker, emotion)."));
    assert!(text.contains("# Its column `file` names audio files"), "{text}");
    let stub = std::fs::read_to_string(&test_path).unwrap();
    assert!(stub.contains("\"wav/03a01Aa.wav\",") && stub.contains("manifests/emodb.toml"), "{stub}");

    // Unfilled, it stops scan with every TODO named.
    let scan = |manifest: &Path| {
        run_cameo(&[
            "scan",
            "--raw",
            raw.to_str().unwrap(),
            "--manifest",
            manifest.to_str().unwrap(),
            "--corpus",
            "emodb",
            "--json",
        ])
    };
    let (code, _, stderr) = scan(&manifest_path);
    assert_eq!(code, 1);
    assert!(stderr.contains("emodb.toml: ") && stderr.contains("TODO(s) left to fill in"), "{stderr}");
    for key in ["`name`", "`license.spdx`", "`license.commercial_use`", "`labels.W`", "`adapter.fields.speaker`"] {
        assert!(stderr.contains(key), "{key} in {stderr}");
    }

    // Filled in, it scans the whole tree.
    let mut value: toml::Value = toml::from_str(&text).unwrap();
    fill_todos(&mut value, "");
    // The program maps boredom (L) onto neutral like N, which must be declared.
    let merged = toml::Value::Array(vec![toml::Value::Array(vec!["L".into(), "N".into()])]);
    value.as_table_mut().unwrap().insert("merged_labels".into(), merged);
    let filled = toml::to_string(&value).unwrap();
    assert!(!filled.contains("TODO"), "{filled}");
    let filled_path = dir.path().join("filled/emodb.toml");
    cameo::fixtures::write_file(filled_path.parent().unwrap(), "emodb.toml", filled.as_bytes()).unwrap();
    let (code, stdout, stderr) = scan(&filled_path);
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let corpus = &report["corpora"][0];
    assert_eq!((corpus["id"].as_str(), corpus["found"].as_u64()), (Some("emodb"), Some(535)), "{corpus}");
    assert_eq!(corpus["status"].as_str(), Some("ok"), "{corpus}");
}

#[test]
fn new_corpus_refuses_known_ids_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    emodb_tree(&raw);
    let (code, _, stderr) = run_cameo(&["new-corpus", "--raw", raw.to_str().unwrap(), "--id", "cafe"]);
    // A known id is a usage error (exit 2, README "Exit codes").
    assert_eq!(code, 2);
    assert!(stderr.contains("--id 'cafe': cameo already knows this corpus"), "{stderr}");
    let existing = dir.path().join("emodb.toml");
    std::fs::write(&existing, "keep me").unwrap();
    let args = ["new-corpus", "--raw", raw.to_str().unwrap(), "--id", "emodb", "--out", existing.to_str().unwrap()];
    let (code, _, stderr) = run_cameo(&args);
    assert_eq!(code, 1);
    assert!(stderr.contains("emodb.toml: exists; move it away"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "keep me");
}
