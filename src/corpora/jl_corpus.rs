//! JL-Corpus, New Zealand English emotional speech (Kaggle tli725/jl-corpus; ODC-By 1.0
//! assumed, single source).
//!
//! Layout of the Kaggle archive: `Raw JL corpus (unchecked and unannotated)/` with
//! `Format_Intro.txt` and `JL(wav+txt)/`, a flat folder of 2,400 WAVs (44.1 kHz 16-bit mono),
//! each with a sidecar `<name>.txt` holding its text; beside it `Picture Stimuli/` (images whose
//! names carry odd characters, misspelt folders) and other subsets that copy the same
//! recordings. Only that exact `JL(wav+txt)/` folder is read (at the archive root or one
//! wrapper folder down); everything else is skipped with a reason and never opened, so odd
//! names there cannot stop the scan. File names follow
//! `<female|male><1|2>_<emotion>_<sentence 1-15><a|b>_<session 1|2>.wav`: the speaker prefix
//! gives the gender, the emotion word is the label (five primary, five secondary emotions).
//! The transcription is the sidecar's text; a WAV whose sidecar is missing, empty or not UTF-8
//! is rejected naming the sidecar, never given another file's text.
use super::walk::{extension, junk_reason, list_files};
use super::{require_folder, AudioLocation, Corpus, Reject, Scan, ScanError, Skipped, SourceItem};
use crate::manifest::Manifest;
use crate::record::Gender;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub struct JlCorpus;

const RAW_FOLDER: &str = "Raw JL corpus (unchecked and unannotated)";
const AUDIO_FOLDER: &str = "JL(wav+txt)";

/// The fields of a JL-Corpus file name.
#[derive(Debug, PartialEq, Eq)]
struct FileName<'a> {
    /// `female1`, `male2`, …
    speaker: &'a str,
    gender: Gender,
    speaker_number: &'a str,
    emotion: &'a str,
    sentence: &'a str,
    session: &'a str,
}

/// The file-name grammar: `<female|male><digits>_<lower-case word>_<digits><a|b>_<digits>.wav`.
/// The ranges (speakers 1-2, sentences 1-15, sessions 1-2) are checked by [`range_problem`].
fn parse_name(name: &str) -> Option<FileName<'_>> {
    let stem = name.strip_suffix(".wav")?;
    let digits = |field: &str| !field.is_empty() && field.bytes().all(|b| b.is_ascii_digit());
    let fields: Vec<&str> = stem.split('_').collect();
    let [speaker, emotion, sentence, session] = fields.as_slice() else { return None };
    // `male` is a suffix of `female`, so the longer prefix is tried first.
    let (gender, speaker_number) = if let Some(number) = speaker.strip_prefix("female") {
        (Gender::Female, number)
    } else {
        (Gender::Male, speaker.strip_prefix("male")?)
    };
    let sentence_number = sentence.strip_suffix(['a', 'b'])?;
    let well_formed = digits(speaker_number)
        && !emotion.is_empty()
        && emotion.bytes().all(|b| b.is_ascii_lowercase())
        && digits(sentence_number)
        && digits(session);
    well_formed.then_some(FileName { speaker, gender, speaker_number, emotion, sentence: sentence_number, session })
}

/// Checks the numbers against the corpus design: 2 speakers of each gender, 15 sentence
/// numbers, 2 sessions.
fn range_problem(fields: &FileName) -> Option<String> {
    if !matches!(fields.speaker_number, "1" | "2") {
        Some(format!("speaker {}: only female1, female2, male1 and male2 exist", fields.speaker))
    } else if !(1..=15).contains(&fields.sentence.parse::<u32>().unwrap_or(0)) || fields.sentence.starts_with('0') {
        Some(format!("sentence {}: only 1-15 (with a or b) exist", fields.sentence))
    } else if !matches!(fields.session, "1" | "2") {
        Some(format!("session {}: only 1 or 2 exist", fields.session))
    } else {
        None
    }
}

/// The text of a sidecar transcript, whitespace runs collapsed; the error is the reject reason.
fn read_transcript(path: &Path, sidecar: &str) -> Result<String, String> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!("no transcript: {sidecar} is missing (every JL-Corpus WAV has one)"))
        }
        Err(error) => return Err(format!("transcript {sidecar} unreadable: {error}")),
    };
    let text = String::from_utf8(bytes).map_err(|_| format!("transcript {sidecar} is not UTF-8 text"))?;
    let text = text.trim_start_matches('\u{feff}').split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return Err(format!("transcript {sidecar} is empty"));
    }
    Ok(text)
}

/// `JL(wav+txt)` folders inside a `Raw JL corpus (unchecked and unannotated)` folder at the
/// corpus root or one folder below (not under `__MACOSX/`), relative to the root.
fn audio_folders(root: &Path) -> Result<Vec<PathBuf>, ScanError> {
    let mut found = Vec::new();
    // No min_depth: walkdir does not show entries above it to filter_entry.
    let walk = walkdir::WalkDir::new(root).max_depth(3).follow_links(true).sort_by_file_name();
    // A macOS zip mirrors the folders under __MACOSX/; those hold resource forks, not the corpus.
    for entry in walk.into_iter().filter_entry(|entry| entry.file_name() != "__MACOSX") {
        let entry = entry.map_err(|error| {
            let path = error.path().unwrap_or(root).to_path_buf();
            ScanError::Io { path, source: error.into() }
        })?;
        let parent_is_raw = entry.path().parent().and_then(Path::file_name).is_some_and(|name| name == RAW_FOLDER);
        if entry.depth() >= 2 && entry.file_type().is_dir() && entry.file_name() == AUDIO_FOLDER && parent_is_raw {
            found.push(entry.path().strip_prefix(root).unwrap_or(entry.path()).to_path_buf());
        }
    }
    Ok(found)
}

/// Every file outside the audio folder, set aside with a reason without being opened; names
/// that are not UTF-8 are shown lossily since nothing is read from them.
fn skip_outside(root: &Path, audio: &Path, skipped: &mut Vec<Skipped>) -> Result<(), ScanError> {
    let walk = walkdir::WalkDir::new(root).follow_links(true).sort_by_file_name();
    for entry in walk.into_iter().filter_entry(|entry| entry.path() != audio) {
        let entry = entry.map_err(|error| {
            let path = error.path().unwrap_or(root).to_path_buf();
            ScanError::Io { path, source: error.into() }
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let relative = relative.to_string_lossy().replace('\\', "/");
        let reason = junk_reason(&relative).unwrap_or_else(|| {
            if relative.split('/').any(|part| part == "Picture Stimuli") {
                "picture stimulus of the recording sessions, not audio"
            } else if relative.rsplit('/').next() == Some("Format_Intro.txt") {
                "corpus documentation, not audio"
            } else if extension(&relative).as_deref() == Some("wav") {
                "outside 'Raw JL corpus (unchecked and unannotated)/JL(wav+txt)/': other subsets copy its recordings"
            } else {
                "outside 'Raw JL corpus (unchecked and unannotated)/JL(wav+txt)/', not audio"
            }
        });
        skipped.push(Skipped { source: relative, reason: reason.into() });
    }
    Ok(())
}

impl Corpus for JlCorpus {
    fn scan(&self, root: &Path, _manifest: &Manifest) -> Result<Scan, ScanError> {
        require_folder(root, "extract the Kaggle archive of tli725/jl-corpus into it")?;
        let folder = match audio_folders(root)?.as_slice() {
            [folder] => folder.clone(),
            [] => {
                return Err(ScanError::Layout {
                    path: root.join(RAW_FOLDER).join(AUDIO_FOLDER),
                    message: format!(
                        "missing: CAMEO uses the WAVs of '{RAW_FOLDER}/{AUDIO_FOLDER}/' (extract the whole Kaggle \
                         archive, keeping its folder names)"
                    ),
                })
            }
            several => {
                return Err(ScanError::Layout {
                    path: root.to_path_buf(),
                    message: format!("several '{RAW_FOLDER}/{AUDIO_FOLDER}/' folders ({several:?}); keep one"),
                })
            }
        };
        let audio = root.join(&folder);
        let Some(folder) = folder.to_str().map(|f| f.replace('\\', "/")) else {
            return Err(ScanError::Layout {
                path: audio,
                message: "folder name is not valid UTF-8; re-extract the archive with a UTF-8 aware tool".into(),
            });
        };
        let mut scan = Scan::default();
        skip_outside(root, &audio, &mut scan.skipped)?;
        let mut inner_skips = Vec::new();
        let files = list_files(&audio, &mut inner_skips)?;
        let in_corpus = |relative: &str| format!("{folder}/{relative}");
        scan.skipped.extend(inner_skips.into_iter().map(|s| Skipped { source: in_corpus(&s.source), ..s }));
        let wav_stems: BTreeSet<&str> =
            files.iter().filter_map(|file| file.relative.strip_suffix(".wav")).filter(|s| !s.contains('/')).collect();
        for file in &files {
            let source = in_corpus(&file.relative);
            let skip = |reason: &str| Skipped { source: source.clone(), reason: reason.into() };
            if file.relative.contains('/') {
                scan.skipped.push(skip("in a subfolder of JL(wav+txt)/, which is flat"));
                continue;
            }
            match extension(&file.name).as_deref() {
                Some("wav") => {}
                Some("txt") if file.relative.strip_suffix(".txt").is_some_and(|stem| wav_stems.contains(stem)) => {
                    scan.skipped.push(skip("transcript sidecar (read as its WAV's transcription)"));
                    continue;
                }
                Some("txt") => {
                    scan.skipped.push(skip("transcript without a WAV of the same name"));
                    continue;
                }
                _ => {
                    scan.skipped.push(skip("not a WAV file"));
                    continue;
                }
            }
            let reject = |reason: String| Reject { source: source.clone(), reason };
            let Some(fields) = parse_name(&file.name) else {
                scan.rejects.push(reject(
                    "file name does not follow <female|male><n>_<emotion>_<sentence><a|b>_<session>.wav".into(),
                ));
                continue;
            };
            if let Some(problem) = range_problem(&fields) {
                scan.rejects.push(reject(problem));
                continue;
            }
            let stem = file.name.strip_suffix(".wav").unwrap_or(&file.name);
            let sidecar = format!("{stem}.txt");
            match read_transcript(&audio.join(&sidecar), &sidecar) {
                Ok(text) => scan.items.push(SourceItem {
                    location: AudioLocation::File(source.clone()),
                    source_label: fields.emotion.to_string(),
                    speaker: Some(fields.speaker.to_string()),
                    gender: Some(fields.gender),
                    age: None,
                    transcription: Some(text),
                }),
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
        let fields = parse_name("female1_apologetic_15b_2.wav").unwrap();
        assert_eq!(
            fields,
            FileName {
                speaker: "female1",
                gender: Gender::Female,
                speaker_number: "1",
                emotion: "apologetic",
                sentence: "15",
                session: "2"
            }
        );
        let male = parse_name("male2_concerned_6b_1.wav").unwrap();
        assert_eq!((male.speaker, male.gender, male.sentence), ("male2", Gender::Male, "6"));
        for bad in [
            "male2_concerned_6b.wav",
            "male2_concerned_6c_1.wav",
            "male_concerned_6b_1.wav",
            "Male2_concerned_6b_1.wav",
            "male2_Concerned_6b_1.wav",
            "male2_concerned_6b_1.txt",
            "male2_concerned_b_1.wav",
            "male2_concerned_6b_1_x.wav",
            "person2_concerned_6b_1.wav",
        ] {
            assert!(parse_name(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn numbers_outside_the_design_are_named() {
        let problem = |name: &str| range_problem(&parse_name(name).unwrap());
        assert_eq!(problem("female1_angry_10a_1.wav"), None);
        assert_eq!(problem("female1_angry_1a_2.wav"), None);
        assert_eq!(
            problem("female3_angry_10a_1.wav").unwrap(),
            "speaker female3: only female1, female2, male1 and male2 exist"
        );
        assert_eq!(problem("male1_angry_16a_1.wav").unwrap(), "sentence 16: only 1-15 (with a or b) exist");
        assert_eq!(problem("male1_angry_0a_1.wav").unwrap(), "sentence 0: only 1-15 (with a or b) exist");
        assert_eq!(problem("male1_angry_01a_1.wav").unwrap(), "sentence 01: only 1-15 (with a or b) exist");
        assert_eq!(problem("male1_angry_1a_3.wav").unwrap(), "session 3: only 1 or 2 exist");
    }

    #[test]
    fn transcripts_are_trimmed_and_bad_ones_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "\u{feff}  Kids are talking\r\n by the door.\r\n").unwrap();
        assert_eq!(read_transcript(&path, "a.txt"), Ok("Kids are talking by the door.".into()));
        std::fs::write(&path, " \r\n").unwrap();
        assert_eq!(read_transcript(&path, "a.txt"), Err("transcript a.txt is empty".into()));
        std::fs::write(&path, b"caf\xe9").unwrap();
        assert_eq!(read_transcript(&path, "a.txt"), Err("transcript a.txt is not UTF-8 text".into()));
        let missing = dir.path().join("b.txt");
        assert_eq!(
            read_transcript(&missing, "b.txt"),
            Err("no transcript: b.txt is missing (every JL-Corpus WAV has one)".into())
        );
    }
}
