//! SUBESCO, the SUST Bangla Emotional Speech Corpus (Zenodo 4526477, version 1.1; license
//! conflicting between sources, CC BY 4.0 used).
//!
//! Layout: 7,000 WAVs in one flat folder, possibly below a wrapper folder (`SUBESCO/`), so the
//! tree is searched recursively. 16-bit mono at 44.1 or 48 kHz, mixed even within a speaker;
//! the build reads every file's rate. File names follow `G_NN_NAME_S_K_EMOTION_T.wav`: gender
//! (F or M), the speaker's number within that gender (01-10, restarting per gender, so the
//! speaker id is `G_NN`), the speaker's given name, a literal `S`, the sentence (1-10, not
//! padded), the emotion as an English word and the take (1-5). 20 speakers × 10 sentences × 7
//! emotions × 5 takes = 7,000.
//!
//! One real file carries a stray `]` before the extension (`F_02_MONIKA_S_2_SURPRISE_3].wav`);
//! it is a real take and CAMEO counts it, so trailing `]` are ignored when parsing while the
//! record keeps the real name. The sentence texts were not found, so there is no transcription;
//! ages are not published.
use super::walk::{extension, list_files};
use super::{require_folder, AudioLocation, Corpus, Reject, Scan, ScanError, Skipped, SourceItem};
use crate::manifest::Manifest;
use crate::record::Gender;
use std::path::Path;

pub struct Subesco;

/// The 20 speakers, `G_NN` → given name as the file names spell it (corpus listing).
const SPEAKERS: [(&str, &str); 20] = [
    ("F_01", "OISHI"),
    ("F_02", "MONIKA"),
    ("F_03", "SMITA"),
    ("F_04", "SWARNALI"),
    ("F_05", "MOUNI"),
    ("F_06", "SIMI"),
    ("F_07", "TITHI"),
    ("F_08", "JOYEETA"),
    ("F_09", "CHAITY"),
    ("F_10", "FAHMEE"),
    ("M_01", "BASHIR"),
    ("M_02", "NIPUN"),
    ("M_03", "ILIAS"),
    ("M_04", "BIBHAS"),
    ("M_05", "DURANTO"),
    ("M_06", "SHUKANTO"),
    ("M_07", "SIBLY"),
    ("M_08", "PRASUN"),
    ("M_09", "SHUMANTA"),
    ("M_10", "EVAN"),
];

/// The fields of a SUBESCO file name.
#[derive(Debug, PartialEq, Eq)]
struct FileName<'a> {
    gender: Gender,
    /// `G_NN`, e.g. `F_01`.
    speaker: &'a str,
    name: &'a str,
    sentence: u32,
    emotion: &'a str,
    take: u32,
}

/// The file-name grammar: `G_NN_NAME_S_K_EMOTION_T.wav` (stray `]` before the extension
/// ignored): `F`/`M`, two digits, an upper-case name, `S`, an unpadded number, an upper-case
/// word, a number.
fn parse_name(name: &str) -> Option<FileName<'_>> {
    let stem = name.strip_suffix(".wav").or_else(|| name.strip_suffix(".WAV"))?.trim_end_matches(']');
    let fields: Vec<&str> = stem.split('_').collect();
    let upper = |field: &str| !field.is_empty() && field.bytes().all(|b| b.is_ascii_uppercase());
    let number = |field: &str| -> Option<u32> {
        let unpadded = !field.is_empty() && field.len() <= 2 && !field.starts_with('0');
        if unpadded && field.bytes().all(|b| b.is_ascii_digit()) {
            field.parse().ok()
        } else {
            None
        }
    };
    let [gender, number_in_gender, speaker_name, "S", sentence, emotion, take] = fields.as_slice() else {
        return None;
    };
    let gender = match *gender {
        "F" => Gender::Female,
        "M" => Gender::Male,
        _ => return None,
    };
    if number_in_gender.len() != 2 || !number_in_gender.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !upper(speaker_name) || !upper(emotion) {
        return None;
    }
    // The `G_NN` prefix is the first four bytes of the stem (all ASCII, checked above).
    Some(FileName {
        gender,
        speaker: &stem[..4],
        name: speaker_name,
        sentence: number(sentence)?,
        emotion,
        take: number(take)?,
    })
}

/// Checks the fields against the corpus design; the error is the reject reason.
fn design_problem(fields: &FileName) -> Option<String> {
    let Some((_, known_name)) = SPEAKERS.iter().find(|(id, _)| *id == fields.speaker) else {
        return Some(format!("speaker {}: only F_01-F_10 and M_01-M_10 exist", fields.speaker));
    };
    if *known_name != fields.name {
        return Some(format!("speaker {} is {known_name}, but the name says {}", fields.speaker, fields.name));
    }
    if !(1..=10).contains(&fields.sentence) {
        return Some(format!("sentence {}: only 1-10 exist", fields.sentence));
    }
    if !(1..=5).contains(&fields.take) {
        return Some(format!("take {}: only 1-5 exist", fields.take));
    }
    None
}

impl Corpus for Subesco {
    fn scan(&self, root: &Path, _manifest: &Manifest) -> Result<Scan, ScanError> {
        require_folder(root, "extract the SUBESCO download from Zenodo record 4526477 into it")?;
        let mut scan = Scan::default();
        for file in list_files(root, &mut scan.skipped)? {
            if extension(&file.name).as_deref() != Some("wav") {
                scan.skipped.push(Skipped { source: file.relative, reason: "not a WAV file".into() });
                continue;
            }
            let reject = |reason: String| Reject { source: file.relative.clone(), reason };
            let Some(fields) = parse_name(&file.name) else {
                scan.rejects.push(reject("file name does not follow G_NN_NAME_S_K_EMOTION_T.wav".into()));
                continue;
            };
            if let Some(problem) = design_problem(&fields) {
                scan.rejects.push(reject(problem));
                continue;
            }
            scan.items.push(SourceItem {
                location: AudioLocation::File(file.relative.clone()),
                source_label: fields.emotion.to_string(),
                speaker: Some(fields.speaker.to_string()),
                gender: Some(fields.gender),
                age: None,
                transcription: None,
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
        let fields = parse_name("F_10_FAHMEE_S_6_FEAR_5.wav").unwrap();
        let expected =
            FileName { gender: Gender::Female, speaker: "F_10", name: "FAHMEE", sentence: 6, emotion: "FEAR", take: 5 };
        assert_eq!(fields, expected);
        let male = parse_name("M_04_BIBHAS_S_10_DISGUST_2.wav").unwrap();
        assert_eq!((male.gender, male.speaker, male.sentence), (Gender::Male, "M_04", 10));
        for bad in [
            "F_1_OISHI_S_1_ANGRY_1.wav",
            "X_01_OISHI_S_1_ANGRY_1.wav",
            "F_01_Oishi_S_1_ANGRY_1.wav",
            "F_01_OISHI_T_1_ANGRY_1.wav",
            "F_01_OISHI_S_01_ANGRY_1.wav",
            "F_01_OISHI_S_1_ANGRY.wav",
            "F_01_OISHI_S_1_ANGRY_1_2.wav",
            "F_01_OISHI_S1_ANGRY_1.wav",
            "F_01_OISHI_S_1_ANGRY_1.mp3",
        ] {
            assert!(parse_name(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_stray_bracket_before_the_extension_is_ignored() {
        let fields = parse_name("F_02_MONIKA_S_2_SURPRISE_3].wav").unwrap();
        assert_eq!((fields.speaker, fields.sentence, fields.emotion, fields.take), ("F_02", 2, "SURPRISE", 3));
    }

    #[test]
    fn fields_are_checked_against_the_corpus_design() {
        let check = |name: &str| design_problem(&parse_name(name).unwrap());
        assert_eq!(check("M_09_SHUMANTA_S_2_FEAR_2.wav"), None);
        assert_eq!(check("F_11_RIMA_S_1_ANGRY_1.wav").unwrap(), "speaker F_11: only F_01-F_10 and M_01-M_10 exist");
        assert_eq!(check("F_03_SMIIA_S_1_ANGRY_1.wav").unwrap(), "speaker F_03 is SMITA, but the name says SMIIA");
        assert_eq!(check("M_02_NIPUN_S_11_HAPPY_1.wav").unwrap(), "sentence 11: only 1-10 exist");
        assert_eq!(check("M_02_NIPUN_S_1_HAPPY_6.wav").unwrap(), "take 6: only 1-5 exist");
    }
}
