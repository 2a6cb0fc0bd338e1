//! RESD, Russian Emotional Speech Dialogues (Hugging Face `Aniemore/resd_annotated`, MIT per
//! the card of a duplicate, UNVERIFIED).
//!
//! Layout as the Hub serves it: `data/train-00000-of-00001-1f5fe73d1293189c.parquet` (1,116
//! rows) and `data/test-00000-of-00001-a2b788d59856c4ae.parquet` (280 rows), plus `README.md`
//! and `.gitattributes` in a clone. The tables may also sit at the top of the corpus folder.
//! Columns: `name` (clip id), `path` (original relative path), `speech` (struct<bytes, path>:
//! the complete original WAV file, 16 or 44.1 kHz), `text` (speech-to-text transcript) and
//! `emotion` (the label). Older revisions stored `speech` as bare float arrays without a sample
//! rate; such a table is refused, naming the file and the revision to download.
//!
//! Clip names follow `DD_<emoA>_<emoB>_<l>_NNN`: dialogue 01-50, the emotions of its two
//! actors, the first letter of this clip's emotion, a 3-digit running number. Dialogues 01-11
//! write a space before the letter (`03_disgust_neutral n_050`). The label is the `emotion`
//! column; the letter only cross-checks it. No speaker, gender or age is published (each
//! dialogue has two actors, so the dialogue is not a speaker). The adapter reads the four
//! metadata columns only; the audio bytes are read by the build, one pass per table.
use super::walk::{extension, list_files};
use super::{require_folder, AudioLocation, Corpus, Reject, Scan, ScanError, Skipped, SourceItem};
use crate::audio::embedded::audio_column_problem;
use crate::manifest::Manifest;
use arrow::array::{Array, ArrayRef, AsArray, StringArray};
use arrow::datatypes::{DataType, Schema};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;
use std::fs::File;
use std::path::Path;

#[derive(Debug)]
pub struct Resd;

/// The column holding the embedded WAV files.
pub const AUDIO_COLUMN: &str = "speech";
/// The metadata columns the scan reads (never the audio).
const METADATA_COLUMNS: [&str; 4] = ["name", "path", "text", "emotion"];
/// The last dialogue of the corpus, and the last one that writes a space before the letter.
const DIALOGUES: u32 = 50;
const LAST_SPACED_DIALOGUE: u32 = 11;

/// The parts of a clip name.
#[derive(Debug, PartialEq, Eq)]
struct ClipName<'a> {
    dialogue: u32,
    pair: (&'a str, &'a str),
    letter: char,
    number: &'a str,
}

/// The clip-name grammar: `DD_<emoA>_<emoB>_<l>_NNN`, with ` ` instead of `_` before the
/// letter allowed in dialogues 01-11 only (where the corpus writes it).
fn parse_name(name: &str) -> Option<ClipName<'_>> {
    if !name.is_ascii() {
        return None;
    }
    let (head, number) = name.rsplit_once('_')?;
    let letter_at = head.len().checked_sub(1)?;
    let (rest, letter) = head.split_at(letter_at);
    let letter = letter.chars().next().filter(char::is_ascii_lowercase)?;
    let separator = rest.chars().last()?;
    let mut parts = rest[..rest.len() - 1].split('_');
    let (dialogue, first, second) = (parts.next()?, parts.next()?, parts.next()?);
    let word = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase());
    let digits = |part: &str, count: usize| part.len() == count && part.bytes().all(|b| b.is_ascii_digit());
    if parts.next().is_some() || !digits(dialogue, 2) || !digits(number, 3) || !word(first) || !word(second) {
        return None;
    }
    let dialogue: u32 = dialogue.parse().ok()?;
    let separator_fits = separator == '_' || (separator == ' ' && dialogue <= LAST_SPACED_DIALOGUE);
    ((1..=DIALOGUES).contains(&dialogue) && separator_fits).then_some(ClipName {
        dialogue,
        pair: (first, second),
        letter,
        number,
    })
}

/// One row's metadata cells (null cells are `None`).
struct RowCells<'a> {
    name: Option<&'a str>,
    path: Option<&'a str>,
    text: Option<&'a str>,
    emotion: Option<&'a str>,
}

/// Checks a row and turns it into an item; the error is the reject reason.
fn item_from_row(location: AudioLocation, cells: &RowCells) -> Result<SourceItem, String> {
    let name = cells.name.filter(|name| !name.is_empty()).ok_or("the row has no name")?;
    let parsed = parse_name(name).ok_or_else(|| {
        format!(
            "name '{name}' does not follow DD_<emotion>_<emotion>_<letter>_NNN \
             (dialogue 01-50; a space before the letter only in dialogues 01-{LAST_SPACED_DIALOGUE})"
        )
    })?;
    let emotion = cells.emotion.filter(|emotion| !emotion.is_empty()).ok_or("the row has no emotion")?;
    if !emotion.starts_with(parsed.letter) {
        return Err(format!("name '{name}' has the letter {} but the emotion column says {emotion}", parsed.letter));
    }
    // Only the file name of `path` is compared: its folder order differs from the name in
    // dialogue 11 (`11_disgust_anger/11_anger_disgust d_200.wav`) and is not a fact we use.
    if let Some(path) = cells.path {
        let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
        if file.strip_suffix(".wav").unwrap_or(file) != name {
            return Err(format!("path column '{path}' names another clip than name '{name}'"));
        }
    }
    Ok(SourceItem {
        location,
        source_label: emotion.to_string(),
        speaker: None,
        gender: None,
        age: None,
        transcription: cells.text.map(str::to_string),
    })
}

/// Where a file of the corpus folder belongs: a table to read, or a skip reason.
fn skip_reason(relative: &str, name: &str) -> Option<&'static str> {
    let is_table = extension(name).as_deref() == Some("parquet");
    if relative.split('/').any(|part| part == ".git") {
        Some("git metadata")
    } else if relative.starts_with(".cache/") {
        Some("Hugging Face download metadata (.cache/)")
    } else if is_table && (relative == name || relative == format!("data/{name}")) {
        None
    } else if is_table {
        Some("parquet table outside data/ (the dataset's tables are data/*.parquet)")
    } else if relative == "README.md" {
        Some("dataset card, not audio")
    } else if relative == ".gitattributes" {
        Some("git attributes, not audio")
    } else {
        Some("not a parquet table of the dataset")
    }
}

/// What the scan needs to tell a maintainer which files to download instead.
fn pinned_sources(manifest: &Manifest) -> String {
    let urls: Vec<&str> = manifest.sources.iter().filter_map(|source| source.url.as_deref()).collect();
    format!("get the files of the pinned revision ({}): {}", manifest.origin, urls.join(" and "))
}

fn is_text(data_type: &DataType) -> bool {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, values) => is_text(values),
        _ => false,
    }
}

/// Checks the table's columns: the audio column must be the Audio struct (an old revision is
/// refused), the metadata columns must be text. Returns the metadata columns' indices.
fn check_schema(path: &Path, schema: &Schema, manifest: &Manifest) -> Result<Vec<usize>, ScanError> {
    let layout = |message: String| ScanError::Layout { path: path.to_path_buf(), message };
    let audio = schema
        .field_with_name(AUDIO_COLUMN)
        .map_err(|_| layout(format!("no `{AUDIO_COLUMN}` column (the audio); {}", pinned_sources(manifest))))?;
    if let Some(problem) = audio_column_problem(audio.data_type()) {
        return Err(layout(format!("column `{AUDIO_COLUMN}`: {problem}; {}", pinned_sources(manifest))));
    }
    let mut indices = Vec::new();
    for column in METADATA_COLUMNS {
        let index = schema.index_of(column).map_err(|_| {
            layout(format!("no `{column}` column (expected {METADATA_COLUMNS:?} and `{AUDIO_COLUMN}`)"))
        })?;
        let data_type = schema.field(index).data_type();
        if !is_text(data_type) {
            return Err(layout(format!("column `{column}` is {data_type}, not text")));
        }
        indices.push(index);
    }
    Ok(indices)
}

/// A metadata column of a batch as plain UTF-8 strings.
fn text_column(batch: &arrow::array::RecordBatch, column: &str) -> Result<StringArray, String> {
    let array: &ArrayRef = batch.column_by_name(column).ok_or_else(|| format!("column `{column}` not read"))?;
    let cast = arrow::compute::cast(array, &DataType::Utf8).map_err(|error| format!("column `{column}`: {error}"))?;
    Ok(cast.as_string::<i32>().clone())
}

fn cell(array: &StringArray, index: usize) -> Option<&str> {
    (!array.is_null(index)).then(|| array.value(index))
}

/// Reads the metadata columns of one table (`relative` below `root`) into items and rejects.
fn scan_table(root: &Path, relative: &str, manifest: &Manifest, scan: &mut Scan) -> Result<(), ScanError> {
    let path = root.join(relative);
    let layout = |message: String| ScanError::Layout { path: path.clone(), message };
    let file = File::open(&path).map_err(|source| ScanError::Io { path: path.clone(), source })?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|error| layout(format!("not a readable parquet table: {error}")))?;
    let indices = check_schema(&path, builder.schema(), manifest)?;
    // Only the metadata columns: the audio bytes (hundreds of MB) stay on disk until the build.
    let mask = ProjectionMask::roots(builder.parquet_schema(), indices);
    let reader = builder
        .with_projection(mask)
        .build()
        .map_err(|error| layout(format!("not a readable parquet table: {error}")))?;
    let mut row = 0usize;
    for batch in reader {
        let batch = batch.map_err(|error| layout(format!("unreadable after row {row}: {error}")))?;
        let columns = METADATA_COLUMNS
            .iter()
            .map(|column| text_column(&batch, column))
            .collect::<Result<Vec<_>, _>>()
            .map_err(layout)?;
        for index in 0..batch.num_rows() {
            let location =
                AudioLocation::TableRow { file: relative.to_string(), column: AUDIO_COLUMN.to_string(), row };
            let source = location.source();
            let cells = RowCells {
                name: cell(&columns[0], index),
                path: cell(&columns[1], index),
                text: cell(&columns[2], index),
                emotion: cell(&columns[3], index),
            };
            match item_from_row(location, &cells) {
                Ok(item) => scan.items.push(item),
                Err(reason) => scan.rejects.push(Reject { source, reason }),
            }
            row += 1;
        }
    }
    Ok(())
}

impl Corpus for Resd {
    fn scan(&self, root: &Path, manifest: &Manifest) -> Result<Scan, ScanError> {
        require_folder(root, "download data/*.parquet of Hugging Face Aniemore/resd_annotated into it")?;
        let mut scan = Scan::default();
        let mut tables = Vec::new();
        for file in list_files(root, &mut scan.skipped)? {
            match skip_reason(&file.relative, &file.name) {
                Some(reason) => scan.skipped.push(Skipped { source: file.relative, reason: reason.into() }),
                None => tables.push(file.relative),
            }
        }
        if tables.is_empty() {
            return Err(ScanError::Layout {
                path: root.join("data"),
                message: format!("no parquet table found; {}", pinned_sources(manifest)),
            });
        }
        for table in &tables {
            scan_table(root, table, manifest, &mut scan)?;
        }
        Ok(scan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn clip_name_grammar() {
        let name = parse_name("32_happiness_enthusiasm_h_120").unwrap();
        assert_eq!(name, ClipName { dialogue: 32, pair: ("happiness", "enthusiasm"), letter: 'h', number: "120" });
        let spaced = parse_name("11_anger_disgust d_200").unwrap();
        assert_eq!((spaced.dialogue, spaced.pair, spaced.letter), (11, ("anger", "disgust"), 'd'));
        assert_eq!(parse_name("01_happiness_anger_a_010").map(|n| n.dialogue), Some(1));
        for bad in [
            "12_anger_fear a_060",
            "00_anger_fear_a_060",
            "51_anger_fear_a_060",
            "34_anger_fear_a_60",
            "34_anger_fear_A_060",
            "34_anger_a_060",
            "34_anger_fear_x_a_060",
            "34_anger_fear_a_060.wav",
            "3_anger_fear_a_060",
            "34_гнев_fear_a_060",
            "",
            "_",
        ] {
            assert!(parse_name(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn the_schema_check_names_what_is_wrong() {
        use arrow::datatypes::{Field, Fields};
        let manifest = crate::corpora::find("resd").unwrap().manifest.clone();
        let audio = DataType::Struct(Fields::from(vec![
            Field::new("bytes", DataType::Binary, true),
            Field::new("path", DataType::Utf8, true),
        ]));
        let schema = |speech: DataType, emotion: DataType| {
            Schema::new(vec![
                Field::new("name", DataType::Utf8, true),
                Field::new("path", DataType::LargeUtf8, true),
                Field::new(AUDIO_COLUMN, speech, true),
                Field::new("text", DataType::Utf8, true),
                Field::new("emotion", emotion, true),
            ])
        };
        let path = Path::new("raw/resd/data/t.parquet");
        let check = |schema: &Schema| check_schema(path, schema, &manifest).map_err(|error| error.to_string());
        assert_eq!(check(&schema(audio.clone(), DataType::Utf8)), Ok(vec![0, 1, 3, 4]));
        let error = check(&schema(audio.clone(), DataType::Int64)).unwrap_err();
        assert_eq!(error, "raw/resd/data/t.parquet: column `emotion` is Int64, not text");
        let old = DataType::List(Arc::new(Field::new("item", DataType::Float32, true)));
        let error = check(&schema(old, DataType::Utf8)).unwrap_err();
        assert!(error.starts_with("raw/resd/data/t.parquet: column `speech`: it holds bare sample arrays"), "{error}");
        assert!(error.contains("(manifests/resd.toml): https://huggingface.co/datasets/Aniemore/"), "{error}");
        let no_name = Schema::new(vec![Field::new(AUDIO_COLUMN, audio, true)]);
        assert!(check(&no_name).unwrap_err().contains("no `name` column"));
    }

    #[test]
    fn skip_reasons_by_place() {
        assert_eq!(
            skip_reason(
                "data/train-00000-of-00001-1f5fe73d1293189c.parquet",
                "train-00000-of-00001-1f5fe73d1293189c.parquet"
            ),
            None
        );
        assert_eq!(skip_reason("test.parquet", "test.parquet"), None);
        assert!(skip_reason("old/test.parquet", "test.parquet").unwrap().contains("outside data/"));
        assert_eq!(skip_reason(".git/HEAD", "HEAD"), Some("git metadata"));
        assert_eq!(skip_reason("README.md", "README.md"), Some("dataset card, not audio"));
    }
}
