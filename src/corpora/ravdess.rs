//! RAVDESS, speech part (Zenodo 1188976, `Audio_Speech_Actors_01-24.zip`, CC BY-NC-SA 4.0).
//!
//! Layout after extraction: `Actor_01/ … Actor_24/`, 60 WAVs each (1,440), 48 kHz 16-bit,
//! possibly below one extra folder (`Audio_Speech_Actors_01-24/`), so the tree is searched
//! recursively. Every file name follows `MM-VV-EE-II-SS-RR-AA.wav`: modality (03 = audio only),
//! vocal channel (01 = speech), emotion, intensity, statement, repetition, actor. Odd actors
//! are male, even actors female. The statement code picks one of two fixed sentences. No ages
//! are published. The song and video zips of the same record are not part of CAMEO.
use super::walk::{extension, list_files};
use super::{require_folder, AudioLocation, Corpus, Reject, Scan, ScanError, Skipped, SourceItem};
use crate::manifest::Manifest;
use crate::record::Gender;
use std::path::Path;

pub struct Ravdess;

/// The seven fields of a RAVDESS file name.
#[derive(Debug, PartialEq, Eq)]
struct FileName<'a> {
    modality: &'a str,
    vocal_channel: &'a str,
    emotion: &'a str,
    intensity: &'a str,
    statement: &'a str,
    repetition: &'a str,
    actor: &'a str,
}

/// The file-name grammar: seven two-digit fields separated by `-`, then `.wav`.
fn parse_name(name: &str) -> Option<FileName<'_>> {
    let stem = name.strip_suffix(".wav").or_else(|| name.strip_suffix(".WAV"))?;
    let fields: Vec<&str> = stem.split('-').collect();
    if fields.len() != 7 || !fields.iter().all(|f| f.len() == 2 && f.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    Some(FileName {
        modality: fields[0],
        vocal_channel: fields[1],
        emotion: fields[2],
        intensity: fields[3],
        statement: fields[4],
        repetition: fields[5],
        actor: fields[6],
    })
}

fn gender_of_actor(actor: u32) -> Gender {
    if actor % 2 == 1 {
        Gender::Male
    } else {
        Gender::Female
    }
}

impl Corpus for Ravdess {
    fn scan(&self, root: &Path, manifest: &Manifest) -> Result<Scan, ScanError> {
        require_folder(root, "extract Audio_Speech_Actors_01-24.zip into it")?;
        let mut scan = Scan::default();
        for file in list_files(root, &mut scan.skipped)? {
            if extension(&file.name).as_deref() != Some("wav") {
                scan.skipped.push(Skipped { source: file.relative, reason: "not a WAV file".into() });
                continue;
            }
            let reject = |reason: String| Reject { source: file.relative.clone(), reason };
            let Some(fields) = parse_name(&file.name) else {
                scan.rejects.push(reject("file name does not follow MM-VV-EE-II-SS-RR-AA.wav".into()));
                continue;
            };
            if fields.vocal_channel == "02" {
                scan.skipped.push(Skipped {
                    source: file.relative,
                    reason: "song recording (vocal channel 02), not in CAMEO".into(),
                });
                continue;
            }
            if fields.modality != "03" || fields.vocal_channel != "01" {
                scan.rejects.push(reject(format!(
                    "modality {} / vocal channel {}: only audio-only speech (03-01) is expected",
                    fields.modality, fields.vocal_channel
                )));
                continue;
            }
            let actor: u32 = fields.actor.parse().expect("two digits");
            if !(1..=24).contains(&actor) {
                scan.rejects.push(reject(format!("actor {} outside 01-24", fields.actor)));
                continue;
            }
            let folder = file.relative.rsplit('/').nth(1).unwrap_or("");
            if folder.starts_with("Actor_") && folder != format!("Actor_{}", fields.actor) {
                scan.rejects.push(reject(format!("actor {} file inside folder {folder}", fields.actor)));
                continue;
            }
            if !matches!(fields.intensity, "01" | "02") || !matches!(fields.repetition, "01" | "02") {
                scan.rejects.push(reject(format!(
                    "intensity {} / repetition {}: only 01 or 02 exist",
                    fields.intensity, fields.repetition
                )));
                continue;
            }
            let Some(sentence) = manifest.sentences.get(fields.statement) else {
                scan.rejects.push(reject(format!("unknown statement code {}", fields.statement)));
                continue;
            };
            scan.items.push(SourceItem {
                location: AudioLocation::File(file.relative.clone()),
                source_label: fields.emotion.to_string(),
                speaker: Some(fields.actor.to_string()),
                gender: Some(gender_of_actor(actor)),
                age: None,
                transcription: Some(sentence.clone()),
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
        let fields = parse_name("03-01-05-02-01-02-18.wav").unwrap();
        assert_eq!((fields.emotion, fields.intensity, fields.statement, fields.actor), ("05", "02", "01", "18"));
        for bad in
            ["03-01-05-02-01-02.wav", "03-01-05-02-01-02-1a.wav", "03-01-05-02-01-02-18.mp4", "3-1-5-2-1-2-18.wav"]
        {
            assert!(parse_name(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn gender_comes_from_actor_parity() {
        assert_eq!(gender_of_actor(1), Gender::Male);
        assert_eq!(gender_of_actor(24), Gender::Female);
    }
}
