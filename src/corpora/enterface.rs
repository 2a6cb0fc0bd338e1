//! eNTERFACE'05 Audio-Visual Emotion Database (`project2_database.zip` from enterface.net; no
//! license published, "publicly available for scientific research purposes").
//!
//! Layout after extraction: `subject N/<emotion>/sentence K/sN_EE_K.avi`, below a top folder
//! whose name is not known (one user's was `enterface database/`), so the tree is searched for
//! `subject N` folders at any depth. Emotions `anger disgust fear happiness sadness surprise`
//! (codes an di fe ha sa su), five fixed English sentences per emotion, no neutral class. The
//! audio is the sound track of each AVI video (48 kHz); this adapter only lists files, the
//! AVI demuxing is the audio core's job.
//!
//! The folders are trusted over the file names, which carry errors: subject 3's files are
//! partly named `s_3_…`, `s16_su_3avi.avi` lacks a dot, subject 2's anger sentences 1 and 2
//! swap names, and `subject 11/` holds files named `s12_*`. The names are still checked
//! against the folders, and a disagreement other than these known ones is a reject.
//!
//! CAMEO's 1,257 = 1,293 AVIs − 6 − 30: `subject 6/` holds six uncut sessions (one 56–107 s
//! recording per emotion, no sentence folders) and is left out, and `subject 11/` repeats
//! subject 12's recordings, which are counted once (subject 12's copies are kept). Both are
//! skips with their reason, as are the `Thumbs.db` files Windows left in the folders. (A
//! subject 11 file without a subject 12 counterpart would stay, as subject 11.)
//! Genders come from the manifest's speaker table; ages are not published.
use super::walk::{extension, list_files, RawFile};
use super::{item_from_manifest_tables, require_folder, Corpus, Reject, Scan, ScanError, Skipped};
use crate::manifest::Manifest;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug)]
pub struct Enterface;

/// Emotion folder → the code file names use.
const EMOTIONS: [(&str, &str); 6] =
    [("anger", "an"), ("disgust", "di"), ("fear", "fe"), ("happiness", "ha"), ("sadness", "sa"), ("surprise", "su")];

/// Subjects 1-44 have folders (42 people: 6 is uncut, 11 repeats 12).
const SUBJECTS: std::ops::RangeInclusive<u32> = 1..=44;

/// The subject whose folder holds only uncut sessions.
const UNCUT_SUBJECT: u32 = 6;

/// `subject 11/` holds subject 12's files (named `s12_*`).
const COPYING_SUBJECT: u32 = 11;
const COPIED_SUBJECT: u32 = 12;

/// Where a file sits in the tree: `<prefix>subject N/<emotion>/[sentence K/]<name>`.
#[derive(Debug, PartialEq, Eq)]
struct Place<'a> {
    /// The path up to the subject folder (the archive's top folder, if any).
    prefix: &'a str,
    subject: u32,
    emotion: &'a str,
    /// The `sentence K` folder, `None` for a file directly in the emotion folder.
    sentence_folder: Option<&'a str>,
}

/// The number in a folder named `<word> <digits>` (case-insensitive word).
fn numbered_folder(folder: &str, word: &str) -> Option<u32> {
    let (head, number) = folder.split_once(' ')?;
    if !head.eq_ignore_ascii_case(word) || number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    number.parse().ok()
}

/// Finds the `subject N` folder in a path and what follows it.
fn parse_place(relative: &str) -> Option<Place<'_>> {
    let parts: Vec<&str> = relative.split('/').collect();
    let index = parts.iter().position(|part| numbered_folder(part, "subject").is_some())?;
    let subject = numbered_folder(parts[index], "subject")?;
    let prefix_len: usize = parts[..index].iter().map(|part| part.len() + 1).sum();
    let prefix = &relative[..prefix_len];
    match &parts[index + 1..] {
        [emotion, _name] => Some(Place { prefix, subject, emotion, sentence_folder: None }),
        [emotion, sentence, _name] => Some(Place { prefix, subject, emotion, sentence_folder: Some(sentence) }),
        _ => None,
    }
}

/// The fields of a file name.
#[derive(Debug, PartialEq, Eq)]
struct FileName<'a> {
    subject: u32,
    code: &'a str,
    sentence: u32,
}

/// The file-name grammar `s<subject>_<code>_<sentence>.avi`, with the two spellings the real
/// archive also has: `s_3_su_1.avi` (subject 3) and `s16_su_3avi.avi` (a dot missing).
fn parse_name(name: &str) -> Option<FileName<'_>> {
    let stem = name.strip_suffix(".avi").or_else(|| name.strip_suffix(".AVI"))?;
    let stem = stem.strip_suffix("avi").unwrap_or(stem);
    let rest = stem.strip_prefix("s_").or_else(|| stem.strip_prefix('s'))?;
    let fields: Vec<&str> = rest.split('_').collect();
    let number = |field: &str| {
        (!field.is_empty() && field.len() <= 3 && field.bytes().all(|b| b.is_ascii_digit()))
            .then(|| field.parse::<u32>().ok())
            .flatten()
    };
    match fields.as_slice() {
        [subject, code, sentence] if code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase()) => {
            Some(FileName { subject: number(subject)?, code, sentence: number(sentence)? })
        }
        _ => None,
    }
}

/// Subject 2's anger files: `sentence 1/s2_an_2.avi` and `sentence 2/s2_an_1.avi`.
fn is_known_sentence_swap(subject: u32, emotion: &str, folder: u32, named: u32) -> bool {
    subject == 2 && emotion == "anger" && matches!((folder, named), (1, 2) | (2, 1))
}

/// Checks a file name against its folders; the reject reason when they disagree in a way the
/// real archive does not.
fn name_problem(place: &Place, sentence: u32, code: &str, fields: &FileName) -> Option<String> {
    let subject_ok =
        fields.subject == place.subject || (place.subject == COPYING_SUBJECT && fields.subject == COPIED_SUBJECT);
    if !subject_ok {
        return Some(format!("file name says subject {}, the folder is subject {}", fields.subject, place.subject));
    }
    if fields.code != code {
        return Some(format!("file name says emotion '{}', the folder is {} ({code})", fields.code, place.emotion));
    }
    if fields.sentence != sentence && !is_known_sentence_swap(place.subject, place.emotion, sentence, fields.sentence) {
        return Some(format!("file name says sentence {}, the folder is sentence {sentence}", fields.sentence));
    }
    None
}

/// Subject 12's files by (prefix, emotion, sentence folder), to recognise subject 11's copies.
fn copied_files(files: &[RawFile]) -> BTreeMap<(&str, &str, &str), &str> {
    files
        .iter()
        .filter_map(|file| {
            let place = parse_place(&file.relative)?;
            (place.subject == COPIED_SUBJECT && extension(&file.name).as_deref() == Some("avi"))
                .then_some(((place.prefix, place.emotion, place.sentence_folder?), file.relative.as_str()))
        })
        .collect()
}

fn file_size(root: &Path, relative: &str) -> Result<u64, ScanError> {
    let path = root.join(relative);
    std::fs::metadata(&path).map(|m| m.len()).map_err(|source| ScanError::Io { path, source })
}

impl Corpus for Enterface {
    fn scan(&self, root: &Path, manifest: &Manifest) -> Result<Scan, ScanError> {
        require_folder(root, "extract project2_database.zip into it")?;
        let mut scan = Scan::default();
        let files = list_files(root, &mut scan.skipped)?;
        let copied = copied_files(&files);
        for file in &files {
            if extension(&file.name).as_deref() != Some("avi") {
                scan.skipped.push(Skipped { source: file.relative.clone(), reason: "not an AVI file".into() });
                continue;
            }
            let reject = |reason: String| Reject { source: file.relative.clone(), reason };
            let Some(place) = parse_place(&file.relative) else {
                scan.rejects.push(reject("not inside a 'subject N/<emotion>/sentence K/' folder".into()));
                continue;
            };
            if !SUBJECTS.contains(&place.subject) {
                scan.rejects.push(reject(format!("subject {} outside 1-44", place.subject)));
                continue;
            }
            if place.subject == UNCUT_SUBJECT {
                scan.skipped.push(Skipped {
                    source: file.relative.clone(),
                    reason: "subject 6 holds uncut sessions (one long recording per emotion, no sentence folders); \
                             CAMEO leaves subject 6 out"
                        .into(),
                });
                continue;
            }
            let Some(&(_, code)) = EMOTIONS.iter().find(|(folder, _)| *folder == place.emotion) else {
                let known: Vec<&str> = EMOTIONS.iter().map(|(folder, _)| *folder).collect();
                scan.rejects.push(reject(format!(
                    "emotion folder '{}' is not one of {}",
                    place.emotion,
                    known.join(", ")
                )));
                continue;
            };
            let Some(sentence_folder) = place.sentence_folder else {
                scan.rejects.push(reject("no 'sentence K' folder between the emotion folder and the file".into()));
                continue;
            };
            let Some(sentence) = numbered_folder(sentence_folder, "sentence").filter(|k| (1..=5).contains(k)) else {
                scan.rejects.push(reject(format!("folder '{sentence_folder}' is not 'sentence 1' … 'sentence 5'")));
                continue;
            };
            if place.subject == COPYING_SUBJECT {
                if let Some(kept) = copied.get(&(place.prefix, place.emotion, sentence_folder)) {
                    let (size, kept_size) = (file_size(root, &file.relative)?, file_size(root, kept)?);
                    let sizes = if size == kept_size {
                        "same size".to_string()
                    } else {
                        format!("sizes differ: {size} vs {kept_size} bytes")
                    };
                    scan.skipped.push(Skipped {
                        source: file.relative.clone(),
                        reason: format!(
                            "subject 11 repeats subject 12's recordings, counted once: {kept} is kept ({sizes})"
                        ),
                    });
                    continue;
                }
            }
            let Some(fields) = parse_name(&file.name) else {
                scan.rejects.push(reject("file name does not follow s<subject>_<emotion>_<sentence>.avi".into()));
                continue;
            };
            if let Some(problem) = name_problem(&place, sentence, code, &fields) {
                scan.rejects.push(reject(problem));
                continue;
            }
            let speaker = place.subject.to_string();
            let sentence_code = format!("{code}_{sentence}");
            match item_from_manifest_tables(manifest, &file.relative, place.emotion, &speaker, &sentence_code) {
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
    fn file_name_grammar_with_the_real_spellings() {
        assert_eq!(parse_name("s1_an_1.avi"), Some(FileName { subject: 1, code: "an", sentence: 1 }));
        assert_eq!(parse_name("s_3_su_1.avi"), Some(FileName { subject: 3, code: "su", sentence: 1 }));
        assert_eq!(parse_name("s16_su_3avi.avi"), Some(FileName { subject: 16, code: "su", sentence: 3 }));
        assert_eq!(parse_name("s44_su_5.avi"), Some(FileName { subject: 44, code: "su", sentence: 5 }));
        for bad in
            ["s6_an.avi", "s1_an_1.wav", "x1_an_1.avi", "s1_AN_1.avi", "s1_ang_1.avi", "s_an_1.avi", "s1_an_.avi"]
        {
            assert_eq!(parse_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn places_are_found_below_any_top_folder() {
        let place = parse_place("enterface database/subject 11/anger/sentence 1/s12_an_1.avi").unwrap();
        assert_eq!(
            place,
            Place { prefix: "enterface database/", subject: 11, emotion: "anger", sentence_folder: Some("sentence 1") }
        );
        let uncut = parse_place("subject 6/fear/s6_fe.avi").unwrap();
        assert_eq!((uncut.prefix, uncut.subject, uncut.sentence_folder), ("", 6, None));
        assert_eq!(parse_place("subject 1/anger/sentence 1/extra/s1_an_1.avi"), None);
        assert_eq!(parse_place("anger/sentence 1/s1_an_1.avi"), None);
        assert_eq!(numbered_folder("subject 1x", "subject"), None);
        assert_eq!(numbered_folder("Sentence 3", "sentence"), Some(3));
    }

    #[test]
    fn only_the_known_name_disagreements_pass() {
        let place = |subject, emotion| Place { prefix: "", subject, emotion, sentence_folder: Some("") };
        let name = |subject, code, sentence| FileName { subject, code, sentence };
        assert_eq!(name_problem(&place(2, "anger"), 1, "an", &name(2, "an", 2)), None);
        assert_eq!(name_problem(&place(11, "fear"), 3, "fe", &name(12, "fe", 3)), None);
        assert!(name_problem(&place(2, "fear"), 1, "fe", &name(2, "fe", 2)).is_some());
        assert!(name_problem(&place(12, "fear"), 3, "fe", &name(11, "fe", 3)).is_some());
        assert!(name_problem(&place(5, "fear"), 3, "fe", &name(5, "an", 3)).is_some());
    }
}
