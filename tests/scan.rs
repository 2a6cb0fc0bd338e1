//! `cameo scan` through the binary: good trees (counts equal to the adapters' own), and the
//! broken layouts it must recognise — a missing corpus, a tree one level too deep or too
//! shallow, a misnamed folder, an unextracted archive, Git LFS stubs — each with a fix that,
//! where it is a command, is run here and makes the corpus usable.
mod common;

use cameo::fixtures::{cafe, crema_d, nemo, ravdess, write_file};
use common::run_cameo;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn scan(raw: &Path, corpora: &[&str]) -> (i32, String, String) {
    let mut args = vec!["scan", "--raw", raw.to_str().unwrap()];
    if !corpora.is_empty() {
        args.push("--corpus");
        args.extend_from_slice(corpora);
    }
    run_cameo(&args)
}

/// The JSON report and the exit code.
fn scan_json(raw: &Path, corpora: &[&str]) -> (i32, Value) {
    let mut args = vec!["scan", "--json", "--raw", raw.to_str().unwrap(), "--corpus"];
    args.extend_from_slice(corpora);
    let (code, stdout, stderr) = run_cameo(&args);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout} {stderr}"));
    (code, report)
}

fn corpus<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["corpora"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap()
}

fn kinds(corpus: &Value) -> Vec<&str> {
    corpus["diagnoses"].as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap()).collect()
}

fn diagnosis<'a>(corpus: &'a Value, kind: &str) -> &'a Value {
    corpus["diagnoses"].as_array().unwrap().iter().find(|d| d["kind"] == kind).unwrap()
}

/// The command between the first pair of backticks of a fix.
fn command_in(fix: &str) -> &str {
    fix.split('`').nth(1).unwrap_or_else(|| panic!("no command in: {fix}"))
}

fn run_shell(command: &str) {
    let status = std::process::Command::new("sh").arg("-c").arg(command).status().unwrap();
    assert!(status.success(), "{command}");
}

#[test]
fn a_complete_tree_is_ok_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    // Scan does not decode: empty WAVs with the real names are enough.
    ravdess::write_population(&raw.join("ravdess"), &ravdess::population(1..=24), 0.0).unwrap();
    let (code, stdout, stderr) = scan(&raw, &["ravdess"]);
    assert_eq!(code, 0, "{stderr}");
    let expected = format!(
        "raw: {}\ncorpus     found  expected  skipped  rejects  status\nravdess     1440      1440        0        0  ok\n\nall 1 corpora usable\n",
        raw.display()
    );
    assert_eq!(stdout, expected);
    let (code, report) = scan_json(&raw, &["ravdess"]);
    assert_eq!(code, 0);
    assert_eq!(report["usable"], true);
    let ravdess = corpus(&report, "ravdess");
    assert_eq!(
        (ravdess["status"].as_str(), ravdess["found"].as_u64(), ravdess["expected"].as_u64()),
        (Some("ok"), Some(1440), Some(1440))
    );
    assert_eq!(kinds(ravdess), Vec::<&str>::new());
}

#[test]
fn counts_skips_and_rejects_are_the_adapters_own() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    let root = raw.join("cafe");
    cafe::write_population(&root, &cafe::population(1..=2), 0.0).unwrap();
    let traps = cafe::write_traps(&root).unwrap();
    let entry = cameo::corpora::find("cafe").unwrap();
    let direct = entry.adapter.scan(&root, &entry.manifest.clone()).unwrap();

    let (code, report) = scan_json(&raw, &["cafe"]);
    assert_eq!(code, 0, "a count mismatch is a warning, not an unusable corpus");
    let cafe = corpus(&report, "cafe");
    assert_eq!(cafe["status"], "warning");
    // 156 population files + 4 good traps; the unmapped emotion code is a reject, as in a build.
    assert_eq!(cafe["found"].as_u64(), Some(160));
    assert_eq!(direct.items.len(), 161);
    assert_eq!(cafe["skipped_files"], serde_json::to_value(&direct.skipped).unwrap());
    assert_eq!(cafe["skipped"].as_u64(), Some(3));
    let rejects: BTreeSet<(&str, &str)> = cafe["rejected_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["source"].as_str().unwrap(), r["reason"].as_str().unwrap()))
        .collect();
    let expected: BTreeSet<(&str, &str)> = [
        (traps.bad_intensity.as_str(), "intensity 3: only 1 (Faible) or 2 (Fort) exist"),
        (traps.unknown_actor.as_str(), "actor 13 not in the [speakers] of the manifest"),
        (traps.unknown_emotion.as_str(), "unknown emotion code 'X' (not in the [labels] of manifests/cafe.toml)"),
    ]
    .into();
    assert_eq!(rejects, expected);
    assert_eq!(cafe["rejects"].as_u64(), Some(3));
    assert_eq!(kinds(cafe), ["count_mismatch", "rejects"]);
    assert_eq!(
        diagnosis(cafe, "count_mismatch")["problem"],
        "found 160 items, the manifest expects 936 (776 fewer, far off)"
    );
    let first = &direct.rejects[0];
    assert_eq!(
        diagnosis(cafe, "rejects")["problem"].as_str().unwrap(),
        format!("3 files cannot be items, e.g. {}: {}", first.source, first.reason)
    );
}

#[test]
fn a_missing_corpus_is_unusable_and_says_how_to_get_it() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    ravdess::write_population(&raw.join("ravdess"), &ravdess::population(1..=24), 0.0).unwrap();
    let (code, stdout, stderr) = scan(&raw, &["ravdess", "mesd", "cafe"]);
    assert_eq!(code, 1);
    assert_eq!(stderr, format!("error: {}: unusable: cafe, mesd\n", raw.display()));
    assert!(stdout.contains(&format!("mesd: {}/mesd/ not found\n  fix: Download the dataset from https://data.mendeley.com/datasets/cy34mh68j9/5", raw.display())), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "cafe: {0}/cafe/ not found\n  fix: run `cameo fetch --raw {0} --corpus cafe` (downloads, checks and extracts CaFE_48k.zip)\n",
            raw.display()
        )),
        "{stdout}"
    );
    assert!(stdout.ends_with("2 of 3 corpora unusable: cafe, mesd\n"), "{stdout}");
    let (_, report) = scan_json(&raw, &["mesd"]);
    assert_eq!(report["usable"], false);
    assert_eq!(kinds(corpus(&report, "mesd")), ["missing"]);
}

#[test]
fn a_tree_one_level_too_deep_is_found_and_its_fix_works() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    // nEMO tolerates one wrapper (a GitHub zip's nEMO-main/); a second one breaks it.
    let clone = raw.join("nemo/download/nEMO-main");
    let rows = nemo::population(3);
    assert_eq!(rows.len(), 27);
    nemo::write_population(&clone, &rows, 0.0).unwrap();
    let (code, report) = scan_json(&raw, &["nemo"]);
    assert_eq!(code, 1);
    let nemo_report = corpus(&report, "nemo");
    assert_eq!(nemo_report["status"], "unusable");
    assert_eq!(kinds(nemo_report), ["scan_error", "too_deep"]);
    let deep = diagnosis(nemo_report, "too_deep");
    assert_eq!(
        deep["problem"].as_str().unwrap(),
        format!("the nEMO tree sits one level too deep: 27 items in {}/nemo/download/", raw.display())
    );
    let command = command_in(deep["fix"].as_str().unwrap());
    assert_eq!(command, format!("mv {0}/nemo/download/* {0}/nemo/ && rmdir {0}/nemo/download", raw.display()));
    run_shell(command);
    let (code, report) = scan_json(&raw, &["nemo"]);
    assert_eq!(code, 0);
    assert_eq!(corpus(&report, "nemo")["found"].as_u64(), Some(27));
}

#[test]
fn a_corpus_extracted_straight_into_raw_is_too_shallow_and_its_fix_works() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    ravdess::write_population(&raw, &ravdess::population(1..=2), 0.0).unwrap();
    // Another corpus beside it is not mistaken for part of RAVDESS.
    ravdess::write_population(&raw.join("cafe"), &ravdess::population(3..=3), 0.0).unwrap();
    let (code, report) = scan_json(&raw, &["ravdess"]);
    assert_eq!(code, 1);
    let ravdess_report = corpus(&report, "ravdess");
    assert_eq!(kinds(ravdess_report), ["missing", "too_shallow"]);
    let shallow = diagnosis(ravdess_report, "too_shallow");
    assert_eq!(
        shallow["problem"].as_str().unwrap(),
        format!("120 RAVDESS items lie directly in {}/ (one level too shallow), in Actor_01, Actor_02", raw.display())
    );
    let command = command_in(shallow["fix"].as_str().unwrap());
    assert_eq!(command, format!("mkdir -p {0}/ravdess && mv {0}/Actor_01 {0}/Actor_02 {0}/ravdess/", raw.display()));
    run_shell(command);
    let (code, report) = scan_json(&raw, &["ravdess"]);
    assert_eq!(code, 0);
    assert_eq!(corpus(&report, "ravdess")["found"].as_u64(), Some(120));
}

#[test]
fn a_misnamed_corpus_folder_is_found_and_its_fix_works() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    ravdess::write_population(&raw.join("RAVDESS speech"), &ravdess::population(1..=1), 0.0).unwrap();
    let (code, report) = scan_json(&raw, &["ravdess"]);
    assert_eq!(code, 1);
    let shallow = diagnosis(corpus(&report, "ravdess"), "too_shallow");
    assert_eq!(
        shallow["problem"].as_str().unwrap(),
        format!("60 RAVDESS items lie in {0}/RAVDESS speech/ instead of {0}/ravdess/", raw.display())
    );
    let command = command_in(shallow["fix"].as_str().unwrap());
    assert_eq!(command, format!("mv '{0}/RAVDESS speech' {0}/ravdess", raw.display()));
    run_shell(command);
    assert_eq!(scan_json(&raw, &["ravdess"]).0, 0);
}

#[test]
fn unextracted_archives_are_found_where_they_lie() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    // In the corpus folder instead of the tree; the bytes are never opened.
    write_file(&raw, "cafe/CaFE_48k.zip", b"PK\x03\x04not opened").unwrap();
    // The manifest's archive in raw/ itself, and one in raw/.downloads/ (fetched, not extracted).
    write_file(&raw, "Audio_Speech_Actors_01-24.zip", b"PK\x03\x04").unwrap();
    write_file(&raw, ".downloads/Mexican Emotional Speech Database (MESD).zip", b"PK\x03\x04").unwrap();
    let (code, report) = scan_json(&raw, &["cafe", "mesd", "ravdess"]);
    assert_eq!(code, 1);
    let r = raw.display();
    let cafe_report = corpus(&report, "cafe");
    assert_eq!(kinds(cafe_report), ["archive_not_extracted"]);
    let archive = diagnosis(cafe_report, "archive_not_extracted");
    assert_eq!(
        archive["problem"].as_str().unwrap(),
        format!("{r}/cafe/CaFE_48k.zip is an archive, not the extracted tree")
    );
    assert_eq!(command_in(archive["fix"].as_str().unwrap()), format!("unzip {r}/cafe/CaFE_48k.zip -d {r}/cafe"));

    let ravdess_report = corpus(&report, "ravdess");
    assert_eq!(kinds(ravdess_report), ["missing", "archive_not_extracted"]);
    let archive = diagnosis(ravdess_report, "archive_not_extracted");
    assert_eq!(
        archive["problem"].as_str().unwrap(),
        format!("{r}/Audio_Speech_Actors_01-24.zip is the corpus archive, not extracted")
    );
    assert_eq!(
        command_in(archive["fix"].as_str().unwrap()),
        format!("unzip {r}/Audio_Speech_Actors_01-24.zip -d {r}/ravdess")
    );

    let mesd_report = corpus(&report, "mesd");
    let archive = diagnosis(mesd_report, "archive_not_extracted");
    assert_eq!(
        archive["problem"].as_str().unwrap(),
        format!("{r}/.downloads/Mexican Emotional Speech Database (MESD).zip was downloaded but not extracted")
    );
    assert_eq!(command_in(archive["fix"].as_str().unwrap()), format!("cameo fetch --raw {r} --corpus mesd"));
}

#[test]
fn git_lfs_stubs_are_found_from_their_first_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    // A clone without LFS: every WAV is a pointer text.
    let mut names = crema_d::population(1001..=1001);
    names.sort();
    for (index, name) in names.iter().enumerate() {
        write_file(&raw.join("crema_d"), name, &crema_d::lfs_pointer(index as u8, 40_000)).unwrap();
    }
    let (code, stdout, _) = scan(&raw, &["crema_d"]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains(&format!(
            "crema_d: {} Git LFS pointer stubs instead of real files in {}/crema_d/ (e.g. {})\n  fix: fetch the real files: run `git lfs install && git lfs pull` inside the Git clone",
            names.len(),
            raw.display(),
            names[0]
        )),
        "{stdout}"
    );
    let (_, report) = scan_json(&raw, &["crema_d"]);
    let crema = corpus(&report, "crema_d");
    assert_eq!(crema["status"], "unusable");
    assert_eq!(crema["found"].as_u64(), Some(names.len() as u64));
    assert_eq!(crema["lfs_pointers"].as_u64(), Some(names.len() as u64));
    assert_eq!(kinds(crema), ["lfs_pointers"]);

    // Real files with one stub among them: usable, with a warning.
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    crema_d::write_population(&raw.join("crema_d"), &crema_d::population(1001..=1002), 0.0).unwrap();
    let traps = crema_d::write_traps(&raw.join("crema_d")).unwrap();
    let (code, report) = scan_json(&raw, &["crema_d"]);
    assert_eq!(code, 0);
    let crema = corpus(&report, "crema_d");
    assert_eq!(crema["status"], "warning");
    assert_eq!(crema["lfs_pointers"].as_u64(), Some(1));
    assert!(diagnosis(crema, "lfs_pointers")["problem"]
        .as_str()
        .unwrap()
        .ends_with(&format!("(e.g. {})", traps.lfs_pointer)));
}

#[test]
fn usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = scan(dir.path(), &["nosuch"]);
    assert_eq!(code, 2);
    assert!(stderr.starts_with("error: unknown corpus 'nosuch' ("), "{stderr}");
    assert!(stderr.contains("known: cafe, "), "{stderr}");
    let missing = dir.path().join("nowhere");
    let (code, _, stderr) = scan(&missing, &[]);
    assert_eq!(code, 1);
    assert_eq!(stderr, format!("error: {}: raw folder not found\n", missing.display()));
    assert_eq!(run_cameo(&["scan"]).0, 2);
}
