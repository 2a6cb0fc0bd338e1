//! Hugging Face parquet shards: `data/<split>-NNNNN-of-NNNNN.parquet` with the FLAC bytes
//! embedded in an `audio: struct<bytes, path>` column and the `huggingface` schema metadata
//! that lets `datasets` and the hub viewer decode audio without extra code.
//!
//! Writer settings are fixed (they are part of the output's bytes): a new shard past ~500 MB
//! of audio, a new row group past ~100 MB, the audio bytes stored uncompressed (FLAC does not
//! compress further) without statistics or dictionary, other columns Snappy-compressed.
use crate::fsutil::StagedWrites;
use crate::record::Record;
use arrow::array::{ArrayRef, BinaryArray, Float32Array, StringArray, StructArray};
use arrow::datatypes::{DataType, Field, Fields, Schema};
use arrow::record_batch::RecordBatch;
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

/// How many splits' shards are written at once, and the threads that read one split's FLAC
/// files (here and for shards written ahead, build/shards_ahead.rs). Each writer holds up to a
/// row group (~100 MB of FLAC) about twice over while it is encoded, so this, not `--jobs`,
/// bounds the memory.
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
            stage_split_shards(out, &state.report.split, &state.records, &mut Vec::new())
        };
        // Splits are independent: two at a time keep both cores busy at the end of a build.
        // The pool has both threads even for one split: they read its FLAC files in parallel.
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
/// `spare` is memory for the audio column that a writer of several splits keeps from one to
/// the next (see [`read_flac_column`]); any vector will do.
pub fn stage_split_shards(
    out: &Path,
    split: &str,
    records: &[Record],
    spare: &mut Vec<u8>,
) -> Result<StagedWrites, ParquetSinkError> {
    let records: Vec<&Record> = records.iter().collect();
    let mut own = StagedWrites::default();
    stage_split(out, split, &records, LIMITS, &mut own, spare).map(|_| own)
}

/// Shards staged before the sinks run (by `build`, while later splits converted), each with
/// the records it was written from.
#[derive(Debug, Default)]
pub struct ReadyShards {
    splits: std::sync::Mutex<std::collections::HashMap<String, (Vec<Record>, StagedWrites)>>,
}

impl ReadyShards {
    /// Keeps a split's staged shards and the records they hold.
    pub fn insert(&self, split: &str, records: Vec<Record>, staged: StagedWrites) {
        self.lock().insert(split.to_string(), (records, staged));
    }

    /// The staged shards of `split` if they hold exactly `records`; otherwise none, and the
    /// staged files are deleted (their temporary names are the ones a new write uses).
    pub fn take(&self, split: &str, records: &[Record]) -> Option<StagedWrites> {
        let (held, staged) = self.lock().remove(split)?;
        (held == records).then_some(staged)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, (Vec<Record>, StagedWrites)>> {
        // A panic elsewhere cannot leave the map half-changed: every change is one call.
        self.splits.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
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
    let string = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
    let audio = Fields::from(vec![Field::new("bytes", DataType::Binary, true), string("path", true)]);
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

fn batch(records: &[&Record], audio: BinaryArray) -> Result<RecordBatch, arrow::error::ArrowError> {
    let strings = |get: &dyn Fn(&Record) -> Option<&str>| -> ArrayRef {
        Arc::new(records.iter().map(|r| get(r)).collect::<StringArray>())
    };
    let audio_fields = match schema().field(1).data_type() {
        DataType::Struct(fields) => fields.clone(),
        _ => unreachable!("audio is a struct"),
    };
    let audio_column = StructArray::try_new(
        audio_fields,
        vec![Arc::new(audio), Arc::new(records.iter().map(|r| Some(r.file_id.as_str())).collect::<StringArray>())],
        None,
    )?;
    RecordBatch::try_new(
        Arc::new(schema_with_metadata()),
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

/// The FLAC files of a row group as the `audio.bytes` column, read in parallel straight into
/// the column's one buffer (their sizes are known): no copy per file, no second buffer. The
/// buffer is `spare`'s memory: a row group is tens of MB, which glibc maps afresh for every
/// new vector (above 32 MiB, src/allocator.rs), each page then faulted in and cleared by the
/// kernel; memory kept from the previous row group or split is already there.
fn read_flac_column(out: &Path, group: &[(&Record, u64)], spare: Vec<u8>) -> std::io::Result<BinaryArray> {
    use std::io::Read;
    let sizes: Vec<usize> = group.iter().map(|(_, size)| *size as usize).collect();
    let total = sizes.iter().sum();
    // The bytes are overwritten by the reads: memory in use before is not cleared again, and
    // new memory comes zeroed from the kernel page by page as it is first written (calloc),
    // not from a pass of zeros ahead of the reads.
    let mut values = spare;
    if values.capacity() >= total {
        values.resize(total, 0);
    } else {
        values = vec![0u8; total];
    }
    let mut slices = Vec::with_capacity(group.len());
    let mut rest = values.as_mut_slice();
    for &size in &sizes {
        let (slice, tail) = rest.split_at_mut(size);
        slices.push(slice);
        rest = tail;
    }
    group.par_iter().zip(slices).try_for_each(|((record, _), slice)| {
        let path = out.join(&record.audio);
        let named = |error: std::io::Error| std::io::Error::new(error.kind(), format!("{}: {error}", path.display()));
        let mut file = std::fs::File::open(&path).map_err(named)?;
        file.read_exact(slice).map_err(named)?;
        // The size was taken when the shards were planned; a file that changed since is an error.
        if file.read(&mut [0u8; 1]).map_err(named)? != 0 {
            return Err(std::io::Error::other(format!("{}: changed while the shard was written", path.display())));
        }
        Ok(())
    })?;
    let offsets = arrow::buffer::OffsetBuffer::from_lengths(sizes);
    Ok(BinaryArray::new(offsets, arrow::buffer::Buffer::from_vec(values), None))
}

/// The memory of a column [`read_flac_column`] made, once nothing else holds it (the batch
/// written and dropped); an empty vector if something still does.
fn take_back(column: BinaryArray) -> Vec<u8> {
    let (_, values, _) = column.into_parts();
    values.into_vec::<u8>().unwrap_or_default()
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
    let written = stage_split(out, split, records, limits, &mut staged, &mut Vec::new())?;
    staged.commit().map_err(|source| ParquetSinkError::Io { path: out.join("data"), source })?;
    Ok(written)
}

/// Stages one split's shards, and the removal of shards an earlier build wrote with another
/// shard count.
fn stage_split(
    out: &Path,
    split: &str,
    records: &[&Record],
    limits: ShardLimits,
    staged: &mut StagedWrites,
    spare: &mut Vec<u8>,
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
            .write_with(&path, |file| {
                let to_io = |error: parquet::errors::ParquetError| std::io::Error::other(error.to_string());
                let mut writer =
                    ArrowWriter::try_new(file, Arc::new(schema_with_metadata()), Some(writer_properties()))
                        .map_err(to_io)?;
                // Also as a top-level key, where readers that ignore the Arrow schema look.
                writer.append_key_value_metadata(KeyValue::new("huggingface".to_string(), huggingface_metadata()));
                for group in row_groups(shard, limits.row_group_bytes) {
                    let audio = read_flac_column(out, group, std::mem::take(spare))?;
                    let records: Vec<&Record> = group.iter().map(|(record, _)| *record).collect();
                    let batch = batch(&records, audio.clone()).map_err(|e| std::io::Error::other(e.to_string()))?;
                    writer.write(&batch).map_err(to_io)?;
                    writer.flush().map_err(to_io)?;
                    // The writer has encoded the rows: the column's memory serves the next group.
                    drop(batch);
                    *spare = take_back(audio);
                }
                writer.close().map_err(to_io)?;
                Ok(())
            })
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
