//! Emozionalmente, crowdsourced Italian emotional speech (Zenodo record 6569824; CC BY 4.0
//! assumed, single source).
//!
//! Layout: v1.0 unzips to `emozionalmente_dataset/` with `audio/<13-digit timestamp>.wav`
//! (6,902 WAVs, mono 16-bit; 6,752 at 16 kHz and 150 at 44.1 kHz) and `metadata/` holding
//! `samples.csv`, `users.csv` and `evaluations.csv`. The v1.1 zip (`emozionalmente.zip`) was
//! not seen; a third-party recipe unpacks it to `emozionalmente/` with the same two folders
//! plus `metadata/split/{train,dev,test}.csv`. So the one `metadata/samples.csv` is searched at
//! any depth and its `audio/` sibling holds the items. File names carry nothing but a
//! timestamp: labels come from the tables. `samples.csv` (comma-separated, read with the csv
//! crate, columns found by header name) gives per file (`file_name`) the `actor` (a 64-hex
//! username hash), the Italian `sentence` and `emotion_expressed`, the emotion the actor meant
//! (the listener votes of `evaluations.csv` are not used). Gender and age come from
//! `users.csv`, joined on `username == actor`. Every WAV must have its row and every row its
//! WAV.
use super::walk::{extension, list_files};
use super::{require_folder, AudioLocation, Corpus, Reject, Scan, ScanError, Skipped, SourceItem};
use crate::manifest::Manifest;
use crate::record::Gender;
use std::collections::BTreeMap;
use std::path::Path;

pub struct Emozionalmente;

const SAMPLES: &str = "metadata/samples.csv";
const USERS: &str = "metadata/users.csv";
const EVALUATIONS: &str = "metadata/evaluations.csv";
const SPLITS: &str = "metadata/split/";
const AUDIO: &str = "audio/";

/// One row of samples.csv.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SampleRow {
    /// 1-based data row number (the header is row 0).
    number: usize,
    actor: String,
    sentence: String,
    emotion: String,
}

/// One row of users.csv.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ActorRow {
    number: usize,
    gender: String,
    age: String,
}

/// A comma-separated table with a header, every field trimmed; errors name the file.
struct Table {
    path: std::path::PathBuf,
    header: Vec<String>,
    rows: Vec<csv::StringRecord>,
}

impl Table {
    fn read(path: &Path) -> Result<Table, ScanError> {
        let layout = |message: String| ScanError::Layout { path: path.to_path_buf(), message };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(path)
            .map_err(|error| layout(format!("cannot read the table: {error}")))?;
        let header: Vec<String> = reader
            .headers()
            .map_err(|error| layout(format!("garbled header: {error}")))?
            .iter()
            .map(|name| name.trim_start_matches('\u{feff}').to_string())
            .collect();
        let mut rows = Vec::new();
        for (index, record) in reader.records().enumerate() {
            rows.push(record.map_err(|error| layout(format!("garbled row {}: {error}", index + 1)))?);
        }
        Ok(Table { path: path.to_path_buf(), header, rows })
    }

    /// The position of each named column; a missing one is an error naming the table.
    fn columns<const N: usize>(&self, names: [&str; N]) -> Result<[usize; N], ScanError> {
        let mut positions = [0; N];
        for (slot, name) in positions.iter_mut().zip(names) {
            *slot = self.header.iter().position(|column| column == name).ok_or_else(|| ScanError::Layout {
                path: self.path.clone(),
                message: format!("no `{name}` column (header is {:?}, expected {names:?} among them)", self.header),
            })?;
        }
        Ok(positions)
    }

    fn duplicate(&self, key: &str, first: usize, second: usize) -> ScanError {
        ScanError::Layout { path: self.path.clone(), message: format!("{key} on rows {first} and {second}") }
    }
}

/// samples.csv as file name → row.
fn read_samples(path: &Path) -> Result<BTreeMap<String, SampleRow>, ScanError> {
    let table = Table::read(path)?;
    let [file, actor, sentence, emotion] = table.columns(["file_name", "actor", "sentence", "emotion_expressed"])?;
    let mut rows = BTreeMap::new();
    for (index, record) in table.rows.iter().enumerate() {
        let number = index + 1;
        let field = |column: usize| record.get(column).unwrap_or("").to_string();
        let name = field(file);
        // The bare name is the join key with audio/; anything else would silently match nothing.
        if name.is_empty() || name.contains(['/', '\\']) {
            return Err(ScanError::Layout {
                path: path.to_path_buf(),
                message: format!("row {number}: file_name '{name}' is not a bare file name"),
            });
        }
        let row = SampleRow { number, actor: field(actor), sentence: field(sentence), emotion: field(emotion) };
        if let Some(previous) = rows.insert(name.clone(), row) {
            return Err(table.duplicate(&format!("file_name {name}"), previous.number, number));
        }
    }
    Ok(rows)
}

/// users.csv as username → row.
fn read_users(path: &Path) -> Result<BTreeMap<String, ActorRow>, ScanError> {
    let table = Table::read(path)?;
    let [username, gender, age] = table.columns(["username", "gender", "age"])?;
    let mut rows = BTreeMap::new();
    for (index, record) in table.rows.iter().enumerate() {
        let number = index + 1;
        let field = |column: usize| record.get(column).unwrap_or("").to_string();
        let row = ActorRow { number, gender: field(gender), age: field(age) };
        if let Some(previous) = rows.insert(field(username), row) {
            return Err(table.duplicate(&format!("username {}", field(username)), previous.number, number));
        }
    }
    Ok(rows)
}

/// users.csv's gender: female or male in any case; empty means unknown. Other values were not
/// seen, so they are refused rather than guessed.
fn gender_of(actor: &ActorRow) -> Result<Option<Gender>, String> {
    match actor.gender.to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "female" => Ok(Some(Gender::Female)),
        "male" => Ok(Some(Gender::Male)),
        _ => {
            Err(format!("users.csv row {}: unknown gender '{}' (female or male expected)", actor.number, actor.gender))
        }
    }
}

/// users.csv's age: whole years; empty means unknown.
fn age_of(actor: &ActorRow) -> Result<Option<String>, String> {
    if actor.age.is_empty() {
        Ok(None)
    } else if actor.age.bytes().all(|b| b.is_ascii_digit()) {
        Ok(Some(actor.age.clone()))
    } else {
        Err(format!("users.csv row {}: age '{}' is not a whole number", actor.number, actor.age))
    }
}

/// Joins a samples.csv row with its actor; the error is the reject reason.
fn item_from_row(relative: &str, row: &SampleRow, users: &BTreeMap<String, ActorRow>) -> Result<SourceItem, String> {
    if row.actor.is_empty() {
        return Err(format!("samples.csv row {}: empty actor", row.number));
    }
    if row.sentence.is_empty() {
        return Err(format!("samples.csv row {}: empty sentence", row.number));
    }
    let actor = users.get(&row.actor).ok_or_else(|| format!("actor {} not in users.csv", row.actor))?;
    Ok(SourceItem {
        location: AudioLocation::File(relative.to_string()),
        source_label: row.emotion.clone(),
        speaker: Some(row.actor.clone()),
        gender: gender_of(actor)?,
        age: age_of(actor)?,
        transcription: Some(row.sentence.clone()),
    })
}

/// Why a file that is not an item is set aside; `inside` is its path below the corpus folder.
fn skip_reason(inside: &str) -> &'static str {
    match inside {
        SAMPLES => "the samples table (read for labels, texts and actors)",
        USERS => "the actor table (read for gender and age)",
        EVALUATIONS => "listener votes; CAMEO uses the intended emotion (emotion_expressed)",
        _ if inside.starts_with(SPLITS) => "v1.1 speaker-independent split table (the rows of samples.csv again)",
        _ if extension(inside).as_deref() == Some("wav") => "WAV outside the audio/ folder beside metadata/",
        _ => "not a WAV file (the corpus audio is audio/*.wav)",
    }
}

impl Corpus for Emozionalmente {
    fn scan(&self, root: &Path, _manifest: &Manifest) -> Result<Scan, ScanError> {
        require_folder(root, "extract emozionalmente.zip (Zenodo record 6569824) into it")?;
        let mut scan = Scan::default();
        let files = list_files(root, &mut scan.skipped)?;
        // The corpus folder is wherever metadata/samples.csv is (v1.0 and v1.1 differ).
        let tables: Vec<&str> = files
            .iter()
            .map(|file| file.relative.as_str())
            .filter(|relative| *relative == SAMPLES || relative.ends_with(&format!("/{SAMPLES}")))
            .collect();
        let prefix = match tables.as_slice() {
            [table] => table.strip_suffix(SAMPLES).unwrap_or_default().to_string(),
            [] => {
                return Err(ScanError::Layout {
                    path: root.join(SAMPLES),
                    message: "missing: Emozionalmente's labels, texts and actors come from metadata/samples.csv \
                              (extract the whole zip)"
                        .into(),
                })
            }
            several => {
                return Err(ScanError::Layout {
                    path: root.to_path_buf(),
                    message: format!("several {SAMPLES} files ({several:?}); keep one version of Emozionalmente"),
                })
            }
        };
        let users_path = root.join(format!("{prefix}{USERS}"));
        if !users_path.is_file() {
            return Err(ScanError::Layout {
                path: users_path,
                message: "missing: gender and age come from metadata/users.csv (extract the whole zip)".into(),
            });
        }
        let mut rows = read_samples(&root.join(format!("{prefix}{SAMPLES}")))?;
        let users = read_users(&users_path)?;
        let audio = format!("{prefix}{AUDIO}");
        for file in files {
            let in_audio = file.relative.strip_prefix(&audio).is_some_and(|rest| !rest.contains('/'));
            if !in_audio || extension(&file.name).as_deref() != Some("wav") {
                let reason = skip_reason(file.relative.strip_prefix(&prefix).unwrap_or(&file.relative));
                scan.skipped.push(Skipped { source: file.relative, reason: reason.into() });
                continue;
            }
            let Some(row) = rows.remove(&file.name) else {
                scan.rejects.push(Reject { source: file.relative, reason: "not listed in samples.csv".into() });
                continue;
            };
            match item_from_row(&file.relative, &row, &users) {
                Ok(item) => scan.items.push(item),
                Err(reason) => scan.rejects.push(Reject { source: file.relative, reason }),
            }
        }
        for (name, row) in rows {
            scan.rejects.push(Reject {
                source: format!("{audio}{name}"),
                reason: format!("listed in samples.csv row {} but the file is missing", row.number),
            });
        }
        Ok(scan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_found_by_name_whatever_their_order_and_extras() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("samples.csv");
        std::fs::write(
            &path,
            "\u{feff}id,emotion_expressed,sentence,actor,file_name\r\n\
             7,joy,\"Sì, certo: è \"\"vero\"\".\",3111cf7b, 1613655062436.wav \r\n",
        )
        .unwrap();
        let rows = read_samples(&path).unwrap();
        let row = &rows["1613655062436.wav"];
        assert_eq!(row.emotion, "joy");
        assert_eq!(row.sentence, "Sì, certo: è \"vero\".");
        assert_eq!((row.actor.as_str(), row.number), ("3111cf7b", 1));
    }

    #[test]
    fn a_missing_column_or_a_path_in_file_name_names_the_table() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("samples.csv");
        std::fs::write(&path, "file_name,actor,sentence\n1.wav,a,b\n").unwrap();
        let error = read_samples(&path).unwrap_err().to_string();
        assert!(error.contains("samples.csv") && error.contains("no `emotion_expressed` column"), "{error}");
        std::fs::write(&path, "file_name,actor,sentence,emotion_expressed\naudio/1.wav,a,b,joy\n").unwrap();
        let error = read_samples(&path).unwrap_err().to_string();
        assert!(error.contains("row 1: file_name 'audio/1.wav' is not a bare file name"), "{error}");
    }

    #[test]
    fn gender_and_age_are_read_or_refused_never_guessed() {
        let actor = |gender: &str, age: &str| ActorRow { number: 3, gender: gender.into(), age: age.into() };
        assert_eq!(gender_of(&actor("Female", "")), Ok(Some(Gender::Female)));
        assert_eq!(gender_of(&actor("male", "")), Ok(Some(Gender::Male)));
        assert_eq!(gender_of(&actor("", "")), Ok(None));
        assert_eq!(
            gender_of(&actor("M", "")),
            Err("users.csv row 3: unknown gender 'M' (female or male expected)".into())
        );
        assert_eq!(age_of(&actor("", "31")), Ok(Some("31".into())));
        assert_eq!(age_of(&actor("", "")), Ok(None));
        assert_eq!(age_of(&actor("", "31.5")), Err("users.csv row 3: age '31.5' is not a whole number".into()));
    }
}
