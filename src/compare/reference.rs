//! The reference side of `cameo compare`: finds the parquet shards under REF (the published
//! release as `hf download` leaves it, or another cameo build), and streams them batch by batch,
//! decoding every embedded audio file through the build's canonical path. Only the metadata,
//! the canonical hash and the length of each row are kept, so memory does not grow with the
//! audio of the reference.
use super::{CompareError, FIELDS};
use crate::audio::embedded::audio_column_problem;
use crate::audio::{canonical, open_bytes, AudioError};
use arrow::array::{Array, AsArray, StringArray, StructArray};
use arrow::datatypes::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;
use rayon::prelude::*;
use std::fs::File;
use std::path::{Path, PathBuf};

/// Rows per batch: a row holds a few hundred kB of FLAC, so a batch stays small.
const BATCH_ROWS: usize = 64;

/// One parquet shard of the reference.
#[derive(Debug, Clone)]
pub struct Shard {
    pub path: PathBuf,
    /// The split named by the file (`data/<split>-00000-of-00001.parquet`).
    pub split: String,
}

/// One reference row, without its audio.
#[derive(Debug, Clone)]
pub struct RefRow {
    pub shard: usize,
    pub row: usize,
    /// The row's own id (its `file_id` column, else the audio's `path`, else `shard#row`).
    pub id: String,
    /// The values of [`FIELDS`], in that order.
    pub fields: Vec<Option<String>>,
    /// The canonical file_id of its audio (SHA-256 of the canonical PCM + `.flac`), or why the
    /// audio could not be decoded.
    pub canonical: Result<(String, u64), String>,
}

/// Every `*.parquet` below `reference`, in path order (hidden folders such as `hf download`'s
/// `.cache/` are skipped).
pub fn find_shards(reference: &Path) -> Result<Vec<Shard>, CompareError> {
    if !reference.is_dir() {
        return Err(CompareError::Usage(format!(
            "{}: not a folder (give the folder `hf download amu-cai/CAMEO --repo-type dataset --local-dir REF` \
             wrote, or a cameo build folder)",
            reference.display()
        )));
    }
    let suffix = regex::Regex::new(r"^(.*?)-\d+-of-\d+(-[0-9a-f]+)?$").expect("valid regex");
    let mut shards = Vec::new();
    let walk = walkdir::WalkDir::new(reference).sort_by_file_name().into_iter();
    for entry in walk.filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.')) {
        let entry = entry.map_err(|e| CompareError::Reference(reference.to_path_buf(), e.to_string()))?;
        let path = entry.path();
        if !entry.file_type().is_file() || path.extension().and_then(|e| e.to_str()) != Some("parquet") {
            continue;
        }
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let split = suffix.captures(&stem).map_or(stem.clone(), |c| c[1].to_string());
        shards.push(Shard { path: path.to_path_buf(), split });
    }
    if shards.is_empty() {
        return Err(CompareError::Usage(format!(
            "{}: no parquet shards below it (expected data/<split>-NNNNN-of-NNNNN.parquet)",
            reference.display()
        )));
    }
    Ok(shards)
}

/// The canonical file_id and frame count of one embedded audio file.
fn canonical_id(bytes: Vec<u8>) -> Result<(String, u64), AudioError> {
    let mut stream = open_bytes(bytes)?;
    let converted = canonical::canonicalize(stream.as_mut(), |_| Ok(()))?;
    Ok((converted.file_id, converted.frames))
}

/// The canonical PCM of one embedded audio file.
pub fn canonical_pcm(bytes: Vec<u8>) -> Result<Vec<i16>, AudioError> {
    let mut stream = open_bytes(bytes)?;
    let mut pcm = Vec::new();
    canonical::canonicalize(stream.as_mut(), |block| {
        pcm.extend_from_slice(block);
        Ok(())
    })?;
    Ok(pcm)
}

/// A string column as text, whatever its arrow type (string, large string, dictionary, integer
/// ages); null stays null.
fn text_column(array: &dyn Array) -> Result<StringArray, String> {
    let cast = arrow::compute::cast(array, &DataType::Utf8).map_err(|e| e.to_string())?;
    Ok(cast.as_string::<i32>().clone())
}

fn value(column: &Option<StringArray>, row: usize) -> Option<String> {
    column.as_ref().filter(|c| !c.is_null(row)).map(|c| c.value(row).to_string())
}

fn audio_bytes(audio: &StructArray, row: usize) -> Result<Vec<u8>, String> {
    let bytes = audio.column_by_name("bytes").ok_or("no `bytes` field")?;
    if audio.is_null(row) || bytes.is_null(row) {
        return Err("the row holds no audio".into());
    }
    let data = match bytes.data_type() {
        DataType::LargeBinary => bytes.as_binary::<i64>().value(row).to_vec(),
        _ => bytes.as_binary::<i32>().value(row).to_vec(),
    };
    if data.is_empty() {
        return Err("the row holds no audio".into());
    }
    Ok(data)
}

/// Reads one shard: every row's id, fields and canonical hash (audio decoded in parallel, rows
/// kept in order).
pub fn read_shard(index: usize, shard: &Shard) -> Result<Vec<RefRow>, CompareError> {
    let fail = |message: String| CompareError::Reference(shard.path.clone(), message);
    let file = File::open(&shard.path).map_err(|e| fail(format!("cannot open: {e}")))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| fail(format!("not parquet: {e}")))?;
    let schema = builder.schema().clone();
    let position = |name: &str| schema.fields().iter().position(|f| f.name() == name);
    let audio_index = position("audio").ok_or_else(|| {
        fail("no column `audio` (a CAMEO shard holds file_id, audio, emotion, transcription, ...)".into())
    })?;
    if let Some(problem) = audio_column_problem(schema.field(audio_index).data_type()) {
        return Err(fail(format!("column `audio`: {problem}")));
    }
    if let Some(missing) = FIELDS.iter().find(|name| position(name).is_none()) {
        return Err(fail(format!(
            "no column `{missing}` (the published release has file_id, audio, {})",
            FIELDS.join(", ")
        )));
    }
    let mut wanted: Vec<usize> = FIELDS.iter().filter_map(|name| position(name)).collect();
    wanted.push(audio_index);
    wanted.extend(position("file_id"));
    let mask = ProjectionMask::roots(builder.parquet_schema(), wanted);
    let reader = builder
        .with_projection(mask)
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| fail(format!("cannot read: {e}")))?;
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| fail(format!("cannot read: {e}")))?;
        let columns: Vec<Option<StringArray>> = FIELDS
            .iter()
            .map(|name| batch.column_by_name(name).map(|c| text_column(c.as_ref())).transpose())
            .collect::<Result<_, _>>()
            .map_err(|e| fail(format!("a metadata column is not text: {e}")))?;
        let file_ids = batch
            .column_by_name("file_id")
            .map(|c| text_column(c.as_ref()))
            .transpose()
            .map_err(|e| fail(format!("column `file_id`: {e}")))?;
        let audio = batch.column_by_name("audio").expect("projected").as_struct();
        let paths = audio.column_by_name("path").map(|c| text_column(c.as_ref())).transpose().unwrap_or(None);
        let first = rows.len();
        let decoded: Vec<Result<(String, u64), String>> = (0..batch.num_rows())
            .into_par_iter()
            .map(|i| audio_bytes(audio, i).and_then(|bytes| canonical_id(bytes).map_err(|e| e.to_string())))
            .collect();
        for (i, canonical) in decoded.into_iter().enumerate() {
            let row = first + i;
            let id = value(&file_ids, i)
                .or_else(|| value(&paths, i))
                .unwrap_or_else(|| format!("{}#{row}", shard.path.display()));
            let fields = columns.iter().map(|column| value(column, i)).collect();
            rows.push(RefRow { shard: index, row, id, fields, canonical });
        }
    }
    Ok(rows)
}
