//! Hugging Face parquet shards: `data/<split>-NNNNN-of-NNNNN.parquet` with the FLAC bytes
//! embedded in an `audio: struct<bytes, path>` column and the `huggingface` schema metadata
//! that lets `datasets` and the hub viewer decode audio without extra code.
//!
//! Writer settings are fixed (they are part of the output's bytes): a new shard past ~500 MB
//! of audio, a new row group past ~100 MB, the audio bytes stored uncompressed (FLAC does not
//! compress further) without statistics or dictionary, other columns Snappy-compressed.
mod audio_pages;

use crate::fsutil::StagedWrites;
use crate::record::Record;
use arrow::array::{ArrayRef, Float32Array, StringArray, StructArray};
use arrow::datatypes::{DataType, Field, Fields, Schema};
use arrow::record_batch::RecordBatch;
use parquet::arrow::arrow_writer::ArrowWriterOptions;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// When a new shard and a new row group start, by bytes of audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardLimits {
    pub shard_bytes: u64,
    pub row_group_bytes: u64,
}

/// The limits of every build: ~500 MB shards, ~100 MB row groups (cameo-format.md).
pub const LIMITS: ShardLimits = ShardLimits { shard_bytes: 500 * 1000 * 1000, row_group_bytes: 100 * 1000 * 1000 };

#[derive(Debug, thiserror::Error)]
pub enum ParquetSinkError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}: {message}", path.display())]
    Write { path: PathBuf, message: String },
}

/// The file name of shard `index` (from 0) of `count` of a split.
pub fn shard_file_name(split: &str, index: usize, count: usize) -> String {
    format!("{split}-{index:05}-of-{count:05}.parquet")
}

/// The glob of a split's shards below the build folder, as the card's `data_files` gives it.
pub fn shard_glob(split: &str) -> String {
    format!("data/{split}-*.parquet")
}

/// Whether `name` is the file name of a shard of `split` ([`shard_file_name`]'s pattern).
pub fn is_shard_of(name: &str, split: &str) -> bool {
    let Some(rest) = name.strip_prefix(split).and_then(|rest| rest.strip_prefix('-')) else { return false };
    let Some(numbers) = rest.strip_suffix(".parquet") else { return false };
    let digits = |text: &str| text.len() == 5 && text.bytes().all(|b| b.is_ascii_digit());
    numbers.split_once("-of-").is_some_and(|(index, count)| digits(index) && digits(count))
}

/// Size of a split's parquet shards: the ones staged in this run, or else those on disk.
pub fn split_shard_bytes(out: &Path, split: &str, staged: &StagedWrites) -> u64 {
    let ours = |name: &std::ffi::OsStr| is_shard_of(&name.to_string_lossy(), split);
    let data = out.join("data");
    let new: Vec<u64> = staged
        .staged()
        .filter(|(path, _)| path.parent() == Some(data.as_path()) && path.file_name().is_some_and(ours))
        .map(|(_, bytes)| bytes)
        .collect();
    if !new.is_empty() {
        return new.iter().sum();
    }
    std::fs::read_dir(&data)
        .map(|entries| {
            entries.flatten().filter(|e| ours(&e.file_name())).filter_map(|e| e.metadata().ok().map(|m| m.len())).sum()
        })
        .unwrap_or(0)
}

/// The parquet shards sink: the shards of every split this run rebuilt, or that has none yet.
#[derive(Debug)]
pub struct Shards;

/// How many splits' shards the sink writes at once. A writer holds about a page of FLAC
/// bytes at a time (audio_pages.rs), whatever the row group's size.
pub const CONCURRENT_SPLITS: usize = 2;

impl super::Sink for Shards {
    fn write(&self, collection: &super::Collection, staged: &mut StagedWrites) -> Result<(), super::SinkError> {
        let out = collection.out;
        let todo: Vec<&crate::collection::split::SplitState> = collection
            .states
            .iter()
            .filter(|state| {
                let split = &state.report.split;
                collection.rebuilt.contains(split) || split_shard_bytes(out, split, staged) == 0
            })
            .collect();
        let write_one = |state: &&crate::collection::split::SplitState| {
            // Written while later splits converted, from the records the split has now.
            if let Some(ready) = collection.ready_shards.take(&state.report.split, &state.records) {
                return Ok(ready);
            }
            stage_split_shards(out, &state.report.split, &state.records)
        };
        // Splits are independent: two at a time keep both cores busy at the end of a build.
        let written: Vec<Result<StagedWrites, ParquetSinkError>> =
            match rayon::ThreadPoolBuilder::new().num_threads(CONCURRENT_SPLITS).build() {
                Ok(pool) => pool.install(|| todo.par_iter().map(write_one).collect()),
                Err(_) => todo.iter().map(write_one).collect(),
            };
        for split in written {
            let split = split.map_err(|source| super::SinkError::Parquet { path: out.join("data"), source })?;
            staged.absorb(split);
        }
        Ok(())
    }
}

/// Stages the shards of one split (its records sorted by file_id) in a set of their own.
pub fn stage_split_shards(out: &Path, split: &str, records: &[Record]) -> Result<StagedWrites, ParquetSinkError> {
    let records: Vec<&Record> = records.iter().collect();
    let mut own = StagedWrites::default();
    stage_split(out, split, &records, LIMITS, &mut own).map(|_| own)
}

/// Shards staged before the sinks run (by `build`, while later splits converted), each with
/// the records it was written from. While a writer still works on them ([`ReadyShards::writing`]),
/// [`ReadyShards::take`] waits for it: the sinks that need no shard run meanwhile.
#[derive(Debug, Default)]
pub struct ReadyShards {
    state: std::sync::Mutex<Ready>,
    written: std::sync::Condvar,
}

#[derive(Debug, Default)]
struct Ready {
    splits: std::collections::HashMap<String, (Vec<Record>, StagedWrites)>,
    writers: usize,
}

/// A writer's hold on [`ReadyShards`]: takes wait until every hold is dropped (when the writer
/// ends, however it ends).
#[derive(Debug)]
pub struct Writing(std::sync::Arc<ReadyShards>);

impl Drop for Writing {
    fn drop(&mut self) {
        self.0.lock().writers -= 1;
        self.0.written.notify_all();
    }
}

impl ReadyShards {
    /// Keeps a split's staged shards and the records they hold.
    pub fn insert(&self, split: &str, records: Vec<Record>, staged: StagedWrites) {
        self.lock().splits.insert(split.to_string(), (records, staged));
    }

    /// A hold for a writer that will insert shards: [`ReadyShards::take`] waits until it is
    /// dropped.
    pub fn writing(self: &std::sync::Arc<Self>) -> Writing {
        self.lock().writers += 1;
        Writing(std::sync::Arc::clone(self))
    }

    /// The staged shards of `split` if they hold exactly `records`; otherwise none, and the
    /// staged files are deleted (their temporary names are the ones a new write uses).
    pub fn take(&self, split: &str, records: &[Record]) -> Option<StagedWrites> {
        let mut ready = self.lock();
        while ready.writers > 0 {
            ready = self.written.wait(ready).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        let (held, staged) = ready.splits.remove(split)?;
        (held == records).then_some(staged)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ready> {
        // A panic elsewhere cannot leave the state half-changed: every change is one step.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The columns, in the reference order, with the `huggingface` metadata (pyarrow, and hence
/// `datasets`, read schema metadata from the embedded Arrow schema).
pub fn schema_with_metadata() -> Schema {
    let metadata = std::collections::HashMap::from([("huggingface".to_string(), huggingface_metadata())]);
    schema().with_metadata(metadata)
}

/// The columns, in the reference order.
pub fn schema() -> Schema {
    columns(DataType::Binary)
}

/// The columns with `audio.bytes` of type `bytes`: `binary` in the shards, a view type in
/// the batches a build gives the writer (audio_pages.rs).
fn columns(bytes: DataType) -> Schema {
    let string = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
    let audio = Fields::from(vec![Field::new("bytes", bytes, true), string("path", true)]);
    Schema::new(vec![
        string("file_id", false),
        Field::new("audio", DataType::Struct(audio), true),
        string("emotion", false),
        string("transcription", true),
        string("speaker_id", true),
        string("gender", true),
        string("age", true),
        string("dataset", false),
        string("language", false),
        string("license", false),
        Field::new("duration", DataType::Float32, false),
        string("source", false),
        string("transcription_source", true),
    ])
}

/// The `huggingface` key: the `datasets` features of the columns.
pub fn huggingface_metadata() -> String {
    let mut features = serde_json::Map::new();
    for field in schema().fields() {
        let feature = match field.name().as_str() {
            "audio" => serde_json::json!({"sampling_rate": crate::audio::CANONICAL_RATE, "_type": "Audio"}),
            "duration" => serde_json::json!({"dtype": "float32", "_type": "Value"}),
            _ => serde_json::json!({"dtype": "string", "_type": "Value"}),
        };
        features.insert(field.name().clone(), feature);
    }
    serde_json::json!({"info": {"features": features}}).to_string()
}

fn writer_properties() -> WriterProperties {
    let audio_bytes = ColumnPath::new(vec!["audio".into(), "bytes".into()]);
    let audio_path = ColumnPath::new(vec!["audio".into(), "path".into()]);
    WriterProperties::builder()
        .set_created_by(format!("cameo {}", env!("CARGO_PKG_VERSION")))
        .set_compression(Compression::SNAPPY)
        // The whole audio column is stored as is: FLAC does not compress, nor do hex names.
        .set_column_compression(audio_bytes.clone(), Compression::UNCOMPRESSED)
        .set_column_compression(audio_path, Compression::UNCOMPRESSED)
        .set_column_dictionary_enabled(audio_bytes.clone(), false)
        .set_column_statistics_enabled(audio_bytes, EnabledStatistics::None)
        .set_max_row_group_row_count(Some(1_000_000))
        .build()
}

/// The size of a split as an Arrow table in memory, as `datasets` counts it (`num_bytes`,
/// pyarrow's `Table.nbytes`): value bytes, a 4-byte offset per string or binary value, a
/// validity bitmap for a column holding nulls, 4 bytes per float32. `audio_sizes` are the
/// FLAC file sizes, in record order. (Equal to what `datasets` 5.2 records for the demo
/// build; a split read in several batches may differ by a few bitmap bytes.)
pub fn arrow_bytes(records: &[&Record], audio_sizes: &[u64]) -> u64 {
    let n = records.len() as u64;
    let offsets = 4 * n;
    let bitmap = n.div_ceil(8);
    let required = |get: &dyn Fn(&Record) -> usize| offsets + records.iter().map(|r| get(r) as u64).sum::<u64>();
    let nullable = |get: &dyn Fn(&Record) -> Option<usize>| {
        let values: Vec<Option<usize>> = records.iter().map(|r| get(r)).collect();
        let nulls = if values.iter().any(Option::is_none) { bitmap } else { 0 };
        offsets + nulls + values.iter().flatten().map(|&len| len as u64).sum::<u64>()
    };
    required(&|r| r.file_id.len())
        + offsets
        + audio_sizes.iter().sum::<u64>()
        + required(&|r| r.file_id.len())
        + required(&|r| r.emotion.as_str().len())
        + nullable(&|r| r.transcription.as_ref().map(String::len))
        + nullable(&|r| r.speaker_id.as_ref().map(String::len))
        + nullable(&|r| r.gender.map(|g| g.as_str().len()))
        + nullable(&|r| r.age.as_ref().map(String::len))
        + required(&|r| r.dataset.len())
        + required(&|r| r.language.len())
        + required(&|r| r.license.len())
        + 4 * n
        + required(&|r| r.source.len())
        + nullable(&|r| r.transcription_source.map(|s| s.as_str().len()))
}

/// The sizes of a split's FLAC files, in record order.
pub fn audio_sizes(out: &Path, records: &[&Record]) -> Result<Vec<u64>, ParquetSinkError> {
    records
        .iter()
        .map(|record| {
            let path = out.join(&record.audio);
            std::fs::metadata(&path).map(|m| m.len()).map_err(|source| ParquetSinkError::Io { path, source })
        })
        .collect()
}

/// A row group's batch with `audio` as its `audio.bytes` column (in a build, as
/// [`audio_pages::placeholder_column`] makes it). The writer encodes by the shard's schema,
/// [`schema_with_metadata`]; the batch's own schema only describes its arrays.
fn batch(records: &[&Record], audio: ArrayRef) -> Result<RecordBatch, arrow::error::ArrowError> {
    let strings = |get: &dyn Fn(&Record) -> Option<&str>| -> ArrayRef {
        Arc::new(records.iter().map(|r| get(r)).collect::<StringArray>())
    };
    let schema = Arc::new(columns(audio.data_type().clone()));
    let audio_fields = match schema.field(1).data_type() {
        DataType::Struct(fields) => fields.clone(),
        _ => unreachable!("audio is a struct"),
    };
    let audio_column = StructArray::try_new(
        audio_fields,
        vec![audio, Arc::new(records.iter().map(|r| Some(r.file_id.as_str())).collect::<StringArray>())],
        None,
    )?;
    RecordBatch::try_new(
        schema,
        vec![
            strings(&|r| Some(&r.file_id)),
            Arc::new(audio_column),
            strings(&|r| Some(r.emotion.as_str())),
            strings(&|r| r.transcription.as_deref()),
            strings(&|r| r.speaker_id.as_deref()),
            strings(&|r| r.gender.map(|g| g.as_str())),
            strings(&|r| r.age.as_deref()),
            strings(&|r| Some(&r.dataset)),
            strings(&|r| Some(&r.language)),
            strings(&|r| Some(&r.license)),
            Arc::new(records.iter().map(|r| r.duration as f32).collect::<Float32Array>()),
            strings(&|r| Some(&r.source)),
            strings(&|r| r.transcription_source.map(|s| s.as_str())),
        ],
    )
}

/// Splits records (in order) into shards by the size of their audio.
fn plan_shards<'a>(records: &[&'a Record], sizes: &[u64], limit: u64) -> Vec<Vec<(&'a Record, u64)>> {
    let mut shards: Vec<Vec<(&Record, u64)>> = vec![Vec::new()];
    let mut bytes = 0u64;
    for (record, &size) in records.iter().zip(sizes) {
        if bytes > 0 && bytes + size > limit {
            shards.push(Vec::new());
            bytes = 0;
        }
        bytes += size;
        shards.last_mut().expect("at least one shard").push((record, size));
    }
    shards
}

/// Splits a shard's records (in order) into row groups: a new group starts where the next
/// record's audio would take the group past `limit` bytes.
fn row_groups<'s, 'r>(shard: &'s [(&'r Record, u64)], limit: u64) -> Vec<&'s [(&'r Record, u64)]> {
    let mut groups = Vec::new();
    let (mut start, mut bytes) = (0, 0u64);
    for (position, (_, size)) in shard.iter().enumerate() {
        bytes += size;
        let next_too_big = shard.get(position + 1).is_some_and(|(_, next)| bytes + next > limit);
        if position + 1 == shard.len() || next_too_big {
            groups.push(&shard[start..=position]);
            (start, bytes) = (position + 1, 0);
        }
    }
    groups
}

/// Writes one split's shards with other limits (tests use small ones), in place.
pub fn write_split_with(
    out: &Path,
    split: &str,
    records: &[&Record],
    limits: ShardLimits,
) -> Result<Vec<PathBuf>, ParquetSinkError> {
    let mut staged = StagedWrites::default();
    let written = stage_split(out, split, records, limits, &mut staged)?;
    staged.commit().map_err(|source| ParquetSinkError::Io { path: out.join("data"), source })?;
    Ok(written)
}

/// Writes one shard into `file`, a row group at a time, each FLAC file read as the page that
/// holds it is written (audio_pages.rs).
fn write_shard<W: std::io::Write + Send>(
    file: W,
    out: &Path,
    shard: &[(&Record, u64)],
    row_group_bytes: u64,
) -> std::io::Result<()> {
    let pages = Arc::new(audio_pages::AudioPagesFactory::default());
    let options = ArrowWriterOptions::new()
        .with_properties(writer_properties())
        .with_page_store_factory(Arc::clone(&pages) as Arc<dyn parquet::arrow::arrow_writer::PageStoreFactory>);
    let mut writer =
        ArrowWriter::try_new_with_options(file, Arc::new(schema_with_metadata()), options).map_err(parquet_to_io)?;
    // Also as a top-level key, where readers that ignore the Arrow schema look.
    writer.append_key_value_metadata(KeyValue::new("huggingface".to_string(), huggingface_metadata()));
    for group in row_groups(shard, row_group_bytes) {
        let files: Vec<audio_pages::AudioFile> =
            group.iter().map(|(record, size)| (out.join(&record.audio), *size)).collect();
        let records: Vec<&Record> = group.iter().map(|(record, _)| *record).collect();
        let audio = audio_pages::placeholder_column(&files).map_err(std::io::Error::other)?;
        let batch = batch(&records, audio).map_err(std::io::Error::other)?;
        pages.add_row_group(files);
        writer.write(&batch).map_err(parquet_to_io)?;
        writer.flush().map_err(parquet_to_io)?;
    }
    writer.close().map_err(parquet_to_io)?;
    Ok(())
}

/// A parquet error as an I/O error; one from reading a FLAC file (audio_pages.rs) as it was.
fn parquet_to_io(error: parquet::errors::ParquetError) -> std::io::Error {
    match error {
        parquet::errors::ParquetError::External(error) => match error.downcast::<std::io::Error>() {
            Ok(error) => *error,
            Err(error) => std::io::Error::other(error.to_string()),
        },
        error => std::io::Error::other(error.to_string()),
    }
}

/// Stages one split's shards, and the removal of shards an earlier build wrote with another
/// shard count.
fn stage_split(
    out: &Path,
    split: &str,
    records: &[&Record],
    limits: ShardLimits,
    staged: &mut StagedWrites,
) -> Result<Vec<PathBuf>, ParquetSinkError> {
    let data = out.join("data");
    std::fs::create_dir_all(&data).map_err(|source| ParquetSinkError::Io { path: data.clone(), source })?;
    let sizes = audio_sizes(out, records)?;
    let shards = plan_shards(records, &sizes, limits.shard_bytes);
    let count = shards.len();
    let mut written = Vec::new();
    for (index, shard) in shards.iter().enumerate() {
        let path = data.join(shard_file_name(split, index, count));
        let write_error = |message: String| ParquetSinkError::Write { path: path.clone(), message };
        staged
            .write_uncached_with(&path, |file| write_shard(file, out, shard, limits.row_group_bytes))
            .map_err(|error| write_error(error.to_string()))?;
        written.push(path);
    }
    // Shards of an earlier build of this split with another shard count.
    if let Ok(entries) = std::fs::read_dir(&data) {
        for entry in entries.flatten() {
            let ours = is_shard_of(&entry.file_name().to_string_lossy(), split);
            if ours && !written.iter().any(|p| p.file_name() == Some(entry.file_name().as_os_str())) {
                staged.remove_on_commit(entry.path());
            }
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collection::record::{Emotion, Gender};

    /// A record of `split` whose FLAC stand-in (any bytes go into a shard as they are) holds
    /// `size` bytes; the other columns vary with `index`.
    fn record_with_file(out: &Path, index: usize, size: usize) -> (Record, u64) {
        let file_id = format!("{index:064x}.flac");
        let audio = format!("audio/s/{file_id}");
        std::fs::create_dir_all(out.join("audio/s")).unwrap();
        let bytes: Vec<u8> = (0..size).map(|i| (i * 31 + index * 7) as u8).collect();
        std::fs::write(out.join(&audio), bytes).unwrap();
        let record = Record {
            file_id,
            audio,
            emotion: [Emotion::Anger, Emotion::Neutral][index % 2],
            transcription: (!index.is_multiple_of(3)).then(|| format!("words {index}")),
            speaker_id: Some(format!("speaker {}", index % 5)),
            gender: (!index.is_multiple_of(4)).then_some(Gender::Female),
            age: None,
            dataset: "s".into(),
            language: "English".into(),
            license: "CC BY 4.0".into(),
            duration: index as f64 / 10.0,
            source: format!("{index}.wav"),
            transcription_source: None,
        };
        (record, size as u64)
    }

    /// The shard as parquet's `ArrowWriter` writes it from the whole column in memory (how
    /// every shard was written before audio_pages.rs).
    fn arrow_writers_shard(out: &Path, shard: &[(&Record, u64)], row_group_bytes: u64) -> Vec<u8> {
        let mut file = Vec::new();
        let mut writer =
            ArrowWriter::try_new(&mut file, Arc::new(schema_with_metadata()), Some(writer_properties())).unwrap();
        writer.append_key_value_metadata(KeyValue::new("huggingface".to_string(), huggingface_metadata()));
        for group in row_groups(shard, row_group_bytes) {
            let records: Vec<&Record> = group.iter().map(|(record, _)| *record).collect();
            let files: Vec<Vec<u8>> = records.iter().map(|r| std::fs::read(out.join(&r.audio)).unwrap()).collect();
            let audio = arrow::array::BinaryArray::from_iter_values(files);
            writer.write(&batch(&records, Arc::new(audio)).unwrap()).unwrap();
            writer.flush().unwrap();
        }
        writer.close().unwrap();
        file
    }

    fn written_shard(out: &Path, shard: &[(&Record, u64)], row_group_bytes: u64) -> Vec<u8> {
        let mut file = Vec::new();
        write_shard(&mut file, out, shard, row_group_bytes).unwrap();
        file
    }

    /// Writes a shard of files of `sizes` both ways and compares the bytes.
    fn assert_same_shard(name: &str, sizes: &[usize], row_group_bytes: u64) {
        let dir = tempfile::tempdir().unwrap();
        let records: Vec<(Record, u64)> =
            sizes.iter().enumerate().map(|(index, &size)| record_with_file(dir.path(), index, size)).collect();
        let shard: Vec<(&Record, u64)> = records.iter().map(|(record, size)| (record, *size)).collect();
        let expected = arrow_writers_shard(dir.path(), &shard, row_group_bytes);
        let written = written_shard(dir.path(), &shard, row_group_bytes);
        assert!(written == expected, "{name}: {} bytes against ArrowWriter's {}", written.len(), expected.len());
    }

    #[test]
    fn shards_have_arrow_writers_bytes_for_every_shape_of_audio() {
        const MIB: usize = 1 << 20;
        let mut random = fastrand::Rng::with_seed(22);
        // FLACs of short utterances: several to a page, windows that cross the page budget.
        let utterances: Vec<usize> = (0..60).map(|_| random.usize(20_000..120_000)).collect();
        assert_same_shard("utterances", &utterances, LIMITS.row_group_bytes);
        // The same in row groups of ~300 kB: a page store per row group, in order.
        assert_same_shard("row groups", &utterances, 300_000);
        // Values above the page budget, alone and among small ones.
        assert_same_shard(
            "large",
            &[3 * MIB, 10, 2 * MIB + 1, 70_000, MIB - 4, MIB, 5, MIB + 3],
            LIMITS.row_group_bytes,
        );
        // Empty and tiny values (views of up to 12 bytes hold their bytes inline), more than a
        // batch of 1,024 values in one page.
        let tiny: Vec<usize> = (0..3000).map(|index| index % 14).collect();
        assert_same_shard("tiny", &tiny, LIMITS.row_group_bytes);
        // Sizes around the budget's edges, in random order.
        let edges: Vec<usize> = (0..40).map(|_| random.usize(MIB / 3 - 8..MIB / 3 + 8)).collect();
        assert_same_shard("edges", &edges, LIMITS.row_group_bytes);
        // No rows at all.
        assert_same_shard("empty", &[], LIMITS.row_group_bytes);
    }

    #[test]
    fn more_rows_than_a_page_holds_have_arrow_writers_bytes() {
        // Pages end at 20,000 rows, and the writer takes levels 20,000 at a time.
        let sizes: Vec<usize> = (0..20_500).map(|index| 16 + index % 5).collect();
        assert_same_shard("rows", &sizes, LIMITS.row_group_bytes);
    }

    #[test]
    fn a_flac_that_changed_or_went_since_the_plan_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let records: Vec<(Record, u64)> = (0..3).map(|index| record_with_file(dir.path(), index, 5000)).collect();
        let shard: Vec<(&Record, u64)> = records.iter().map(|(record, size)| (record, *size)).collect();
        let changed = dir.path().join(&records[1].0.audio);
        std::fs::write(&changed, vec![1u8; 5001]).unwrap();
        let error = write_shard(Vec::new(), dir.path(), &shard, LIMITS.row_group_bytes).unwrap_err().to_string();
        assert!(error.contains(&changed.display().to_string()) && error.contains("changed"), "{error}");
        std::fs::write(&changed, vec![1u8; 4000]).unwrap();
        let error = write_shard(Vec::new(), dir.path(), &shard, LIMITS.row_group_bytes).unwrap_err().to_string();
        assert!(error.contains(&changed.display().to_string()) && error.contains("changed"), "{error}");
        std::fs::remove_file(&changed).unwrap();
        let error = write_shard(Vec::new(), dir.path(), &shard, LIMITS.row_group_bytes).unwrap_err().to_string();
        assert!(error.contains(&changed.display().to_string()), "{error}");
        assert!(!error.contains('\n'), "one line: {error}");
    }

    #[test]
    fn taking_shards_waits_for_the_writers_that_hold_them() {
        let ready = std::sync::Arc::new(ReadyShards::default());
        let writing = ready.writing();
        let writer = {
            let ready = std::sync::Arc::clone(&ready);
            std::thread::spawn(move || {
                // Still writing when the sinks ask: they must wait for the insert.
                std::thread::sleep(std::time::Duration::from_millis(200));
                ready.insert("a", Vec::new(), StagedWrites::default());
                drop(writing);
            })
        };
        assert!(ready.take("a", &[]).is_some(), "taken before the writer had put it there");
        writer.join().unwrap();
        // With no writer left, a split no one wrote ahead is none at once.
        assert!(ready.take("b", &[]).is_none());
    }
}
