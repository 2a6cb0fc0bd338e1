//! CONTRIBUTING.md's worked example, end to end: the EmoDB manifest is read from the guide
//! itself (between its marked fences, so the guide cannot go stale), a generated EmoDB tree
//! with real names and the traps of a real download is scanned and built through the `cameo`
//! binary with that manifest from disk (no recompiling), and the records are checked field by
//! field. The commands the guide shows must exist with the options it uses.
mod common;

use cameo::fixtures::{emodb, write_file};
use cameo::record::{Emotion, Gender};
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const GUIDE: &str = include_str!("../CONTRIBUTING.md");

/// The TOML between `<!-- example manifest: emodb.toml -->` and its end marker.
fn guide_manifest() -> String {
    let start = GUIDE.find("<!-- example manifest: emodb.toml -->").expect("start marker");
    let end = GUIDE.find("<!-- end of example manifest -->").expect("end marker");
    let block = &GUIDE[start..end];
    let body = block.split_once("```toml\n").expect("a toml fence").1;
    body.rsplit_once("```").expect("a closing fence").0.to_string()
}

/// Files added to the population: what a real download may also hold.
struct Traps {
    unknown_speaker: &'static str,
    bad_name: &'static str,
    unknown_text: &'static str,
    unknown_emotion: &'static str,
    macosx: &'static str,
}

const TRAPS: Traps = Traps {
    unknown_speaker: "wav/17a01Fa.wav",
    bad_name: "wav/03c01Fa.wav",
    unknown_text: "wav/03a03Fa.wav",
    unknown_emotion: "wav/03a01Xa.wav",
    macosx: "__MACOSX/wav/._03a01Fa.wav",
};

fn emodb_tree(raw: &Path) -> PathBuf {
    let root = raw.join("emodb");
    emodb::write_population(&root, &emodb::population(), 0.05).unwrap();
    let wav = |seed: u64| {
        let audio = cameo::fixtures::signal::speechlike(seed, 16_000, 0.05);
        cameo::fixtures::wav::encode(&cameo::fixtures::wav::WavSpec::int(16, 1, 16_000), &Default::default(), &[audio])
    };
    for (index, name) in
        [TRAPS.unknown_speaker, TRAPS.bad_name, TRAPS.unknown_text, TRAPS.unknown_emotion].iter().enumerate()
    {
        write_file(&root, name, &wav(9000 + index as u64)).unwrap();
    }
    write_file(&root, TRAPS.macosx, b"\0\x05\x16\x07").unwrap();
    root
}

fn write_manifest(dir: &Path) -> PathBuf {
    let path = dir.join("manifests/emodb.toml");
    write_file(&dir.join("manifests"), "emodb.toml", guide_manifest().as_bytes()).unwrap();
    path
}

#[test]
fn the_guide_manifest_builds_emodb_from_disk_record_by_record() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("build"));
    emodb_tree(&raw);
    let manifest = write_manifest(dir.path());
    let (raw_arg, out_arg, manifest_arg) = (raw.to_str().unwrap(), out.to_str().unwrap(), manifest.to_str().unwrap());

    // Scan: 454 items against 454 expected, boredom skipped with its reason.
    let (code, stdout, stderr) =
        run_cameo(&["scan", "--raw", raw_arg, "--manifest", manifest_arg, "--corpus", "emodb", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let corpus = &report["corpora"][0];
    assert_eq!((corpus["found"].as_u64(), corpus["expected"].as_u64()), (Some(454), Some(454)), "{corpus}");

    // Build through the binary, with the manifest from disk.
    let args = ["build", "--raw", raw_arg, "--out", out_arg, "--manifest", manifest_arg, "--corpus", "emodb"];
    let (code, stdout, stderr) = run_cameo(&[&args[..], &["--jobs", "2", "--quiet"]].concat());
    assert_eq!(code, 0, "{stdout}{stderr}");
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join(".cameo/splits/emodb.json")).unwrap()).unwrap();
    let report = &state["report"];
    assert_eq!((report["found"].as_u64(), report["built"].as_u64()), (Some(458), Some(454)), "{report}");
    let rejects: BTreeSet<(String, String)> = report["rejects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["source"].as_str().unwrap().to_string(), r["reason"].as_str().unwrap().to_string()))
        .collect();
    let expected: BTreeSet<(String, String)> = [
        (TRAPS.unknown_speaker, "speaker 17 is not one of EmoDB's ten speakers"),
        (
            TRAPS.bad_name,
            "file name does not follow SSTTTEV.wav (speaker, text code, emotion, version), e.g. 03a01Fa.wav",
        ),
        (TRAPS.unknown_text, "text code a03 is not one of EmoDB's ten texts"),
        (TRAPS.unknown_emotion, "unknown emotion code 'X' (not in the [labels] of manifests/emodb.toml)"),
    ]
    .into_iter()
    // Messages name the manifest where it was read from (here the --manifests file).
    .map(|(source, reason)| (source.to_string(), reason.replace("manifests/emodb.toml", manifest_arg)))
    .collect();
    assert_eq!(rejects, expected);
    let skipped: BTreeMap<String, usize> =
        report["skipped"].as_array().unwrap().iter().fold(BTreeMap::new(), |mut counts, s| {
            *counts.entry(s["reason"].as_str().unwrap().to_string()).or_default() += 1;
            counts
        });
    assert_eq!(skipped["boredom (Langeweile): CAMEO has no boredom label"], 81);
    assert_eq!(skipped["not one of EmoDB's recordings (wav/*.wav): labels and analyses"], 535 + 1);
    assert_eq!(skipped["macOS archive metadata (__MACOSX)"], 1);

    // Records, field by field.
    let records = records(&out);
    assert_eq!(records.len(), 454);
    let by_source = by_source(&records);
    let joy = &by_source["wav/03a01Fa.wav"];
    assert_eq!(joy.emotion, Emotion::Happiness);
    assert_eq!(joy.transcription.as_deref(), Some("Der Lappen liegt auf dem Eisschrank."));
    assert_eq!(joy.speaker_id.as_deref(), Some("emodb_03"));
    assert_eq!(joy.gender, Some(Gender::Male));
    assert_eq!(joy.age.as_deref(), Some("31"));
    assert_eq!(joy.dataset, "EmoDB");
    assert_eq!(joy.language, "German");
    assert_eq!(joy.license, "EmoDB terms (free download, cite the paper)");
    assert_eq!(joy.duration, 0.05);
    assert_eq!(joy.audio, format!("audio/emodb/{}", joy.file_id));
    let sad = &by_source["wav/08a01Ta.wav"];
    assert_eq!(sad.emotion, Emotion::Sadness);
    assert_eq!(sad.transcription.as_deref(), Some("Der Lappen liegt auf dem Eisschrank."));
    assert_eq!(
        (sad.speaker_id.as_deref(), sad.gender, sad.age.as_deref()),
        (Some("emodb_08"), Some(Gender::Female), Some("34"))
    );
    let umlaut = &by_source["wav/16b01Wa.wav"];
    assert_eq!(umlaut.emotion, Emotion::Anger);
    assert_eq!(umlaut.transcription.as_deref(), Some("Was sind denn das für Tüten, die da unter dem Tisch stehen?"));
    assert_eq!((umlaut.speaker_id.as_deref(), umlaut.age.as_deref()), (Some("emodb_16"), Some("31")));
    let per_emotion = records.iter().fold(BTreeMap::new(), |mut map, r| {
        *map.entry(r.emotion).or_insert(0) += 1;
        map
    });
    let expected = BTreeMap::from([
        (Emotion::Anger, 127),
        (Emotion::Disgust, 46),
        (Emotion::Fear, 69),
        (Emotion::Happiness, 71),
        (Emotion::Neutral, 79),
        (Emotion::Sadness, 62),
    ]);
    assert_eq!(per_emotion, expected);
    assert!(records.iter().all(|r| r.gender.is_some() && r.age.is_some() && r.transcription.is_some()));

    // The build is a complete collection: the card and LICENSES/ know the new corpus.
    let (code, stdout, stderr) = run_cameo(&["verify", out_arg]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let card = std::fs::read_to_string(out.join("README.md")).unwrap();
    assert!(card.contains("EmoDB") && card.contains("Burkhardt F"), "{card}");
}

#[test]
fn the_commands_the_guide_shows_exist_with_their_options() {
    let mut commands = Vec::new();
    for block in GUIDE.split("```sh\n").skip(1) {
        let block = block.split("```").next().unwrap();
        commands.extend(block.lines().filter(|line| line.starts_with("cameo ")).map(str::to_string));
    }
    assert!(commands.len() >= 4, "{commands:?}");
    for command in commands {
        let words: Vec<&str> = command.split_whitespace().collect();
        let (code, help, stderr) = run_cameo(&[words[1], "--help"]);
        assert_eq!(code, 0, "{command}: {stderr}");
        for flag in words.iter().filter(|w| w.starts_with("--")) {
            // `--manifest` is the short alias of `--manifests`.
            let shown = if *flag == "--manifest" { "--manifests" } else { flag };
            assert!(help.contains(shown), "{command}: {flag} not in `cameo {} --help`", words[1]);
        }
    }
}

#[test]
fn the_guide_manifest_declares_everything_it_needs() {
    let manifest = cameo::manifest::Manifest::parse(&guide_manifest(), "CONTRIBUTING.md").unwrap();
    assert_eq!(manifest.id, "emodb");
    assert!(cameo::corpora::find("emodb").is_none(), "the example is a corpus cameo does not build in");
    assert_eq!(manifest.speakers.len(), emodb::SPEAKERS.len());
    for (id, gender, age) in emodb::SPEAKERS {
        let facts = &manifest.speakers[id];
        assert_eq!((facts.gender.map(Gender::as_str), facts.age), (Some(gender), Some(age)), "{id}");
    }
    for (code, text) in emodb::TEXTS {
        assert_eq!(manifest.sentences[code], text, "{code}");
    }
    let total: usize = emodb::EMOTIONS.iter().map(|(_, n)| n).sum();
    assert_eq!((total, emodb::population().len()), (535, 535));
    let boredom = emodb::EMOTIONS.iter().find(|(code, _)| *code == 'L').unwrap().1;
    assert_eq!(manifest.expected_count, total - boredom);
    assert!(manifest.emotion_for("L").is_none(), "boredom has no CAMEO label");
}
