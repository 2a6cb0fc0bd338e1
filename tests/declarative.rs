//! The declarative adapter facing a contributor's mistakes and bad input: a manifest that does
//! not parse, a regular expression the engine does not support, a glob that leaves the corpus
//! folder, two labels merged without saying so, a template naming no value, a grammar that
//! matches no file, a file no rule covers, a code missing from a map. Each is one message
//! naming the manifest key (and the file), never a silent wrong build. Also the corpus rules
//! that moved from Rust into manifests and no other test reaches.
mod common;

use cameo::corpora::{find, Reject};
use cameo::fixtures::write_file;
use common::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A small corpus `toy`: `<speaker>_<emotion>.wav`, two emotions, gender from a map.
const TOY: &str = r#"
id = "toy"
name = "Toy"
language = "English"
language_code = "en"
expected_count = 3
[license]
spdx = "CC-BY-4.0"
name = "CC BY 4.0"
commercial_use = true
derivatives = true
share_alike = false
attribution = "Toy authors"
citation = "Toy (2024)"
verified = "DOC: made up"
[[sources]]
file = "toy.zip"
manual = "made up"
[labels]
"ang" = "anger"
"sad" = "sadness"
[adapter]
files = [
  { glob = "audio/*.wav", take = true },
  { glob = "*.txt", skip = "documentation" },
]
names = ['(?P<speaker>[fm]\d)_(?P<emotion>[a-z]+)\.wav']
checks = [{ value = "{emotion}", regex = "[a-z]{3}", reject = "emotion {emotion}: three letters expected" }]
[adapter.maps.genders]
f1 = "female"
m1 = "male"
[adapter.fields]
label = "{emotion}"
speaker = "{speaker}"
gender = "{speaker|genders}"
"#;

fn wav(seed: u64) -> Vec<u8> {
    let audio = cameo::fixtures::signal::speechlike(seed, 16_000, 0.05);
    cameo::fixtures::wav::encode(&cameo::fixtures::wav::WavSpec::int(16, 1, 16_000), &Default::default(), &[audio])
}

/// Writes `manifest` as `dir/manifests/toy.toml` and the toy tree under `dir/raw/toy/`.
fn toy(dir: &Path, manifest: &str, files: &[&str]) -> (PathBuf, PathBuf) {
    write_file(&dir.join("manifests"), "toy.toml", manifest.as_bytes()).unwrap();
    for (index, file) in files.iter().enumerate() {
        write_file(&dir.join("raw/toy"), file, &wav(index as u64)).unwrap();
    }
    (dir.join("raw"), dir.join("manifests/toy.toml"))
}

fn build_error(dir: &Path, manifest: &str, files: &[&str]) -> String {
    let (raw, manifest) = toy(dir, manifest, files);
    let mut options = options(&raw, &dir.join("out"), 1);
    options.manifests = Some(manifest);
    cameo::build::run_build(&options).expect_err("the build refuses").to_string()
}

fn built_rejects(dir: &Path, manifest: &str, files: &[&str]) -> BTreeSet<(String, String)> {
    let (raw, manifest) = toy(dir, manifest, files);
    let mut options = options(&raw, &dir.join("out"), 1);
    options.manifests = Some(manifest);
    let outcome = cameo::build::run_build(&options).expect("build succeeds");
    outcome.splits[0].report.rejects.iter().map(|r| (r.source.clone(), r.reason.clone())).collect()
}

const GOOD_FILES: [&str; 3] = ["audio/f1_ang.wav", "audio/m1_sad.wav", "README.txt"];

#[test]
fn a_good_toy_manifest_builds_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, manifest) = toy(dir.path(), TOY, &GOOD_FILES);
    let mut options = options(&raw, &dir.path().join("out"), 1);
    options.manifests = Some(manifest);
    let outcome = cameo::build::run_build(&options).unwrap();
    let report = &outcome.splits[0].report;
    assert_eq!((report.split.as_str(), report.found, report.built), ("toy", 2, 2));
    assert_eq!(skips_of(report), BTreeSet::from([("README.txt", "documentation")]));
    let records = records(&dir.path().join("out"));
    let by_source = by_source(&records);
    let first = &by_source["audio/f1_ang.wav"];
    assert_eq!((first.speaker_id.as_deref(), first.gender), (Some("toy_f1"), Some(cameo::record::Gender::Female)));
    assert_eq!(first.emotion, cameo::record::Emotion::Anger);
}

#[test]
fn a_manifest_that_does_not_parse_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let error = build_error(dir.path(), &TOY.replace("take = true", "tak = true"), &GOOD_FILES);
    assert!(error.contains("toy.toml") && error.contains("unknown field `tak`"), "{error}");
    assert!(error.contains("line 24"), "the line of the typo: {error}");
}

#[test]
fn unsupported_regular_expressions_name_the_key_and_the_way_out() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = TOY.replace(r"(?P<emotion>[a-z]+)\.wav", r"(?P<emotion>(?!xxx)[a-z]+)\.wav");
    let error = build_error(dir.path(), &manifest, &GOOD_FILES);
    assert!(error.contains("key `adapter.names[0]`") && error.contains("look-around"), "{error}");
    assert!(error.contains("[[adapter.checks]]"), "{error}");
    let manifest = TOY.replace(r"(?P<emotion>[a-z]+)\.wav", r"(?P<emotion>[a-z])\2\.wav");
    let error = build_error(dir.path(), &manifest, &GOOD_FILES);
    assert!(error.contains("key `adapter.names[0]`") && error.contains("backreference"), "{error}");
}

#[test]
fn a_glob_that_leaves_the_corpus_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for glob in ["../other/*.wav", "/etc/*.wav", "audio/../../*.wav"] {
        let error = build_error(dir.path(), &TOY.replace("audio/*.wav", glob), &GOOD_FILES);
        assert!(error.contains("key `adapter.files[0]`"), "{glob}: {error}");
        assert!(error.contains("corpus folder") || error.contains("absolute"), "{glob}: {error}");
    }
    let error = build_error(dir.path(), &TOY.replace("audio/*.wav", "audio/{a,b"), &GOOD_FILES);
    assert!(error.contains("key `adapter.files[0]`") && error.contains("is not a glob"), "{error}");
}

#[test]
fn two_labels_onto_one_must_be_declared() {
    let dir = tempfile::tempdir().unwrap();
    let merged = TOY.replace("\"sad\" = \"sadness\"", "\"sad\" = \"anger\"");
    let error = build_error(dir.path(), &merged, &GOOD_FILES);
    assert!(error.contains("key `labels`") && error.contains("\"ang\" and \"sad\" both map onto 'anger'"), "{error}");
    assert!(error.contains("merged_labels = [[\"ang\", \"sad\"]]"), "{error}");
    // Declared, it builds; a declaration that does not hold is refused.
    let declared = merged.replace("[license]", "merged_labels = [[\"ang\", \"sad\"]]\n[license]");
    assert!(built_rejects(&dir.path().join("ok"), &declared, &GOOD_FILES).is_empty());
    let wrong = TOY.replace("[license]", "merged_labels = [[\"ang\", \"sad\"]]\n[license]");
    let error = build_error(&dir.path().join("wrong"), &wrong, &GOOD_FILES);
    assert!(error.contains("key `merged_labels[0]`") && error.contains("different CAMEO labels"), "{error}");
}

#[test]
fn templates_and_checks_that_cannot_work_are_refused_when_read() {
    let dir = tempfile::tempdir().unwrap();
    let error = build_error(dir.path(), &TOY.replace("label = \"{emotion}\"", "label = \"{emotoin}\""), &GOOD_FILES);
    assert!(error.contains("key `adapter.fields.label`") && error.contains("{emotoin}"), "{error}");
    assert!(error.contains("known: emotion, file.folder"), "{error}");
    let error = build_error(dir.path(), &TOY.replace("{speaker|genders}", "{speaker|gender}"), &GOOD_FILES);
    assert!(error.contains("key `adapter.fields.gender`") && error.contains("the filter `gender`"), "{error}");
    let both = TOY.replace("regex = \"[a-z]{3}\"", "regex = \"[a-z]{3}\", one_of = [\"ang\"]");
    let error = build_error(dir.path(), &both, &GOOD_FILES);
    assert!(error.contains("key `adapter.checks[0]`") && error.contains("one condition"), "{error}");
    let rust = TOY.replace("[adapter]\n", "[adapter]\nrust = \"needs code\"\n");
    let error = build_error(dir.path(), &rust, &GOOD_FILES);
    assert!(error.contains("key `adapter.rust`") && error.contains("describes nothing else"), "{error}");
    let missing = TOY.split("[adapter]").next().unwrap().to_string();
    let error = build_error(dir.path(), &missing, &GOOD_FILES);
    assert!(error.contains("key `adapter`") && error.contains("no Rust adapter for 'toy'"), "{error}");
    let misnamed = TOY.replace("id = \"toy\"", "id = \"toys\"");
    let error = build_error(dir.path(), &misnamed, &GOOD_FILES);
    assert!(error.contains("key `id`: 'toys' does not match the file name"), "{error}");
}

#[test]
fn a_grammar_that_matches_no_file_stops_the_scan_showing_a_name() {
    let dir = tempfile::tempdir().unwrap();
    let error = build_error(dir.path(), TOY, &["audio/F1-ang.wav", "audio/M1-sad.wav"]);
    // Messages name the manifest where it was read from (here the --manifests file).
    let origin = dir.path().join("manifests/toy.toml");
    assert!(error.contains(&format!("adapter.names of {}", origin.display())), "{error}");
    assert!(
        error.contains("no regular expression matches any of the 2 audio file names (e.g. 'F1-ang.wav')"),
        "{error}"
    );
}

#[test]
fn files_without_a_rule_and_codes_without_an_entry_are_rejects_saying_what_to_add() {
    let dir = tempfile::tempdir().unwrap();
    let files =
        ["audio/f1_ang.wav", "audio/m2_sad.wav", "audio/f1_joy.wav", "audio/f1_an.wav", "notes.md", "audio/x.wav"];
    let rejects = built_rejects(dir.path(), TOY, &files);
    let expected: BTreeSet<(String, String)> = [
        (
            "notes.md",
            "matches no rule of adapter.files in manifests/toy.toml: add a rule for it (take = true if it is audio, else \
             skip = \"why it is not\")",
        ),
        (
            "audio/m2_sad.wav",
            "no entry 'm2' in [adapter.maps.genders] of manifests/toy.toml (used by adapter.fields.gender): add it, or \
             reject such files first with a check (in = \"genders\")",
        ),
        ("audio/f1_joy.wav", "unknown emotion code 'joy' (not in the [labels] of manifests/toy.toml)"),
        ("audio/f1_an.wav", "emotion an: three letters expected"),
        ("audio/x.wav", "file name matches no regular expression of adapter.names in manifests/toy.toml"),
    ]
    .into_iter()
    // Messages name the manifest where it was read from (here the --manifests file).
    .map(|(source, reason)| {
        let origin = dir.path().join("manifests/toy.toml").display().to_string();
        (source.to_string(), reason.replace("manifests/toy.toml", &origin))
    })
    .collect();
    assert_eq!(rejects, expected);
}

#[test]
fn unfilled_todos_are_listed_by_key() {
    let dir = tempfile::tempdir().unwrap();
    let todo = TOY
        .replace("name = \"Toy\"", "name = \"TODO: the display name\"")
        .replace("\"sad\" = \"sadness\"", "\"sad\" = \"TODO: a CAMEO label\"");
    let error = build_error(dir.path(), &todo, &GOOD_FILES);
    assert!(error.contains("toy.toml: 2 TODO(s) left to fill in"), "{error}");
    assert!(error.contains("`labels.sad`: TODO: a CAMEO label; `name`: TODO: the display name"), "{error}");
}

/// Scans `names` (tiny WAVs, plus `extra` files) with a built-in corpus' manifest.
fn scan_builtin(id: &str, names: &[&str], extra: &[(&str, &str)]) -> Vec<Reject> {
    let dir = tempfile::tempdir().unwrap();
    for (index, name) in names.iter().enumerate() {
        write_file(dir.path(), name, &wav(index as u64)).unwrap();
    }
    for (name, text) in extra {
        write_file(dir.path(), name, text.as_bytes()).unwrap();
    }
    let entry = find(id).unwrap();
    let manifest = entry.manifest.clone();
    let mut rejects = entry.adapter.scan(dir.path(), &manifest).unwrap().rejects;
    rejects.sort();
    rejects
}

#[test]
fn corpus_rules_moved_into_manifests_keep_their_messages() {
    let reasons = |rejects: Vec<Reject>| {
        let mut reasons: Vec<String> = rejects.into_iter().map(|r| r.reason).collect();
        reasons.sort();
        reasons
    };
    // CaFE: neutral has one intensity only.
    let rejects = scan_builtin("cafe", &["Neutre/01-N-2-1.wav", "Neutre/01-N-1-1.wav"], &[]);
    assert_eq!(reasons(rejects), ["neutral with intensity 2: neutral has only intensity 1"]);
    // JL-Corpus: speakers, sentences and sessions outside the design.
    let folder = "Raw JL corpus (unchecked and unannotated)/JL(wav+txt)";
    let names: Vec<String> =
        ["female3_angry_10a_1", "male1_angry_0a_1", "male1_angry_01a_1", "male1_angry_1a_3", "male1_angry_1a_2"]
            .iter()
            .map(|stem| format!("{folder}/{stem}.wav"))
            .collect();
    let texts: Vec<(String, &str)> = names.iter().map(|name| (name.replace(".wav", ".txt"), "Hello.")).collect();
    let extra: Vec<(&str, &str)> = texts.iter().map(|(name, text)| (name.as_str(), *text)).collect();
    let rejects = scan_builtin("jl_corpus", &names.iter().map(String::as_str).collect::<Vec<_>>(), &extra);
    assert_eq!(
        reasons(rejects),
        [
            "sentence 01: only 1-15 (with a or b) exist",
            "sentence 0: only 1-15 (with a or b) exist",
            "session 3: only 1 or 2 exist",
            "speaker female3: only female1, female2, male1 and male2 exist",
        ]
    );
    // RAVDESS: song files are skipped, other modalities and folders that disagree rejected.
    let dir = tempfile::tempdir().unwrap();
    for (index, name) in
        ["Actor_01/03-02-01-01-01-01-01.wav", "Actor_01/01-01-01-01-01-01-01.wav", "Actor_02/03-01-01-01-01-01-01.wav"]
            .iter()
            .enumerate()
    {
        write_file(dir.path(), name, &wav(index as u64)).unwrap();
    }
    let entry = find("ravdess").unwrap();
    let scan = entry.adapter.scan(dir.path(), &entry.manifest.clone()).unwrap();
    assert_eq!(scan.skipped[0].reason, "song recording (vocal channel 02), not in CAMEO");
    assert_eq!(
        reasons(scan.rejects),
        [
            "actor 01 file inside folder Actor_02",
            "modality 01 / vocal channel 01: only audio-only speech (03-01) is expected",
        ]
    );
}
