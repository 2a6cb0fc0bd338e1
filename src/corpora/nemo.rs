//! nEMO, Polish emotional speech (GitHub amu-cai/nEMO, CC BY-NC-SA 4.0).
//!
//! Layout of the clone: `README.md`, `LICENSE`, `data.tsv` and `samples/` (4,481 WAVs, 24 kHz
//! 16-bit mono, flat). The table, not the file name, is the label source: `data.tsv` is UTF-8,
//! tab-separated, no quoting, with the header `file_id emotion raw_text normalized_text
//! speaker_id gender age`, one row per file of `samples/`. Every `speaker_id` value carries 8
//! leading spaces (`"        WR0"`), trimmed here. File names follow
//! `{speaker}_{emotion}_{sentence}.wav` and must agree with their row. The transcription is
//! `raw_text`; gender and age come from the row. The clone may sit one folder deep (`nEMO/`).
use super::walk::{extension, list_files};
use super::{require_folder, AudioLocation, Corpus, Reject, Scan, ScanError, Skipped, SourceItem};
use crate::manifest::Manifest;
use crate::record::Gender;
use std::collections::BTreeMap;
use std::path::Path;

pub struct Nemo;

const TABLE: &str = "data.tsv";
const COLUMNS: [&str; 7] = ["file_id", "emotion", "raw_text", "normalized_text", "speaker_id", "gender", "age"];

/// One row of data.tsv, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    /// 1-based data row number (the header is row 0).
    number: usize,
    emotion: String,
    raw_text: String,
    speaker: String,
    gender: String,
    age: String,
}

/// Reads data.tsv into file name → row; a missing or garbled table is an error naming it.
fn read_table(path: &Path) -> Result<BTreeMap<String, Row>, ScanError> {
    let layout = |message: String| ScanError::Layout { path: path.to_path_buf(), message };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .quoting(false)
        .from_path(path)
        .map_err(|error| layout(format!("cannot read the table: {error}")))?;
    let header = reader.headers().map_err(|error| layout(format!("garbled header: {error}")))?.clone();
    let header: Vec<&str> = header.iter().map(str::trim).collect();
    if header != COLUMNS {
        return Err(layout(format!("header is {header:?}, expected {COLUMNS:?}")));
    }
    let mut rows = BTreeMap::new();
    for (index, record) in reader.records().enumerate() {
        let number = index + 1;
        let record = record.map_err(|error| layout(format!("garbled row {number}: {error}")))?;
        let field = |column: usize| record.get(column).unwrap_or("").trim().to_string();
        let file_id = field(0);
        let row =
            Row { number, emotion: field(1), raw_text: field(2), speaker: field(4), gender: field(5), age: field(6) };
        if file_id.is_empty() {
            return Err(layout(format!("row {number} has no file_id")));
        }
        if let Some(previous) = rows.insert(file_id.clone(), row) {
            return Err(layout(format!("file_id {file_id} on rows {} and {number}", previous.number)));
        }
    }
    Ok(rows)
}

/// The file-name grammar: `{speaker}_{emotion}_{sentence}.wav` with a numeric sentence id.
fn parse_name(name: &str) -> Option<(&str, &str, &str)> {
    let stem = name.strip_suffix(".wav")?;
    let mut parts = stem.split('_');
    let (speaker, emotion, sentence) = (parts.next()?, parts.next()?, parts.next()?);
    let well_formed = parts.next().is_none()
        && !speaker.is_empty()
        && !emotion.is_empty()
        && !sentence.is_empty()
        && sentence.bytes().all(|b| b.is_ascii_digit());
    well_formed.then_some((speaker, emotion, sentence))
}

/// Checks a row against its file name and turns it into an item.
fn item_from_row(relative: &str, name: &str, row: &Row) -> Result<SourceItem, String> {
    let Some((speaker, emotion, _sentence)) = parse_name(name) else {
        return Err("file name does not follow {speaker}_{emotion}_{sentence}.wav".into());
    };
    if speaker != row.speaker || emotion != row.emotion {
        return Err(format!(
            "file name says speaker {speaker} / emotion {emotion}, {TABLE} row {} says {} / {}",
            row.number, row.speaker, row.emotion
        ));
    }
    let gender = match row.gender.as_str() {
        "female" => Gender::Female,
        "male" => Gender::Male,
        other => return Err(format!("{TABLE} row {}: unknown gender '{other}'", row.number)),
    };
    if row.age.is_empty() || !row.age.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{TABLE} row {}: age '{}' is not a number", row.number, row.age));
    }
    if row.raw_text.is_empty() {
        return Err(format!("{TABLE} row {}: empty raw_text", row.number));
    }
    Ok(SourceItem {
        location: AudioLocation::File(relative.to_string()),
        source_label: row.emotion.clone(),
        speaker: Some(row.speaker.clone()),
        gender: Some(gender),
        age: Some(row.age.clone()),
        transcription: Some(row.raw_text.clone()),
    })
}

impl Corpus for Nemo {
    fn scan(&self, root: &Path, _manifest: &Manifest) -> Result<Scan, ScanError> {
        require_folder(root, "clone https://github.com/amu-cai/nEMO into it")?;
        let mut scan = Scan::default();
        let files = list_files(root, &mut scan.skipped)?;
        // The clone's folder: where data.tsv is (the corpus folder itself or one level down).
        let tables: Vec<&str> = files
            .iter()
            .map(|file| file.relative.as_str())
            .filter(|relative| {
                *relative == TABLE
                    || relative.strip_suffix(TABLE).is_some_and(|p| p.matches('/').count() == 1 && p.ends_with('/'))
            })
            .collect();
        let prefix = match tables.as_slice() {
            [table] => table.strip_suffix(TABLE).expect("filtered on the suffix").to_string(),
            [] => {
                return Err(ScanError::Layout {
                    path: root.join(TABLE),
                    message:
                        "missing: nEMO's labels, texts and speakers come from data.tsv (clone the whole repository)"
                            .into(),
                })
            }
            several => {
                return Err(ScanError::Layout {
                    path: root.to_path_buf(),
                    message: format!("several {TABLE} files ({several:?}); keep one clone of nEMO"),
                })
            }
        };
        let mut rows = read_table(&root.join(format!("{prefix}{TABLE}")))?;
        let samples = format!("{prefix}samples/");
        for file in files {
            let in_samples = file.relative.strip_prefix(&samples).is_some_and(|rest| !rest.contains('/'));
            if !in_samples || extension(&file.name).as_deref() != Some("wav") {
                let reason = if file.relative.split('/').any(|part| part == ".git") {
                    "git metadata"
                } else if file.relative.ends_with(TABLE) {
                    "the metadata table (read for labels)"
                } else {
                    "not a WAV file in samples/"
                };
                scan.skipped.push(Skipped { source: file.relative, reason: reason.into() });
                continue;
            }
            let Some(row) = rows.remove(&file.name) else {
                scan.rejects.push(Reject { source: file.relative, reason: format!("not listed in {TABLE}") });
                continue;
            };
            match item_from_row(&file.relative, &file.name, &row) {
                Ok(item) => scan.items.push(item),
                Err(reason) => scan.rejects.push(Reject { source: file.relative, reason }),
            }
        }
        for (file_id, row) in rows {
            scan.rejects.push(Reject {
                source: format!("{samples}{file_id}"),
                reason: format!("listed in {TABLE} row {} but the file is missing", row.number),
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
        assert_eq!(parse_name("WR0_surprised_64.wav"), Some(("WR0", "surprised", "64")));
        for bad in ["WR0_surprised.wav", "WR0_surprised_6a.wav", "WR0_surprised_64_1.wav", "WR0_surprised_64.flac"] {
            assert!(parse_name(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn padded_speaker_ids_are_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(TABLE);
        std::fs::write(
            &path,
            "file_id\temotion\traw_text\tnormalized_text\tspeaker_id\tgender\tage\n\
             WR0_surprised_64.wav\tsurprised\tUcho wykrywa dźwięki.\tucho wykrywa dźwięki\t        WR0\tmale\t23\n",
        )
        .unwrap();
        let rows = read_table(&path).unwrap();
        let row = &rows["WR0_surprised_64.wav"];
        assert_eq!((row.speaker.as_str(), row.age.as_str(), row.number), ("WR0", "23", 1));
    }
}
