//! Oréau, French emotional speech (Zenodo 4405783), version 1 only.
//!
//! The record holds two versions: `OréauFR_01` (502 utterances, what CAMEO counts) and
//! `OréauFR_02` (434, the part listeners recognised in a perception test, presumably a subset
//! of version 1). Only version 1 is read; version-2 files beside it are skipped with a reason,
//! and a tree holding version 2 alone is refused, saying what to download instead.
//!
//! Layout: `OréauFR_01/<f|m>/sess<e>/SSxNNEt.wav` (+ `contents.txt`), possibly doubled
//! (`OréauFR_01/OréauFR_01/…`) as the zip holds a same-named top folder. The `é` of the folder
//! name arrives in many spellings: NFD from a macOS zip, NFC, plain `e`, or mojibake when the
//! zip's names were decoded as CP437 or cp1252 (`Or├⌐auFR_01`, `Ore╠üauFR_01`, `OrÃ©auFR_01`),
//! so version folders are recognised by [`version_of`], never by a byte string. Raw non-UTF-8
//! bytes cannot be named in a record and fail the scan (see `walk::list_files`).
//!
//! File names `SSxNNEt.wav`: speaker (two digits), utterance code (a letter and two digits,
//! per emotion), the emotion initial (upper case, repeated by the `sess<e>` folder) and a
//! trailing take letter. Gender comes from the `f`/`m` folder and must agree with the
//! manifest's speaker table. No transcription (the sentence list was never seen); ages are
//! not published. Audio: 44.1 kHz, possibly stereo; the build reads every file's format.
use super::walk::{extension, list_files};
use super::{require_folder, AudioLocation, Corpus, Reject, Scan, ScanError, Skipped, SourceItem};
use crate::manifest::Manifest;
use crate::record::Gender;
use std::path::Path;
use unicode_normalization::UnicodeNormalization;

#[derive(Debug)]
pub struct Oreau;

/// The two versions of the Zenodo record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    /// `OréauFR_01`, 502 utterances: the one CAMEO uses.
    One,
    /// `OréauFR_02`, 434 utterances.
    Two,
}

const VERSION_TWO_SKIPPED: &str =
    "version 2 (OréauFR_02, 434 utterances); CAMEO uses version 1 (OréauFR_01, 502 utterances)";

/// Which version a folder name denotes: `Or<é>auFR_0<1|2>` in any case, where `<é>` is the
/// letter in NFC or NFD, a plain `e`, or one to three non-ASCII characters after an optional
/// `e` (what CP437 or cp1252 decoding makes of its UTF-8 or CP850 bytes).
fn version_of(folder: &str) -> Option<Version> {
    let folder: String = folder.nfc().collect::<String>().to_lowercase();
    let (head, version) = if let Some(head) = folder.strip_suffix("aufr_01") {
        (head, Version::One)
    } else if let Some(head) = folder.strip_suffix("aufr_02") {
        (head, Version::Two)
    } else {
        return None;
    };
    let accent = head.strip_prefix("or")?;
    let after_e = accent.strip_prefix('e').unwrap_or(accent);
    let spelled_as_e = (1..=3).contains(&accent.chars().count()) && !after_e.chars().any(|c| c.is_ascii());
    spelled_as_e.then_some(version)
}

/// The fields of an Oréau file name.
#[derive(Debug, PartialEq, Eq)]
struct FileName<'a> {
    speaker: &'a str,
    /// Letter and two digits, e.g. `a02`; numbered per emotion.
    utterance: &'a str,
    /// The upper-case emotion initial.
    emotion: &'a str,
    take: &'a str,
}

/// The file-name grammar: `SSxNNEt.wav`, two digits, a lower-case letter and two digits, one
/// upper-case letter, one lower-case letter (e.g. `10a02Ja.wav`, `07z03Sa.wav`).
fn parse_name(name: &str) -> Option<FileName<'_>> {
    let stem = name.strip_suffix(".wav").or_else(|| name.strip_suffix(".WAV"))?;
    let b = stem.as_bytes();
    let well_formed = b.len() == 7
        && b[0].is_ascii_digit()
        && b[1].is_ascii_digit()
        && b[2].is_ascii_lowercase()
        && b[3].is_ascii_digit()
        && b[4].is_ascii_digit()
        && b[5].is_ascii_uppercase()
        && b[6].is_ascii_lowercase();
    // All seven bytes are ASCII, so these slices fall on character boundaries.
    well_formed.then(|| FileName {
        speaker: &stem[0..2],
        utterance: &stem[2..5],
        emotion: &stem[5..6],
        take: &stem[6..],
    })
}

/// Where a file lies: below which version folder (the innermost, so that a doubled
/// `OréauFR_01/OréauFR_01/` works) and the path parts after it, name included.
fn place(relative: &str) -> Option<(Version, Vec<&str>)> {
    let parts: Vec<&str> = relative.split('/').collect();
    let folders = &parts[..parts.len().saturating_sub(1)];
    let (index, version) = folders.iter().enumerate().rev().find_map(|(i, f)| version_of(f).map(|v| (i, v)))?;
    Some((version, parts[index + 1..].to_vec()))
}

/// Turns a version-1 WAV at `<gender>/<session>/<name>` into an item; the error is the reject
/// reason.
fn version_one_item(manifest: &Manifest, relative: &str, below_version: &[&str]) -> Result<SourceItem, String> {
    let [gender_folder, session, name] = below_version else {
        return Err("not at OréauFR_01/<f|m>/sess<e>/<name>.wav".into());
    };
    let folder_gender = match *gender_folder {
        "f" => Gender::Female,
        "m" => Gender::Male,
        other => return Err(format!("gender folder '{other}': only f or m exist")),
    };
    let session_letter = session
        .strip_prefix("sess")
        .filter(|letter| letter.len() == 1 && letter.bytes().all(|b| b.is_ascii_lowercase()))
        .ok_or_else(|| format!("session folder '{session}': expected sess<e> with a lower-case emotion initial"))?;
    let fields = parse_name(name).ok_or("file name does not follow SSxNNEt.wav (e.g. 10a02Ja.wav)")?;
    if !fields.emotion.eq_ignore_ascii_case(session_letter) {
        return Err(format!("emotion letter {} of the name disagrees with its folder {session}", fields.emotion));
    }
    let speaker = manifest
        .speakers
        .get(fields.speaker)
        .ok_or_else(|| format!("speaker {} not in the [speakers] of the manifest", fields.speaker))?;
    if speaker.gender != Some(folder_gender) {
        let table = speaker.gender.map_or("without a gender", Gender::as_str);
        return Err(format!(
            "speaker {} is {table} in the [speakers] of the manifest but lies under {gender_folder}/",
            fields.speaker
        ));
    }
    Ok(SourceItem {
        location: AudioLocation::File(relative.to_string()),
        source_label: fields.emotion.to_string(),
        speaker: Some(fields.speaker.to_string()),
        gender: Some(folder_gender),
        age: None,
        transcription: None,
    })
}

impl Corpus for Oreau {
    fn scan(&self, root: &Path, manifest: &Manifest) -> Result<Scan, ScanError> {
        require_folder(root, "extract OréauFR_01 (version 1) from Zenodo record 4405783 into it")?;
        let mut scan = Scan::default();
        let (mut version_one_seen, mut version_two_seen) = (false, false);
        for file in list_files(root, &mut scan.skipped)? {
            let is_wav = extension(&file.name).as_deref() == Some("wav");
            let skip = |reason: &str| Skipped { source: file.relative.clone(), reason: reason.into() };
            match place(&file.relative) {
                Some((Version::Two, _)) => {
                    version_two_seen = true;
                    scan.skipped.push(skip(VERSION_TWO_SKIPPED));
                }
                None if is_wav => scan.rejects.push(Reject {
                    source: file.relative.clone(),
                    reason: "outside an OréauFR_01/ folder, so its version is unknown".into(),
                }),
                None => scan.skipped.push(skip("not a WAV file")),
                Some((Version::One, below)) => {
                    version_one_seen = true;
                    if below == ["contents.txt"] {
                        scan.skipped.push(skip("corpus documentation (contents.txt), not audio"));
                    } else if !is_wav {
                        scan.skipped.push(skip("not a WAV file"));
                    } else {
                        match version_one_item(manifest, &file.relative, &below) {
                            Ok(item) => scan.items.push(item),
                            Err(reason) => scan.rejects.push(Reject { source: file.relative.clone(), reason }),
                        }
                    }
                }
            }
        }
        if !version_one_seen {
            let message = if version_two_seen {
                "holds only OréauFR_02, version 2 of Oréau (434 utterances); CAMEO uses version 1: download \
                 OréauFR_01 (502 utterances) from https://zenodo.org/record/4405783 and extract it here"
            } else {
                "no OréauFR_01 folder with files below it: extract OréauFR_01 (version 1, 502 utterances) from \
                 https://zenodo.org/record/4405783 here, keeping its top folder"
            };
            return Err(ScanError::Layout { path: root.to_path_buf(), message: message.into() });
        }
        Ok(scan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_folders_in_every_spelling() {
        for one in [
            "OréauFR_01",
            "Ore\u{301}auFR_01",
            "OreauFR_01",
            "OREAUFR_01",
            "Or├⌐auFR_01",
            "Ore╠üauFR_01",
            "OrÃ©auFR_01",
            "Or‚auFR_01",
            "Or\u{FFFD}auFR_01",
        ] {
            assert_eq!(version_of(one), Some(Version::One), "{one}");
        }
        assert_eq!(version_of("Ore\u{301}auFR_02"), Some(Version::Two));
        assert_eq!(version_of("Or├⌐auFR_02"), Some(Version::Two));
        for other in
            ["OrauFR_01", "OrxauFR_01", "OréauFR_03", "OréauFR_01.zip", "Oréau", "f", "sessc", "OréééééauFR_01"]
        {
            assert_eq!(version_of(other), None, "{other}");
        }
    }

    #[test]
    fn the_innermost_version_folder_counts() {
        let (version, below) = place("OréauFR_01/Ore\u{301}auFR_01/f/sessc/10a01Ca.wav").unwrap();
        assert_eq!((version, below), (Version::One, vec!["f", "sessc", "10a01Ca.wav"]));
        assert_eq!(place("OréauFR_02/m/sessn/27a03Na.wav").unwrap().0, Version::Two);
        assert_eq!(place("f/sessc/10a01Ca.wav"), None);
        // A file named like a version folder is not one.
        assert_eq!(place("OréauFR_01"), None);
    }

    #[test]
    fn file_name_grammar() {
        let fields = parse_name("10a02Ja.wav").unwrap();
        assert_eq!(fields, FileName { speaker: "10", utterance: "a02", emotion: "J", take: "a" });
        assert_eq!(parse_name("07z03Sb.wav").unwrap().utterance, "z03");
        for bad in
            ["10a02J.wav", "1a02Ja.wav", "10A02Ja.wav", "10a02ja.wav", "10a02JA.wav", "10a02Ja.mp3", "10a2Ja.wav"]
        {
            assert!(parse_name(bad).is_none(), "{bad}");
        }
        assert!(parse_name("10a02Jaé.wav").is_none());
    }
}
