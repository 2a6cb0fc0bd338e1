//! EMNS, Emotive Narrative Storytelling corpus (OpenSLR SLR136, CC BY 4.0 per nkululeko).
//!
//! Two downloads: `raw_webm.tar.xz`, which extracts to `raw_webm/recorded_audio_XXXXXXX.webm`
//! (nkululeko renames the folder to `EMNS/`; EmoBox used a `cleaned_webm/` of 1,181), and
//! `metadata.csv`, beside the folder or inside it. One speaker (user_id 3, female, "20s").
//! The table, not the file name, is the label source: pipe-separated with the header
//! `id|utterance|description|emotion|date_created|status|gender|age|level|audio_recording|user_id`
//! and quoted fields (utterances hold commas and doubled quotes). `audio_recording` says
//! `wavs/<name>.webm`: the `wavs/` prefix is not a folder of the download and is dropped.
//! Every row is an item, the 24 with status "Needs Updating" included (that gives CAMEO's
//! 1,205). Names are matched exactly: the 7-character suffix is case-sensitive. The
//! transcription is `utterance`; speaker, gender and age come from the row.
use super::walk::{extension, list_files};
use super::{require_folder, AudioLocation, Corpus, Reject, Scan, ScanError, Skipped, SourceItem};
use crate::manifest::Manifest;
use crate::record::Gender;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug)]
pub struct Emns;

const TABLE: &str = "metadata.csv";
const COLUMNS: [&str; 11] = [
    "id",
    "utterance",
    "description",
    "emotion",
    "date_created",
    "status",
    "gender",
    "age",
    "level",
    "audio_recording",
    "user_id",
];
const STATUSES: [&str; 2] = ["Complete", "Needs Updating"];
/// Folders a recording may sit in, most preferred first: when one name is found in several
/// (raw_webm/ and cleaned_webm/ both extracted), the first is used. Other folders rank last
/// but one, cleaned_webm/ last, since CAMEO's count implies the raw recordings.
const FOLDER_PREFERENCE: [&str; 3] = ["raw_webm", "EMNS", "wavs"];
const LEAST_PREFERRED: &str = "cleaned_webm";

/// One row of metadata.csv, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    /// 1-based data row number (the header is row 0).
    number: usize,
    utterance: String,
    emotion: String,
    status: String,
    gender: String,
    age: String,
    /// `audio_recording` as written.
    recording: String,
    user_id: String,
}

impl Row {
    /// The file name `audio_recording` points to: `wavs/` dropped, a bare `.webm` name left.
    fn file_name(&self) -> Option<&str> {
        let name = self.recording.strip_prefix("wavs/").unwrap_or(&self.recording);
        let plain = !name.is_empty() && !name.contains(['/', '\\']) && name.ends_with(".webm");
        plain.then_some(name)
    }
}

/// Reads metadata.csv; a garbled table or a header other than the 11 columns is an error
/// naming the file.
fn read_table(path: &Path) -> Result<Vec<Row>, ScanError> {
    let layout = |message: String| ScanError::Layout { path: path.to_path_buf(), message };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'|')
        .from_path(path)
        .map_err(|error| layout(format!("cannot read the table: {error}")))?;
    let header = reader.headers().map_err(|error| layout(format!("garbled header: {error}")))?.clone();
    let header: Vec<&str> = header.iter().map(|name| name.trim_start_matches('\u{feff}').trim()).collect();
    if header != COLUMNS {
        return Err(layout(format!("header is {header:?}, expected {COLUMNS:?} separated by '|'")));
    }
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let number = index + 1;
        let record = record.map_err(|error| layout(format!("garbled row {number}: {error}")))?;
        let field = |column: usize| record.get(column).unwrap_or("").trim().to_string();
        rows.push(Row {
            number,
            utterance: field(1),
            emotion: field(3),
            status: field(5),
            gender: field(6),
            age: field(7),
            recording: field(9),
            user_id: field(10),
        });
    }
    Ok(rows)
}

/// Checks a row and turns it into an item for the file at `relative`.
fn item_from_row(relative: &str, row: &Row) -> Result<SourceItem, String> {
    let at = format!("{TABLE} row {}", row.number);
    if !STATUSES.contains(&row.status.as_str()) {
        return Err(format!("{at}: unknown status '{}' (expected {})", row.status, STATUSES.join(" or ")));
    }
    // nkululeko lower-cases this column, so the raw file may capitalise it.
    let gender = match row.gender.to_ascii_lowercase().as_str() {
        "female" => Gender::Female,
        "male" => Gender::Male,
        _ => return Err(format!("{at}: unknown gender '{}'", row.gender)),
    };
    if row.utterance.is_empty() {
        return Err(format!("{at}: empty utterance"));
    }
    if row.user_id.is_empty() {
        return Err(format!("{at}: empty user_id"));
    }
    Ok(SourceItem {
        location: AudioLocation::File(relative.to_string()),
        source_label: row.emotion.clone(),
        speaker: Some(row.user_id.clone()),
        gender: Some(gender),
        age: (!row.age.is_empty()).then(|| row.age.clone()),
        transcription: Some(row.utterance.clone()),
    })
}

/// The folder part of a relative path (`""` at the corpus folder).
fn folder_of(relative: &str) -> &str {
    relative.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// Sort key of a copy's folder: preferred folders first, cleaned_webm/ last.
fn folder_rank(relative: &str) -> usize {
    let folder = folder_of(relative).rsplit('/').next().unwrap_or("");
    match FOLDER_PREFERENCE.iter().position(|preferred| *preferred == folder) {
        Some(rank) => rank,
        None if folder == LEAST_PREFERRED => FOLDER_PREFERENCE.len() + 1,
        None => FOLDER_PREFERENCE.len(),
    }
}

/// Finds metadata.csv in the corpus folder or one folder down.
fn find_table(root: &Path, candidates: &[&str]) -> Result<String, ScanError> {
    match candidates {
        [table] => Ok(table.to_string()),
        [] => Err(ScanError::Layout {
            path: root.join(TABLE),
            message: "missing: EMNS labels, texts and speakers come from metadata.csv \
                      (download https://www.openslr.org/resources/136/metadata.csv into the corpus folder)"
                .into(),
        }),
        several => Err(ScanError::Layout {
            path: root.to_path_buf(),
            message: format!("several {TABLE} files ({several:?}); keep one"),
        }),
    }
}

impl Corpus for Emns {
    fn scan(&self, root: &Path, _manifest: &Manifest) -> Result<Scan, ScanError> {
        require_folder(root, "extract raw_webm.tar.xz into it and put metadata.csv beside raw_webm/")?;
        let mut scan = Scan::default();
        let files = list_files(root, &mut scan.skipped)?;
        let tables: Vec<&str> = files
            .iter()
            .filter(|file| file.name == TABLE && file.relative.matches('/').count() <= 1)
            .map(|file| file.relative.as_str())
            .collect();
        let table = find_table(root, &tables)?;
        let rows = read_table(&root.join(&table))?;

        // Every WebM by name; a name found in several folders is one recording.
        let mut copies: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for file in files {
            if file.relative == table {
                scan.skipped
                    .push(Skipped { source: file.relative, reason: "the metadata table (read for labels)".into() });
            } else if extension(&file.name).as_deref() == Some("webm") {
                copies.entry(file.name).or_default().push(file.relative);
            } else {
                scan.skipped.push(Skipped { source: file.relative, reason: "not a WebM recording".into() });
            }
        }
        let mut recordings: BTreeMap<String, String> = BTreeMap::new();
        for (name, mut paths) in copies {
            paths.sort_by(|a, b| folder_rank(a).cmp(&folder_rank(b)).then_with(|| a.cmp(b)));
            let mut paths = paths.into_iter();
            let Some(chosen) = paths.next() else { continue };
            for other in paths {
                scan.skipped
                    .push(Skipped { source: other, reason: format!("another copy of {name}; {chosen} is used") });
            }
            recordings.insert(name, chosen);
        }
        // Where recordings named by rows are expected, for naming the missing ones.
        let mut folder_counts: BTreeMap<&str, usize> = BTreeMap::new();
        for relative in recordings.values() {
            *folder_counts.entry(folder_of(relative)).or_default() += 1;
        }
        let audio_folder = folder_counts
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map_or(FOLDER_PREFERENCE[0], |(folder, _)| folder)
            .to_string();
        let in_audio_folder = |name: &str| match audio_folder.as_str() {
            "" => name.to_string(),
            folder => format!("{folder}/{name}"),
        };

        let mut by_name: BTreeMap<String, Row> = BTreeMap::new();
        for row in rows {
            let Some(name) = row.file_name().map(str::to_string) else {
                scan.rejects.push(Reject {
                    source: format!("{table}#{}", row.number),
                    reason: format!(
                        "{TABLE} row {}: audio_recording '{}' is not wavs/<name>.webm",
                        row.number, row.recording
                    ),
                });
                continue;
            };
            if let Some(first) = by_name.get(&name) {
                scan.rejects.push(Reject {
                    source: format!("{table}#{}", row.number),
                    reason: format!("{TABLE} row {} names {name}, already named by row {}", row.number, first.number),
                });
                continue;
            }
            by_name.insert(name, row);
        }
        let lower_case_names: BTreeMap<String, String> =
            by_name.keys().map(|name| (name.to_lowercase(), name.clone())).collect();

        for (name, relative) in recordings {
            match by_name.remove(&name) {
                Some(row) => match item_from_row(&relative, &row) {
                    Ok(item) => scan.items.push(item),
                    Err(reason) => scan.rejects.push(Reject { source: relative, reason }),
                },
                None => {
                    let reason = match lower_case_names.get(&name.to_lowercase()) {
                        Some(listed) => format!(
                            "not listed in {TABLE}; it lists {listed}, which differs only in letter case \
                             (names are case-sensitive)"
                        ),
                        None => format!("not listed in {TABLE}"),
                    };
                    scan.rejects.push(Reject { source: relative, reason });
                }
            }
        }
        for (name, row) in by_name {
            scan.rejects.push(Reject {
                source: in_audio_folder(&name),
                reason: format!("listed in {TABLE} row {} but the file is missing", row.number),
            });
        }
        Ok(scan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(recording: &str) -> Row {
        Row {
            number: 1,
            utterance: "Thus the buffer is local.".into(),
            emotion: "Neutral".into(),
            status: "Complete".into(),
            gender: "female".into(),
            age: "20s".into(),
            recording: recording.into(),
            user_id: "3".into(),
        }
    }

    #[test]
    fn the_wavs_prefix_is_dropped_and_only_plain_webm_names_pass() {
        assert_eq!(row("wavs/recorded_audio_qL4JVHj.webm").file_name(), Some("recorded_audio_qL4JVHj.webm"));
        assert_eq!(row("recorded_audio_qL4JVHj.webm").file_name(), Some("recorded_audio_qL4JVHj.webm"));
        for bad in ["", "wavs/", "wavs/x/recorded_audio_qL4JVHj.webm", "wavs/recorded_audio_qL4JVHj.wav"] {
            assert_eq!(row(bad).file_name(), None, "{bad}");
        }
    }

    #[test]
    fn folders_rank_raw_first_and_cleaned_last() {
        let mut paths = vec!["cleaned_webm/a.webm", "other/a.webm", "EMNS/a.webm", "raw_webm/a.webm", "a.webm"];
        paths.sort_by_key(|p| (folder_rank(p), *p));
        assert_eq!(paths, ["raw_webm/a.webm", "EMNS/a.webm", "a.webm", "other/a.webm", "cleaned_webm/a.webm"]);
    }

    #[test]
    fn quoted_fields_with_pipes_commas_and_doubled_quotes_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(TABLE);
        std::fs::write(
            &path,
            format!(
                "\u{feff}{}\n72|\"It is the first game in the \"\"Saints Row\"\" series.\"|\"{{user_id}} said | {{transcription}}\"|Happy|2022-06-03 11:24:02.222086|Complete|Female|20s|4|wavs/recorded_audio_Mhiuz8D.webm|3\n",
                COLUMNS.join("|")
            ),
        )
        .unwrap();
        let rows = read_table(&path).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].utterance, "It is the first game in the \"Saints Row\" series.");
        assert_eq!((rows[0].gender.as_str(), rows[0].user_id.as_str()), ("Female", "3"));
        assert_eq!(
            (rows[0].emotion.as_str(), rows[0].recording.as_str()),
            ("Happy", "wavs/recorded_audio_Mhiuz8D.webm")
        );
        let item = item_from_row("raw_webm/recorded_audio_Mhiuz8D.webm", &rows[0]).unwrap();
        assert_eq!(item.gender, Some(Gender::Female));
    }
}
