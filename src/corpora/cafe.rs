//! CaFE, 48 kHz version (Zenodo 1478765, `CaFE_48k.zip`, CC BY-NC-SA 4.0).
//!
//! Layout after extraction: `<Emotion>/<Faible|Fort>/AA-E-I-S.wav`, neutral without an
//! intensity folder (`Neutre/AA-N-1-S.wav`), 936 WAVs, 48 kHz mono; the top folder inside the
//! zip is not known, so the tree is searched recursively. The zip stores the accented folder
//! names (`Colère`, `Dégoût`) as CP437 bytes without the UTF-8 flag, so depending on the unzip
//! tool they arrive as mojibake (`ColŠre`) or NFD: labels come from the file name only, never
//! from a folder. File names: actor (01-12, odd = man, even = woman), emotion initial,
//! intensity (1 = Faible, 2 = Fort), sentence (1-6, one of six fixed sentences). The 192 kHz
//! version names neutral files with three fields (`03-N-1.aiff`); that form is accepted too.
//! Ages and genders come from the manifest's speaker table (corpus Readme).
use super::walk::{extension, list_files};
use super::{item_from_manifest_tables, require_folder, Corpus, Reject, Scan, ScanError, Skipped};
use crate::manifest::Manifest;
use std::path::Path;

pub struct Cafe;

/// The fields of a CaFE file name.
#[derive(Debug, PartialEq, Eq)]
struct FileName<'a> {
    actor: &'a str,
    emotion: &'a str,
    /// `None` for the three-field neutral form `AA-N-S`.
    intensity: Option<&'a str>,
    sentence: &'a str,
}

/// The file-name grammar: `AA-E-I-S.wav` (two-digit actor, one-letter emotion, one-digit
/// intensity and sentence), or `AA-N-S.wav` for neutral.
fn parse_name(name: &str) -> Option<FileName<'_>> {
    let stem = name.strip_suffix(".wav").or_else(|| name.strip_suffix(".WAV"))?;
    let fields: Vec<&str> = stem.split('-').collect();
    let digits = |field: &str, len: usize| field.len() == len && field.bytes().all(|b| b.is_ascii_digit());
    let letter = |field: &str| field.len() == 1 && field.bytes().all(|b| b.is_ascii_uppercase());
    match fields.as_slice() {
        [actor, emotion, intensity, sentence]
            if digits(actor, 2) && letter(emotion) && digits(intensity, 1) && digits(sentence, 1) =>
        {
            Some(FileName { actor, emotion, intensity: Some(intensity), sentence })
        }
        [actor, "N", sentence] if digits(actor, 2) && digits(sentence, 1) => {
            Some(FileName { actor, emotion: "N", intensity: None, sentence })
        }
        _ => None,
    }
}

/// Checks the intensity against the emotion: neutral has only `1`, the others `1` or `2`.
fn intensity_problem(fields: &FileName) -> Option<String> {
    match (fields.emotion, fields.intensity) {
        (_, None) | ("N", Some("1")) => None,
        ("N", Some(other)) => Some(format!("neutral with intensity {other}: neutral has only intensity 1")),
        (_, Some("1" | "2")) => None,
        (_, Some(other)) => Some(format!("intensity {other}: only 1 (Faible) or 2 (Fort) exist")),
    }
}

impl Corpus for Cafe {
    fn scan(&self, root: &Path, manifest: &Manifest) -> Result<Scan, ScanError> {
        require_folder(root, "extract CaFE_48k.zip into it")?;
        let mut scan = Scan::default();
        for file in list_files(root, &mut scan.skipped)? {
            if extension(&file.name).as_deref() != Some("wav") {
                let reason = match extension(&file.name).as_deref() {
                    Some("aif" | "aiff") => "AIFF file of the 192 kHz version; CAMEO uses CaFE_48k.zip",
                    Some("txt") => "corpus documentation, not audio",
                    _ => "not a WAV file",
                };
                scan.skipped.push(Skipped { source: file.relative, reason: reason.into() });
                continue;
            }
            let reject = |reason: String| Reject { source: file.relative.clone(), reason };
            let Some(fields) = parse_name(&file.name) else {
                scan.rejects.push(reject("file name does not follow AA-E-I-S.wav (or AA-N-S.wav)".into()));
                continue;
            };
            if let Some(problem) = intensity_problem(&fields) {
                scan.rejects.push(reject(problem));
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
        let fields = parse_name("12-P-2-5.wav").unwrap();
        assert_eq!(fields, FileName { actor: "12", emotion: "P", intensity: Some("2"), sentence: "5" });
        let neutral = parse_name("03-N-1.wav").unwrap();
        assert_eq!(neutral, FileName { actor: "03", emotion: "N", intensity: None, sentence: "1" });
        for bad in ["12-P-2.wav", "1-P-2-5.wav", "12-p-2-5.wav", "12-P-2-5.aiff", "12-PP-2-5.wav", "12-P-2-5-1.wav"] {
            assert!(parse_name(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn neutral_has_only_intensity_one() {
        assert_eq!(intensity_problem(&parse_name("01-N-1-1.wav").unwrap()), None);
        assert!(intensity_problem(&parse_name("01-N-2-1.wav").unwrap()).is_some());
        assert!(intensity_problem(&parse_name("01-C-3-1.wav").unwrap()).is_some());
    }
}
