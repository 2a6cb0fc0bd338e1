//! MESD, the Mexican Emotional Speech Database (Mendeley Data cy34mh68j9 v5; license not
//! seen, CC BY 4.0 assumed).
//!
//! Layout: one flat folder `Mexican Emotional Speech Database (MESD)/` of 862 WAVs, 48 kHz
//! mono (probably 24-bit), possibly below a wrapper folder, so the tree is searched
//! recursively. File names follow `<Emotion>_<Voice>_<Corpus>_<word>.wav`: the emotion as an
//! English word, the voice class (F = adult female, M = adult male, C = child), the word list
//! (A or B) and the spoken word, which may itself contain `_` (`basta_ya`), so the name is
//! split on its first three `_` only. The word is the transcription (`_` → space). Names carry
//! no individual speaker: the voice class is the speaker id, child gender and every age are
//! unknown.
use super::walk::{extension, list_files};
use super::{require_folder, AudioLocation, Corpus, Reject, Scan, ScanError, Skipped, SourceItem};
use crate::manifest::Manifest;
use std::path::Path;

pub struct Mesd;

/// The four fields of a MESD file name.
#[derive(Debug, PartialEq, Eq)]
struct FileName<'a> {
    emotion: &'a str,
    voice: &'a str,
    corpus: &'a str,
    word: &'a str,
}

/// The file-name grammar: `<Emotion>_<Voice>_<Corpus>_<word>.wav`, split on the first three
/// `_`; the emotion is a capitalised ASCII word, voice and corpus one capital letter each, the
/// word letters and `_`.
fn parse_name(name: &str) -> Option<FileName<'_>> {
    let stem = name.strip_suffix(".wav").or_else(|| name.strip_suffix(".WAV"))?;
    let mut parts = stem.splitn(4, '_');
    let (emotion, voice, corpus, word) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let capital = |field: &str| field.len() == 1 && field.bytes().all(|b| b.is_ascii_uppercase());
    let well_formed = emotion.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
        && emotion.bytes().all(|b| b.is_ascii_alphabetic())
        && capital(voice)
        && capital(corpus)
        && !word.is_empty()
        && !word.starts_with('_')
        && !word.ends_with('_')
        && word.chars().all(|c| c.is_alphabetic() || c == '_');
    well_formed.then_some(FileName { emotion, voice, corpus, word })
}

impl Corpus for Mesd {
    fn scan(&self, root: &Path, manifest: &Manifest) -> Result<Scan, ScanError> {
        require_folder(root, "extract the Mendeley download of MESD into it")?;
        let mut scan = Scan::default();
        for file in list_files(root, &mut scan.skipped)? {
            if extension(&file.name).as_deref() != Some("wav") {
                scan.skipped.push(Skipped { source: file.relative, reason: "not a WAV file".into() });
                continue;
            }
            let reject = |reason: String| Reject { source: file.relative.clone(), reason };
            let Some(fields) = parse_name(&file.name) else {
                scan.rejects.push(reject("file name does not follow <Emotion>_<Voice>_<Corpus>_<word>.wav".into()));
                continue;
            };
            let Some(speaker) = manifest.speakers.get(fields.voice) else {
                scan.rejects.push(reject(format!("voice class {}: only F, M or C exist", fields.voice)));
                continue;
            };
            if !matches!(fields.corpus, "A" | "B") {
                scan.rejects.push(reject(format!("word list {}: only A or B exist", fields.corpus)));
                continue;
            }
            scan.items.push(SourceItem {
                location: AudioLocation::File(file.relative.clone()),
                source_label: fields.emotion.to_string(),
                speaker: Some(fields.voice.to_string()),
                gender: speaker.gender,
                age: speaker.age.map(|age| age.to_string()),
                transcription: Some(fields.word.replace('_', " ")),
            });
        }
        Ok(scan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_name_grammar() {
        let fields = parse_name("Anger_C_A_basta_ya.wav").unwrap();
        assert_eq!(fields, FileName { emotion: "Anger", voice: "C", corpus: "A", word: "basta_ya" });
        assert_eq!(parse_name("Sadness_M_B_amenazado.wav").unwrap().word, "amenazado");
        for bad in
            ["Anger_C_A.wav", "Anger_CC_A_abajo.wav", "anger_C_A_abajo.wav", "Anger_C_A_abajo.mp3", "Anger_C_A__.wav"]
        {
            assert!(parse_name(bad).is_none(), "{bad}");
        }
    }
}
