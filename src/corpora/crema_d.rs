//! CREMA-D, WAV audio only (GitHub CheyneyComputerScience/CREMA-D with Git LFS, or the Kaggle
//! mirror's `AudioWAV/`; ODbL 1.0, contents DbCL 1.0).
//!
//! Layout: the repository clone holds `AudioWAV/` (7,442 WAVs, 16 kHz 16-bit mono), plus
//! `AudioMP3/`, `VideoFlash/`, `processedResults/`, CSVs, R scripts and docs that CAMEO does
//! not use; the Kaggle mirror holds `AudioWAV/` alone. Only files inside a folder named
//! `AudioWAV` are items (it may sit below a wrapper folder); everything else is skipped with a
//! reason. File names follow `AAAA_SSS_EEE_LL.wav`: actor (1001-1091), sentence code (one of
//! twelve fixed sentences), emotion, level (LO, MD, HI, XX). Gender and age come from the
//! manifest's speaker table (VideoDemographics.csv). A clone without LFS leaves ~130-byte
//! pointer texts named `*.wav`; they are items here and the audio decoder rejects them with
//! "Git LFS pointer, fetch the real file", one per file. `1076_MTI_SAD_XX.wav` is silent and
//! kept (CAMEO's count includes it).
use super::walk::{extension, list_files};
use super::{item_from_manifest_tables, require_folder, Corpus, Reject, Scan, ScanError, Skipped};
use crate::manifest::Manifest;
use std::path::Path;

pub struct CremaD;

/// The folder holding the WAVs CAMEO uses.
const AUDIO_FOLDER: &str = "AudioWAV";

/// The four fields of a CREMA-D file name.
#[derive(Debug, PartialEq, Eq)]
struct FileName<'a> {
    actor: &'a str,
    sentence: &'a str,
    emotion: &'a str,
    level: &'a str,
}

/// The file-name grammar: `AAAA_SSS_EEE_LL.wav`, a four-digit actor, three-letter sentence and
/// emotion codes and a two-letter level, all upper case.
fn parse_name(name: &str) -> Option<FileName<'_>> {
    let stem = name.strip_suffix(".wav").or_else(|| name.strip_suffix(".WAV"))?;
    let fields: Vec<&str> = stem.split('_').collect();
    let upper = |field: &str, len: usize| field.len() == len && field.bytes().all(|b| b.is_ascii_uppercase());
    match fields.as_slice() {
        [actor, sentence, emotion, level]
            if actor.len() == 4
                && actor.bytes().all(|b| b.is_ascii_digit())
                && upper(sentence, 3)
                && upper(emotion, 3)
                && upper(level, 2) =>
        {
            Some(FileName { actor, sentence, emotion, level })
        }
        _ => None,
    }
}

/// Whether a path lies inside an `AudioWAV/` folder.
fn in_audio_folder(relative: &str) -> bool {
    relative.split('/').rev().skip(1).any(|part| part == AUDIO_FOLDER)
}

impl Corpus for CremaD {
    fn scan(&self, root: &Path, manifest: &Manifest) -> Result<Scan, ScanError> {
        require_folder(root, "clone the CREMA-D repository with Git LFS (or unzip the Kaggle mirror) into it")?;
        let mut scan = Scan::default();
        let files = list_files(root, &mut scan.skipped)?;
        if !files.iter().any(|file| in_audio_folder(&file.relative)) {
            return Err(ScanError::Layout {
                path: root.to_path_buf(),
                message: format!("no {AUDIO_FOLDER}/ folder with files below it; CAMEO uses CREMA-D's {AUDIO_FOLDER}/"),
            });
        }
        for file in files {
            if !in_audio_folder(&file.relative) {
                scan.skipped.push(Skipped {
                    source: file.relative,
                    reason: format!("outside {AUDIO_FOLDER}/ (CAMEO uses the WAV audio only)"),
                });
                continue;
            }
            if extension(&file.name).as_deref() != Some("wav") {
                scan.skipped.push(Skipped { source: file.relative, reason: "not a WAV file".into() });
                continue;
            }
            let reject = |reason: String| Reject { source: file.relative.clone(), reason };
            let Some(fields) = parse_name(&file.name) else {
                scan.rejects.push(reject("file name does not follow AAAA_SSS_EEE_LL.wav".into()));
                continue;
            };
            if !matches!(fields.level, "LO" | "MD" | "HI" | "XX") {
                scan.rejects.push(reject(format!("level {}: only LO, MD, HI or XX exist", fields.level)));
                continue;
            }
            match item_from_manifest_tables(manifest, &file.relative, fields.emotion, fields.actor, fields.sentence) {
                Ok(item) => scan.items.push(item),
                Err(reason) => scan.rejects.push(reject(reason)),
            }
        }
        Ok(scan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_name_grammar() {
        let fields = parse_name("1065_IEO_DIS_HI.wav").unwrap();
        assert_eq!(fields, FileName { actor: "1065", sentence: "IEO", emotion: "DIS", level: "HI" });
        for bad in [
            "1065_IEO_DIS.wav",
            "106_IEO_DIS_HI.wav",
            "1065_ieo_DIS_HI.wav",
            "1065_IEO_DIS_HI.mp3",
            "1065-IEO-DIS-HI.wav",
        ] {
            assert!(parse_name(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn only_audio_wav_is_used() {
        assert!(in_audio_folder("AudioWAV/1001_DFA_ANG_XX.wav"));
        assert!(in_audio_folder("CREMA-D/AudioWAV/1001_DFA_ANG_XX.wav"));
        assert!(!in_audio_folder("AudioMP3/1001_DFA_ANG_XX.mp3"));
        assert!(!in_audio_folder("AudioWAV"));
    }
}
