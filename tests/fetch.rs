//! `cameo fetch` through the binary against a local HTTP server (never the internet), with
//! manifest copies pointing at it: a full download checked by SHA-256 and extracted with CP437
//! entry names, resuming a cut download with a Range request, a server that ignores ranges,
//! a checksum mismatch, truncated archives, zip-slip entries, tar.gz/tar.xz archives, and
//! manual sources.
mod common;
mod fetch_support;

use cameo::fixtures::{cafe, mesd, ravdess};
use common::{run_cameo, sha256_hex, tree_bytes};
use fetch_support::server::{Mode, Request, Server};
use fetch_support::zip_writer::{cp437, zip, Entry};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fetch(raw: &Path, corpora: &[&str], manifests: Option<&Path>) -> (i32, String, String) {
    let mut args = vec!["fetch", "--raw", raw.to_str().unwrap()];
    if let Some(manifests) = manifests {
        args.extend(["--manifests", manifests.to_str().unwrap()]);
    }
    args.push("--corpus");
    args.extend_from_slice(corpora);
    run_cameo(&args)
}

/// A manifest folder holding `id`'s manifest with its (first) download source replaced.
fn manifests_with_source(dir: &Path, id: &str, old_file: &str, new_source: &str) -> PathBuf {
    let text = &cameo::corpora::find(id).unwrap().manifest_toml;
    let start = text.find(&format!("file = \"{old_file}\"")).unwrap();
    let url_start = start + text[start..].find("\nurl = ").unwrap() + 1;
    let url_end = url_start + text[url_start..].find('\n').unwrap();
    let folder = dir.join("manifests");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join(format!("{id}.toml")), format!("{}{new_source}{}", &text[..start], &text[url_end..]))
        .unwrap();
    folder
}

/// A `[[sources]]` body for `file` at `url`, with size and SHA-256 when given.
fn source(file: &str, url: &str, pinned: Option<&[u8]>) -> String {
    let mut text = format!("file = \"{file}\"\nurl = \"{url}\"");
    if let Some(bytes) = pinned {
        text.push_str(&format!("\nsize = {}\nsha256 = \"{}\"", bytes.len(), sha256_hex(bytes)));
    }
    text
}

/// Zips every file below `root` under `prefix/`, names in CP437 without the UTF-8 flag.
fn zip_tree(root: &Path, prefix: &str) -> (Vec<u8>, BTreeMap<String, Vec<u8>>) {
    let files = tree_bytes(root);
    let entries: Vec<Entry> =
        files.iter().map(|(name, bytes)| Entry::file(cp437(&format!("{prefix}/{name}")), bytes.clone())).collect();
    let expected = files.into_iter().map(|(name, bytes)| (format!("{prefix}/{name}"), bytes)).collect();
    (zip(&entries), expected)
}

/// A CaFE tree of one actor (78 files, accented folder names) and its zip.
fn cafe_zip(dir: &Path) -> (Vec<u8>, BTreeMap<String, Vec<u8>>) {
    let source = dir.join("cafe-source");
    cafe::write_population(&source, &cafe::population(1..=1), 0.02).unwrap();
    zip_tree(&source, "CaFE_48k")
}

fn last_line(text: &str) -> &str {
    text.lines().last().unwrap_or_default()
}

#[test]
fn a_zip_is_downloaded_checked_and_extracted_with_cp437_names() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    let (archive, expected) = cafe_zip(dir.path());
    assert_eq!(expected.len(), 78);
    assert!(expected.contains_key("CaFE_48k/Colère/Faible/01-C-1-1.wav"));
    assert!(expected.contains_key("CaFE_48k/Dégoût/Fort/01-D-2-6.wav"));
    let server = Server::start();
    server.serve("CaFE_48k.zip", archive.clone(), Mode::Normal);
    let manifests = manifests_with_source(
        dir.path(),
        "cafe",
        "CaFE_48k.zip",
        &source("CaFE_48k.zip", &server.url("CaFE_48k.zip"), Some(&archive)),
    );

    let (code, stdout, stderr) = fetch(&raw, &["cafe"], Some(&manifests));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        format!(
            "cafe: CaFE_48k.zip: downloaded, {:.1} MB, SHA-256 matches the manifest; extracted 78 files into {}/cafe/\n",
            archive.len() as f64 / 1e6,
            raw.display()
        )
    );
    // Every file, under its UTF-8 (NFC) name, with its bytes.
    assert_eq!(tree_bytes(&raw.join("cafe")), expected);
    let downloads = raw.join(".downloads");
    let kept: Vec<String> = std::fs::read_dir(&downloads)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(kept, ["CaFE_48k.zip", "CaFE_48k.zip.extracted", "CaFE_48k.zip.sha256"]);
    assert_eq!(std::fs::read(downloads.join("CaFE_48k.zip")).unwrap(), archive);
    assert_eq!(
        std::fs::read_to_string(downloads.join("CaFE_48k.zip.sha256")).unwrap(),
        format!("{}  CaFE_48k.zip\n", sha256_hex(&archive))
    );

    // The result is what the adapter expects.
    let (code, stdout, _) = run_cameo(&[
        "scan",
        "--json",
        "--raw",
        raw.to_str().unwrap(),
        "--corpus",
        "cafe",
        "--manifests",
        manifests.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["corpora"][0]["found"].as_u64(), Some(78));

    // A rerun neither downloads nor extracts again.
    let (code, stdout, _) = fetch(&raw, &["cafe"], Some(&manifests));
    assert_eq!(code, 0);
    assert!(stdout.starts_with("cafe: CaFE_48k.zip: already downloaded,"), "{stdout}");
    assert!(stdout.ends_with(&format!("already in {}/cafe/\n", raw.display())), "{stdout}");
    assert_eq!(server.requests(), [Request { path: "/CaFE_48k.zip".into(), range: None }]);
}

/// A RAVDESS actor zipped: (archive, expected extracted tree).
fn ravdess_zip(dir: &Path) -> (Vec<u8>, BTreeMap<String, Vec<u8>>) {
    let source = dir.join("ravdess-source");
    ravdess::write_population(&source, &ravdess::population(1..=1), 0.02).unwrap();
    zip_tree(&source, "Audio_Speech_Actors_01-24")
}

const RAVDESS_ZIP: &str = "Audio_Speech_Actors_01-24.zip";

#[test]
fn a_cut_download_resumes_with_a_range_request() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    let (archive, expected) = ravdess_zip(dir.path());
    let half = archive.len() / 2;
    let server = Server::start();
    server.serve(RAVDESS_ZIP, archive.clone(), Mode::CutAfter(half));
    let manifests = manifests_with_source(
        dir.path(),
        "ravdess",
        RAVDESS_ZIP,
        &source(RAVDESS_ZIP, &server.url(RAVDESS_ZIP), Some(&archive)),
    );

    let (code, stdout, stderr) = fetch(&raw, &["ravdess"], Some(&manifests));
    assert_eq!(code, 1);
    let part = raw.join(".downloads").join(format!("{RAVDESS_ZIP}.part"));
    assert!(
        last_line(&stderr).starts_with(&format!(
            "error: ravdess: {RAVDESS_ZIP}: {}: the transfer stopped after {half} of {} bytes",
            server.url(RAVDESS_ZIP),
            archive.len()
        )),
        "{stderr}"
    );
    assert!(
        last_line(&stderr).contains(&format!(
            "{} is kept, run `cameo fetch` again to resume (1 of 1 sources failed)",
            part.display()
        )),
        "{stderr}"
    );
    assert!(
        stdout
            .starts_with(&format!("ravdess: {RAVDESS_ZIP}: FAILED: {}: the transfer stopped", server.url(RAVDESS_ZIP))),
        "{stdout}"
    );
    assert_eq!(std::fs::read(&part).unwrap(), archive[..half]);
    assert!(!raw.join("ravdess").exists());

    server.serve(RAVDESS_ZIP, archive.clone(), Mode::Normal);
    let (code, stdout, stderr) = fetch(&raw, &["ravdess"], Some(&manifests));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        server.requests().last().unwrap(),
        &Request { path: format!("/{RAVDESS_ZIP}"), range: Some(format!("bytes={half}-")) }
    );
    assert!(
        stdout.starts_with(&format!("ravdess: {RAVDESS_ZIP}: downloaded (resumed after {:.1} MB),", half as f64 / 1e6)),
        "{stdout}"
    );
    assert!(!part.exists());
    assert_eq!(tree_bytes(&raw.join("ravdess")), expected);
}

#[test]
fn a_server_ignoring_the_range_gets_the_whole_file_again() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    let (archive, expected) = ravdess_zip(dir.path());
    let server = Server::start();
    server.serve(RAVDESS_ZIP, archive.clone(), Mode::IgnoreRange);
    let manifests = manifests_with_source(
        dir.path(),
        "ravdess",
        RAVDESS_ZIP,
        &source(RAVDESS_ZIP, &server.url(RAVDESS_ZIP), Some(&archive)),
    );
    // A part that is not even a prefix of the file: appending a 200 body to it would corrupt it.
    let part = raw.join(".downloads").join(format!("{RAVDESS_ZIP}.part"));
    cameo::fixtures::write_file(&raw, &format!(".downloads/{RAVDESS_ZIP}.part"), &vec![7u8; 1000]).unwrap();

    let (code, stdout, stderr) = fetch(&raw, &["ravdess"], Some(&manifests));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!("{RAVDESS_ZIP}: the server does not resume downloads; starting over\n")),
        "{stderr}"
    );
    assert_eq!(server.requests()[0].range.as_deref(), Some("bytes=1000-"));
    assert!(
        stdout.starts_with(&format!("ravdess: {RAVDESS_ZIP}: downloaded (restarted from the beginning),")),
        "{stdout}"
    );
    assert!(!part.exists());
    assert_eq!(tree_bytes(&raw.join("ravdess")), expected);
}

#[test]
fn a_416_means_the_part_is_whole_or_does_not_fit() {
    let dir = tempfile::tempdir().unwrap();
    let (archive, expected) = ravdess_zip(dir.path());
    let server = Server::start();
    server.serve(RAVDESS_ZIP, archive.clone(), Mode::Normal);
    // No size in the manifest, so only the server can say the part is already whole.
    let manifests =
        manifests_with_source(dir.path(), "ravdess", RAVDESS_ZIP, &source(RAVDESS_ZIP, &server.url(RAVDESS_ZIP), None));
    let part = format!(".downloads/{RAVDESS_ZIP}.part");

    let raw = dir.path().join("whole");
    cameo::fixtures::write_file(&raw, &part, &archive).unwrap();
    let (code, _, stderr) = fetch(&raw, &["ravdess"], Some(&manifests));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(server.requests().len(), 1, "the 416 needs no second request");
    assert_eq!(server.requests()[0].range, Some(format!("bytes={}-", archive.len())));
    assert_eq!(tree_bytes(&raw.join("ravdess")), expected);

    // Longer than the file: it is fetched anew with a plain request.
    let raw = dir.path().join("longer");
    let mut longer = archive.clone();
    longer.extend_from_slice(b"trailing garbage");
    cameo::fixtures::write_file(&raw, &part, &longer).unwrap();
    let (code, stdout, stderr) = fetch(&raw, &["ravdess"], Some(&manifests));
    assert_eq!(code, 0, "{stderr}");
    let requests = server.requests();
    assert_eq!(requests[1].range, Some(format!("bytes={}-", longer.len())));
    assert_eq!(requests[2].range, None);
    assert!(
        stdout.starts_with(&format!("ravdess: {RAVDESS_ZIP}: downloaded (restarted from the beginning),")),
        "{stdout}"
    );
    assert_eq!(std::fs::read(raw.join(".downloads").join(RAVDESS_ZIP)).unwrap(), archive);
    assert_eq!(tree_bytes(&raw.join("ravdess")), expected);
}

#[test]
fn a_checksum_mismatch_is_an_error_and_nothing_is_extracted() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    let (archive, _) = cafe_zip(dir.path());
    let server = Server::start();
    server.serve("CaFE_48k.zip", archive.clone(), Mode::Normal);
    // The manifest describes other bytes of the same length.
    let mut other = archive.clone();
    other[100] ^= 1;
    let manifests = manifests_with_source(
        dir.path(),
        "cafe",
        "CaFE_48k.zip",
        &source("CaFE_48k.zip", &server.url("CaFE_48k.zip"), Some(&other)),
    );

    let (code, _, stderr) = fetch(&raw, &["cafe"], Some(&manifests));
    assert_eq!(code, 1);
    let part = raw.join(".downloads/CaFE_48k.zip.part");
    assert_eq!(
        last_line(&stderr),
        format!(
            "error: cafe: CaFE_48k.zip: SHA-256 mismatch: the file has {}, the manifest expects {}; removed {} (resuming a wrong file cannot fix it); nothing was extracted. Run `cameo fetch` again to download it afresh; if it fails the same way, the file changed upstream and the manifest needs updating (1 of 1 sources failed)",
            sha256_hex(&archive),
            sha256_hex(&other),
            part.display()
        )
    );
    assert!(!part.exists());
    assert!(!raw.join(".downloads/CaFE_48k.zip").exists());
    assert!(!raw.join("cafe").exists());
}

#[test]
fn truncated_archives_are_clear_errors_and_extract_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    let (archive, _) = cafe_zip(dir.path());
    // The server's file itself is cut short; without a pinned checksum only extraction can tell.
    let truncated = archive[..archive.len() * 6 / 10].to_vec();
    let server = Server::start();
    server.serve("CaFE_48k.zip", truncated, Mode::Normal);
    let manifests = manifests_with_source(
        dir.path(),
        "cafe",
        "CaFE_48k.zip",
        &source("CaFE_48k.zip", &server.url("CaFE_48k.zip"), None),
    );
    let (code, stdout, stderr) = fetch(&raw, &["cafe"], Some(&manifests));
    assert_eq!(code, 1);
    let kept = raw.join(".downloads/CaFE_48k.zip");
    let error = last_line(&stderr);
    assert!(error.starts_with(&format!("error: cafe: {}: not a readable zip archive: ", kept.display())), "{error}");
    assert!(
        error.ends_with(&format!("the archive is truncated or damaged (delete {} to download it again); nothing was extracted (1 of 1 sources failed)", kept.display())),
        "{error}"
    );
    assert!(
        stdout.starts_with(&format!("cafe: CaFE_48k.zip: FAILED: {}: not a readable zip", kept.display())),
        "{stdout}"
    );
    assert!(!raw.join("cafe").exists());
    assert!(!raw.join(".downloads/CaFE_48k.zip.extracting").exists());

    // A tar.gz cut in the middle of a file's data fails the same way.
    let source_dir = dir.path().join("ravdess-source");
    ravdess::write_population(&source_dir, &ravdess::population(1..=1), 0.02).unwrap();
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast()));
    builder.append_dir_all("speech", &source_dir).unwrap();
    let targz = builder.into_inner().unwrap().finish().unwrap();
    server.serve("speech.tar.gz", targz[..targz.len() / 2].to_vec(), Mode::Normal);
    let manifests = manifests_with_source(
        dir.path(),
        "ravdess",
        RAVDESS_ZIP,
        &source("speech.tar.gz", &server.url("speech.tar.gz"), None),
    );
    let (code, _, stderr) = fetch(&raw, &["ravdess"], Some(&manifests));
    assert_eq!(code, 1);
    let error = last_line(&stderr);
    assert!(
        error.starts_with(&format!("error: ravdess: {}: ", raw.join(".downloads/speech.tar.gz").display())),
        "{error}"
    );
    assert!(error.contains("the archive is truncated or damaged"), "{error}");
    assert!(!raw.join("ravdess").exists());
}

#[test]
fn zip_slip_entries_are_refused_and_nothing_is_extracted() {
    for (hostile, reason) in [
        ("../evil.txt", "a `..` component would write outside the extraction folder"),
        ("CaFE_48k/../../evil.txt", "a `..` component would write outside the extraction folder"),
        ("/tmp/evil.txt", "absolute path"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let raw = dir.path().join("raw");
        let archive = zip(&[Entry::file("CaFE_48k/Joie/Fort/01-J-2-1.wav", "RIFF"), Entry::file(hostile, "owned")]);
        let server = Server::start();
        server.serve("CaFE_48k.zip", archive.clone(), Mode::Normal);
        let manifests = manifests_with_source(
            dir.path(),
            "cafe",
            "CaFE_48k.zip",
            &source("CaFE_48k.zip", &server.url("CaFE_48k.zip"), Some(&archive)),
        );
        let (code, _, stderr) = fetch(&raw, &["cafe"], Some(&manifests));
        assert_eq!(code, 1);
        assert_eq!(
            last_line(&stderr),
            format!(
                "error: cafe: {}: entry '{hostile}' refused: {reason}; nothing was extracted (1 of 1 sources failed)",
                raw.join(".downloads/CaFE_48k.zip").display()
            )
        );
        assert!(!raw.join("cafe").exists());
        assert!(!raw.join("evil.txt").exists() && !dir.path().join("evil.txt").exists());
    }
}

#[test]
fn tar_xz_archives_extract_and_links_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    let source_dir = dir.path().join("ravdess-source");
    ravdess::write_population(&source_dir, &ravdess::population(2..=2), 0.02).unwrap();
    let mut builder = tar::Builder::new(Vec::new());
    builder.append_dir_all("speech", &source_dir).unwrap();
    let mut link = tar::Header::new_gnu();
    link.set_entry_type(tar::EntryType::Symlink);
    link.set_size(0);
    builder.append_link(&mut link, "speech/outside", "/etc").unwrap();
    let tar_bytes = builder.into_inner().unwrap();
    let mut xz = lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(1)).unwrap();
    std::io::Write::write_all(&mut xz, &tar_bytes).unwrap();
    let archive = xz.finish().unwrap();
    let server = Server::start();
    server.serve("speech.tar.xz", archive.clone(), Mode::Normal);
    let manifests = manifests_with_source(
        dir.path(),
        "ravdess",
        RAVDESS_ZIP,
        &source("speech.tar.xz", &server.url("speech.tar.xz"), Some(&archive)),
    );

    let (code, stdout, stderr) = fetch(&raw, &["ravdess"], Some(&manifests));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.ends_with(&format!(
            "extracted 60 files into {}/ravdess/ (1 links or special entries not extracted, e.g. speech/outside)\n",
            raw.display()
        )),
        "{stdout}"
    );
    let expected: BTreeMap<String, Vec<u8>> =
        tree_bytes(&source_dir).into_iter().map(|(name, bytes)| (format!("speech/{name}"), bytes)).collect();
    assert_eq!(tree_bytes(&raw.join("ravdess")), expected);
    assert!(std::fs::symlink_metadata(raw.join("ravdess/speech/outside")).is_err());
}

#[test]
fn manual_sources_say_where_to_get_and_put_them_and_a_placed_archive_is_extracted() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    let (code, stdout, stderr) = fetch(&raw, &["crema_d", "mesd"], None);
    assert_eq!(code, 0, "{stderr}");
    let absolute = std::path::absolute(&raw).unwrap();
    let mesd_file = "Mexican Emotional Speech Database (MESD).zip";
    let crema = cameo::corpora::find("crema_d").unwrap().manifest.clone();
    let mesd_manifest = cameo::corpora::find("mesd").unwrap().manifest.clone();
    let kept = absolute.join(".downloads").join(mesd_file);
    let expected = format!(
        "crema_d: {}: manual download\n  get it: {}\n  put it: into {}/crema_d/\n\
         mesd: {mesd_file}: manual download\n  get it: {}\n  put it: save it as {} and run `cameo fetch` again (it checks and extracts it into {}/mesd/), or extract it yourself: `unzip '{}' -d {}/mesd`\n",
        crema.sources[0].file,
        crema.sources[0].manual.as_deref().unwrap(),
        absolute.display(),
        mesd_manifest.sources[0].manual.as_deref().unwrap(),
        kept.display(),
        absolute.display(),
        kept.display(),
        absolute.display(),
    );
    assert_eq!(stdout, expected);

    // The archive put where the instructions say is checked and extracted.
    let source_dir = dir.path().join("mesd-source");
    mesd::write_population(&source_dir, &mesd::population(1), 0.02).unwrap();
    let (archive, expected) = zip_tree(&source_dir, "MESD");
    std::fs::write(&kept, &archive).unwrap();
    let (code, stdout, stderr) = fetch(&raw, &["mesd"], None);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with(&format!("mesd: {mesd_file}: already downloaded,")), "{stdout}");
    assert!(
        stdout.contains(&format!("no SHA-256 in the manifest; extracted {} files into", expected.len())),
        "{stdout}"
    );
    assert_eq!(tree_bytes(&raw.join("mesd")), expected);
}
