//! File and folder names as archives leave them (src/corpora/names.rs): CaFE's accented emotion
//! folders as raw CP437 bytes (`unzip`), as cp1252 mojibake UTF-8, as NFC and as NFD UTF-8 give
//! the same records and the same FLAC bytes; build.json keeps the exact bytes; two names that
//! decode alike stay two sources; a name that is not UTF-8 in another corpus builds too.
#![cfg(unix)]
mod common;

use common::*;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Writes CaFE actor 1 with proper NFC folder names, then renames the two accented emotion
/// folders to the given on-disk spellings (the audio, seeded by NFC name, stays the same).
fn cafe_tree(raw: &Path, colere: &[u8], degout: &[u8]) {
    let root = raw.join("cafe");
    let names = cameo::fixtures::cafe::population(1..=1);
    cameo::fixtures::cafe::write_population(&root, &names, 0.05).unwrap();
    for (nfc, on_disk) in [("Colère", colere), ("Dégoût", degout)] {
        let target = root.join(OsStr::from_bytes(on_disk));
        if target != root.join(nfc) {
            std::fs::rename(root.join(nfc), target).unwrap();
        }
    }
}

fn build_json(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("build.json")).unwrap()).unwrap()
}

#[test]
fn cafe_gives_the_same_records_and_flac_bytes_whatever_the_folder_encoding() {
    let variants: [(&str, &[u8], &[u8]); 4] = [
        ("nfc", "Colère".as_bytes(), "Dégoût".as_bytes()),
        ("cp437", b"Col\x8are", b"D\x82go\x96t"),
        ("mojibake", "ColŠre".as_bytes(), "D‚go–t".as_bytes()),
        ("nfd", "Cole\u{300}re".as_bytes(), "De\u{301}gou\u{302}t".as_bytes()),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut reference: Option<(String, std::collections::BTreeMap<String, Vec<u8>>)> = None;
    for (name, colere, degout) in variants {
        let (raw, out) = (dir.path().join(name).join("raw"), dir.path().join(name).join("out"));
        cafe_tree(&raw, colere, degout);
        let outcome = build(&raw, &out, 2);
        let report = &outcome.splits[0].report;
        assert_eq!((report.built, report.rejects.len()), (78, 0), "{name}: {:?}", report.rejects);
        let metadata = std::fs::read_to_string(out.join("metadata.jsonl")).unwrap();
        assert!(metadata.contains("\"source\":\"Colère/Fort/01-C-2-1.wav\""), "{name}: {metadata}");
        assert!(metadata.contains("\"source\":\"Dégoût/Faible/01-D-1-1.wav\""), "{name}");
        let audio = tree_bytes(&out.join("audio"));
        // build.json keeps the exact bytes of every renamed source, escaped.
        let renamed = &build_json(&out)["splits"]["cafe"]["renamed_sources"];
        let exact = |bytes: &[u8]| cameo::corpora::names::escape_bytes(OsStr::from_bytes(bytes));
        if name == "nfc" {
            assert!(renamed.is_null(), "{renamed}");
        } else {
            assert_eq!(renamed.as_object().unwrap().len(), 12 + 12, "{renamed}");
            assert_eq!(
                renamed["Colère/Fort/01-C-2-1.wav"].as_str().unwrap(),
                format!("{}/Fort/01-C-2-1.wav", exact(colere))
            );
            assert_eq!(
                renamed["Dégoût/Faible/01-D-1-1.wav"].as_str().unwrap(),
                format!("{}/Faible/01-D-1-1.wav", exact(degout))
            );
        }
        match &reference {
            None => reference = Some((metadata, audio)),
            Some((metadata_nfc, audio_nfc)) => {
                assert_eq!(&metadata, metadata_nfc, "{name}: metadata.jsonl differs from the NFC tree's");
                assert!(&audio == audio_nfc, "{name}: the FLAC files differ from the NFC tree's");
            }
        }
        let verified = cameo::verify::verify(&out).unwrap();
        assert_eq!(verified.samples, 78);
    }
}

#[test]
fn two_names_that_decode_alike_stay_two_sources() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    cafe_tree(&raw, "Colère".as_bytes(), "Dégoût".as_bytes());
    // The same folder again as raw CP437 bytes, holding a different recording of the same name.
    let root = raw.join("cafe");
    let cp437 = root.join(OsStr::from_bytes(b"Col\x8are/Fort"));
    std::fs::create_dir_all(&cp437).unwrap();
    let other = cameo::fixtures::wav::encode(
        &cameo::fixtures::wav::WavSpec::int(16, 1, 48_000),
        &Default::default(),
        &[cameo::fixtures::signal::speechlike(99, 48_000, 0.05)],
    );
    std::fs::write(cp437.join("01-C-2-1.wav"), other).unwrap();
    let outcome = build(&raw, &out, 2);
    assert_eq!(outcome.splits[0].report.built, 79);
    let by_source = by_source(&records(&out));
    // The name spelled exactly keeps the decoded name; the other is named by its exact bytes.
    let proper = &by_source["Colère/Fort/01-C-2-1.wav"];
    let raw_bytes = &by_source["Col\\x8Are/Fort/01-C-2-1.wav"];
    assert_ne!(proper.file_id, raw_bytes.file_id);
    assert_eq!(proper.emotion, raw_bytes.emotion);
}

#[test]
fn a_name_that_is_not_utf8_builds_in_another_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let root = raw.join("ravdess");
    cameo::fixtures::ravdess::write_population(&root, &cameo::fixtures::ravdess::population(1..=1), 0.05).unwrap();
    // A wrapper folder whose name is Latin-1 bytes (`Ãœbung` would be UTF-8): 0xDC is Ü in
    // Latin-1, ▄ in CP437; the rule reads CP437.
    let wrapper = root.join(OsStr::from_bytes(b"\xdcbung"));
    std::fs::create_dir_all(&wrapper).unwrap();
    let first = walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "wav"))
        .unwrap();
    let name = first.file_name().to_owned();
    std::fs::rename(first.path(), wrapper.join(&name)).unwrap();
    build(&raw, &out, 2);
    let records = records(&out);
    let moved = records.iter().find(|r| r.source.ends_with(name.to_str().unwrap())).unwrap();
    assert_eq!(moved.source, format!("▄bung/{}", name.to_str().unwrap()));
    let renamed = &build_json(&out)["splits"]["ravdess"]["renamed_sources"];
    assert_eq!(renamed[&moved.source].as_str().unwrap(), format!("\\xDCbung/{}", name.to_str().unwrap()));
    // Scan and stats read the same tree and build without complaint.
    let scan = cameo::scan::run_scan(&cameo::scan::ScanOptions {
        raw: raw.clone(),
        corpora: vec!["ravdess".into()],
        manifests: None,
    })
    .unwrap();
    assert!(scan.unusable().is_empty());
}
