//! `cameo audit`: the license report of a build (per corpus, for the collection, per sample),
//! its exit code, and one-line errors naming the file for bad input.
mod hub_common;

use cameo::fixtures::{cafe, crema_d, mesd};
use hub_common::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// CaFE (CC BY-NC-SA 4.0), CREMA-D (ODbL 1.0) and MESD (CC BY 4.0): (build, samples per split).
fn three_licenses_build(dir: &Path) -> (PathBuf, [usize; 3]) {
    let raw = dir.join("raw");
    let cafe_names = cafe::population(1..=1);
    cafe::write_population(&raw.join("cafe"), &cafe_names, 0.05).unwrap();
    let crema_names = crema_d::population(1001..=1001);
    crema_d::write_population(&raw.join("crema_d"), &crema_names, 0.05).unwrap();
    let mesd_names = mesd::population(1);
    mesd::write_population(&raw.join("mesd"), &mesd_names, 0.05).unwrap();
    let out = dir.join("build");
    build(&raw, &out);
    (out, [cafe_names.len(), crema_names.len(), mesd_names.len()])
}

fn audit_json(args: &[&str]) -> (i32, Value, String) {
    let (code, stdout, stderr) = cameo(&[&["audit", "--json"], args].concat());
    (code, serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}\n{stderr}")), stderr)
}

#[test]
fn a_build_is_audited_per_corpus_for_the_collection_and_per_sample() {
    let dir = tempfile::tempdir().unwrap();
    let (out, [n_cafe, n_crema, n_mesd]) = three_licenses_build(dir.path());
    let (code, report, stderr) = audit_json(&[path_str(&out)]);
    assert_eq!(code, 0, "{stderr}");

    let corpora = report["corpora"].as_array().unwrap();
    let rows: Vec<Value> = corpora
        .iter()
        .map(|c| {
            json!([
                c["split"],
                c["license"],
                c["spdx"],
                c["permissions"],
                c["terms_known"],
                c["contradictions"],
                c["verification"]["status"],
                c["conflicts"],
                c["text_shipped"],
                c["samples"]
            ])
        })
        .collect();
    let permissions = |commercial_use: bool, share_alike: bool| json!({"commercial_use": commercial_use, "derivatives": true, "share_alike": share_alike, "attribution": true});
    assert_eq!(
        rows,
        vec![
            json!([
                "cafe",
                "CC BY-NC-SA 4.0",
                "CC-BY-NC-SA-4.0",
                permissions(false, true),
                true,
                [],
                "VERIFIED",
                [],
                true,
                n_cafe
            ]),
            json!([
                "crema_d",
                "ODbL 1.0",
                "ODbL-1.0",
                permissions(true, true),
                true,
                [],
                "VERIFIED",
                ["nkululeko descr.yml: 'Custom academic/research use'"],
                true,
                n_crema
            ]),
            json!([
                "mesd",
                "CC BY 4.0",
                "CC-BY-4.0",
                permissions(true, false),
                true,
                [],
                "UNVERIFIED",
                [],
                true,
                n_mesd
            ]),
        ]
    );
    for corpus in corpora {
        let manifest = cameo::corpora::find(corpus["split"].as_str().unwrap()).unwrap().manifest.clone();
        assert_eq!(corpus["unverified"], json!(manifest.unverified));
        assert_eq!(corpus["citation"], json!(manifest.license.citation));
        assert_eq!(corpus["attribution"], json!(manifest.license.attribution));
    }

    let collection = &report["collection"];
    assert_eq!(
        collection["whole"],
        json!({"commercial_use": false, "derivatives": true, "share_alike": true, "attribution": true})
    );
    assert_eq!(collection["allowed"], json!(["non-commercial use and redistribution", "modified versions"]));
    assert_eq!(collection["commercial_splits"], json!(["crema_d", "mesd"]));
    assert_eq!(collection["commercial_samples"], json!(n_crema + n_mesd));
    let total = n_cafe + n_crema + n_mesd;
    assert_eq!(
        collection["notes"],
        json!([
            format!(
                "Commercial use is allowed only for the splits crema_d, mesd ({} of {total} samples).",
                n_crema + n_mesd
            ),
            "Several share-alike licenses: CC BY-NC-SA 4.0 (cafe), ODbL 1.0 (crema_d). One work that merges these \
             splits cannot carry all of them; keep each split under its own license when sharing modified versions."
        ])
    );
    let per_split: Vec<Value> = collection["per_split"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| json!([s["split"], s["allowed"], s["conditions"]]))
        .collect();
    assert_eq!(
        per_split,
        vec![
            json!([
                "cafe",
                ["non-commercial use and redistribution", "modified versions"],
                [
                    "credit the corpus (LICENSES/ATTRIBUTION.md)",
                    "share modified versions under CC BY-NC-SA 4.0",
                    "no commercial use"
                ]
            ]),
            json!([
                "crema_d",
                ["non-commercial use and redistribution", "commercial use", "modified versions"],
                ["credit the corpus (LICENSES/ATTRIBUTION.md)", "share modified versions under ODbL 1.0"]
            ]),
            json!([
                "mesd",
                ["non-commercial use and redistribution", "commercial use", "modified versions"],
                ["credit the corpus (LICENSES/ATTRIBUTION.md)"]
            ]),
        ]
    );
    assert_eq!(
        report["samples"],
        json!({"samples": total, "per_split": {"cafe": n_cafe, "crema_d": n_crema, "mesd": n_mesd},
               "without_license": [], "mismatched": [], "without_manifest": []})
    );
    assert_eq!(report["problems"], json!([]));
    assert_eq!(
        report["warnings"],
        json!([
            "crema_d: another source states a different license: nkululeko descr.yml: 'Custom academic/research use'",
            "mesd: license CC-BY-4.0 is UNVERIFIED (not read from the corpus' own files)"
        ])
    );

    // The Markdown form says the same.
    let (code, markdown, _) = cameo(&["audit", path_str(&out)]);
    assert_eq!(code, 0);
    assert!(markdown.contains(&format!(
        "| crema_d | CREMA-D | ODbL 1.0 | `ODbL-1.0` | yes | yes | yes | required | VERIFIED | {n_crema} |"
    )));
    assert!(markdown.contains(&format!("{total} samples checked: 0 without a license, 0 whose license differs")));
    assert!(markdown.contains("## Result: PASS"));
}

#[test]
fn a_sample_without_or_with_another_license_fails_the_audit() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = three_licenses_build(dir.path());
    let metadata = out.join("metadata.jsonl");
    let mut lines: Vec<Value> =
        std::fs::read_to_string(&metadata).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    lines[1]["license"] = json!("CC BY 4.0");
    lines[2]["license"] = Value::Null;
    lines[3].as_object_mut().unwrap().remove("license");
    lines[4]["license"] = json!("  ");
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&metadata, text).unwrap();
    let id = |i: usize| lines[i]["file_id"].as_str().unwrap().to_string();

    let (code, report, stderr) = audit_json(&[path_str(&out)]);
    assert_eq!(code, 1);
    let issue = |i: usize, license: Option<&str>| json!({"line": i + 1, "file_id": id(i), "split": "cafe", "license": license, "expected": "CC BY-NC-SA 4.0"});
    assert_eq!(report["samples"]["without_license"], json!([issue(2, None), issue(3, None), issue(4, None)]));
    assert_eq!(report["samples"]["mismatched"], json!([issue(1, Some("CC BY 4.0"))]));
    assert_eq!(
        report["problems"],
        json!([
            format!("metadata.jsonl line 3: sample {} (cafe) has no license", id(2)),
            format!("metadata.jsonl line 4: sample {} (cafe) has no license", id(3)),
            format!("metadata.jsonl line 5: sample {} (cafe) has no license", id(4)),
            format!(
                "metadata.jsonl line 2: sample {} (cafe) says license 'CC BY 4.0', its manifest 'CC BY-NC-SA 4.0'",
                id(1)
            ),
        ])
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(
        stderr.trim(),
        format!("error: license audit failed: 4 problem(s), the first: metadata.jsonl line 3: sample {} (cafe) has no license", id(2))
    );
}

#[test]
fn licenses_folder_must_hold_every_text_and_credit_every_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = three_licenses_build(dir.path());
    let folder = out.join("LICENSES");
    let mut names: Vec<String> =
        std::fs::read_dir(&folder).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["ATTRIBUTION.md", "CC-BY-4.0.txt", "CC-BY-NC-SA-4.0.txt", "ODbL-1.0.txt"]);
    // The texts are the SPDX list's, as scripts/update-license-texts fetched them.
    let odbl = std::fs::read_to_string(folder.join("ODbL-1.0.txt")).unwrap();
    assert!(odbl.contains("Open Database License"), "{}", &odbl[..200]);
    let attribution = std::fs::read_to_string(folder.join("ATTRIBUTION.md")).unwrap();
    for name in ["CaFE", "CREMA-D", "MESD"] {
        assert!(attribution.lines().any(|l| l == format!("## {name}")), "{name} not credited");
    }

    std::fs::remove_file(folder.join("ODbL-1.0.txt")).unwrap();
    std::fs::write(folder.join("ATTRIBUTION.md"), attribution.replace("## CaFE\n", "")).unwrap();
    let (code, report, _) = audit_json(&[path_str(&out)]);
    assert_eq!(code, 1);
    assert_eq!(
        report["problems"],
        json!([
            format!("{} is missing (the license text of ODbL-1.0)", folder.join("ODbL-1.0.txt").display()),
            format!("{} does not credit CaFE", folder.join("ATTRIBUTION.md").display()),
        ])
    );
}

#[test]
fn manifests_alone_are_audited_and_a_flag_the_license_does_not_grant_fails() {
    let (code, report, stderr) = audit_json(&[]);
    assert_eq!(code, 0, "{stderr}");
    let splits: Vec<&str> =
        report["corpora"].as_array().unwrap().iter().map(|c| c["split"].as_str().unwrap()).collect();
    let registry: Vec<&str> = cameo::corpora::Registry::builtin().ids();
    assert_eq!(splits, registry);
    assert_eq!(report["samples"], Value::Null);
    assert!(report["corpora"].as_array().unwrap().iter().all(|c| c["samples"].is_null()));

    let dir = tempfile::tempdir().unwrap();
    let manifests = dir.path().join("manifests");
    std::fs::create_dir_all(&manifests).unwrap();
    let cafe =
        cameo::corpora::find("cafe").unwrap().manifest_toml.replace("commercial_use = false", "commercial_use = true");
    std::fs::write(manifests.join("cafe.toml"), cafe).unwrap();
    let (code, report, stderr) = audit_json(&["--manifests", path_str(&manifests)]);
    assert_eq!(code, 1);
    assert_eq!(
        report["problems"],
        json!(["cafe: the manifest says commercial_use = true, but CC-BY-NC-SA-4.0 means commercial_use = false"])
    );
    assert_eq!(report["corpora"][0]["permissions"]["commercial_use"], json!(true));
    assert!(stderr.contains("license audit failed: 1 problem(s)"), "{stderr}");
}

#[test]
fn bad_input_is_a_one_line_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let one_line = |args: &[&str], expected_start: String| {
        let (code, stdout, stderr) = cameo(args);
        assert_eq!(code, 1, "{stdout}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with(&expected_start), "{stderr}\nexpected: {expected_start}");
        stderr
    };
    // A manifest without a license.
    let manifests = dir.path().join("manifests");
    std::fs::create_dir_all(&manifests).unwrap();
    let text = &cameo::corpora::find("mesd").unwrap().manifest_toml;
    let start = text.find("[license]").unwrap();
    let end = start + text[start..].find("\n[[sources]]").unwrap();
    let path = manifests.join("mesd.toml");
    std::fs::write(&path, format!("{}{}", &text[..start], &text[end..])).unwrap();
    let stderr = one_line(&["audit", "--manifests", path_str(&manifests)], format!("error: {}: ", path.display()));
    assert!(stderr.trim_end().ends_with("missing field `license`"), "{stderr}");
    // An empty manifests folder.
    std::fs::remove_file(&path).unwrap();
    one_line(
        &["audit", "--manifests", path_str(&manifests)],
        format!("error: {}: no *.toml manifest", manifests.display()),
    );
    // A build folder without metadata.jsonl, and one with a line that is not JSON.
    let build = dir.path().join("build");
    std::fs::create_dir_all(&build).unwrap();
    let metadata = build.join("metadata.jsonl");
    one_line(&["audit", path_str(&build)], format!("error: {}: cannot read", metadata.display()));
    std::fs::write(
        &metadata,
        "{\"file_id\": \"a.flac\", \"audio\": \"audio/cafe/a.flac\", \"license\": \"MIT\"}\n{oops\n",
    )
    .unwrap();
    one_line(&["audit", path_str(&build)], format!("error: {}: line 2: not JSON", metadata.display()));
}
