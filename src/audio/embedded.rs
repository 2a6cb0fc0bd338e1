//! Audio files embedded in a parquet table (the Hugging Face `Audio` layout: a column of
//! `struct<bytes: binary, path: string>`): reads one column batch by batch and hands out the
//! bytes of the wanted rows, so a table is read once however many of its rows are wanted.
use super::AudioError;
use arrow::array::{Array, AsArray, StructArray};
use arrow::datatypes::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;
use std::collections::BTreeSet;
use std::fs::File;
use std::path::Path;

/// Rows per batch: RESD rows are up to a few MB of WAV each, so batches stay small.
const BATCH_ROWS: usize = 32;

/// What is wrong with a column that should hold embedded audio files, if anything.
pub fn audio_column_problem(data_type: &DataType) -> Option<String> {
    match data_type {
        DataType::Struct(fields) => match fields.iter().find(|field| field.name() == "bytes") {
            Some(field) if matches!(field.data_type(), DataType::Binary | DataType::LargeBinary) => None,
            Some(field) => Some(format!("its `bytes` field is {}, not binary", field.data_type())),
            None => Some("it is a struct without a `bytes` field".into()),
        },
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..) => Some(
            "it holds bare sample arrays without a sample rate (an old revision of the dataset); \
             download the revision whose audio column is struct<bytes, path>"
                .into(),
        ),
        other => Some(format!("it is {other}, not struct<bytes, path>")),
    }
}

/// Calls `each(row, bytes)` for every row of `wanted` in increasing row order; a wanted row
/// whose audio is null or empty gets an error. Rows past the end of the table get an error too.
/// An unreadable file or a column of the wrong shape fails the whole call.
pub fn for_each_embedded_file(
    path: &Path,
    column: &str,
    wanted: &BTreeSet<usize>,
    mut each: impl FnMut(usize, Result<Vec<u8>, AudioError>),
) -> Result<(), AudioError> {
    let parquet_error = |error: parquet::errors::ParquetError| AudioError::Malformed(format!("parquet: {error}"));
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path)?).map_err(parquet_error)?;
    let index = builder
        .schema()
        .fields()
        .iter()
        .position(|field| field.name() == column)
        .ok_or_else(|| AudioError::Malformed(format!("parquet table has no column `{column}`")))?;
    if let Some(problem) = audio_column_problem(builder.schema().field(index).data_type()) {
        return Err(AudioError::Unsupported(format!("column `{column}`: {problem}")));
    }
    let mask = ProjectionMask::roots(builder.parquet_schema(), [index]);
    let reader = builder.with_projection(mask).with_batch_size(BATCH_ROWS).build().map_err(parquet_error)?;
    let mut first_row = 0usize;
    let mut remaining = wanted.iter().copied().peekable();
    for batch in reader {
        let batch = batch.map_err(|error| AudioError::Malformed(format!("parquet: {error}")))?;
        let audio: &StructArray = batch.column(0).as_struct();
        let end_row = first_row + batch.num_rows();
        while let Some(&row) = remaining.peek().filter(|&&row| row < end_row) {
            remaining.next();
            each(row, embedded_bytes(audio, row - first_row));
        }
        first_row = end_row;
        if remaining.peek().is_none() {
            return Ok(());
        }
    }
    for row in remaining {
        each(row, Err(AudioError::Malformed(format!("row {row} is past the end of the table ({first_row} rows)"))));
    }
    Ok(())
}

fn embedded_bytes(audio: &StructArray, index: usize) -> Result<Vec<u8>, AudioError> {
    let empty = || AudioError::Malformed("the row holds no audio bytes".into());
    if audio.is_null(index) {
        return Err(empty());
    }
    let bytes = audio.column_by_name("bytes").ok_or_else(empty)?;
    if bytes.is_null(index) {
        return Err(empty());
    }
    let value = match bytes.data_type() {
        DataType::LargeBinary => bytes.as_binary::<i64>().value(index),
        _ => bytes.as_binary::<i32>().value(index),
    };
    if value.is_empty() {
        return Err(empty());
    }
    Ok(value.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, BinaryArray, Float64Array, ListArray, RecordBatch, StringArray};
    use arrow::buffer::OffsetBuffer;
    use arrow::datatypes::{Field, Fields};
    use parquet::arrow::ArrowWriter;
    use std::sync::Arc;

    fn write_table(path: &Path, column: ArrayRef) {
        let batch = RecordBatch::try_from_iter([("speech", column)]).unwrap();
        let mut writer = ArrowWriter::try_new(File::create(path).unwrap(), batch.schema(), None).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
    }

    fn audio_structs(values: &[Option<&[u8]>]) -> ArrayRef {
        let bytes: ArrayRef = Arc::new(BinaryArray::from(values.to_vec()));
        let paths: ArrayRef = Arc::new(StringArray::from(vec![Some("x.wav"); values.len()]));
        let fields =
            Fields::from(vec![Field::new("bytes", DataType::Binary, true), Field::new("path", DataType::Utf8, true)]);
        Arc::new(StructArray::new(fields, vec![bytes, paths], None))
    }

    #[test]
    fn hands_out_wanted_rows_in_order_across_batches() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let payloads: Vec<Vec<u8>> = (0..100u8).map(|i| vec![i; 10 + i as usize]).collect();
        let mut values: Vec<Option<&[u8]>> = payloads.iter().map(|p| Some(p.as_slice())).collect();
        values[40] = None;
        values[41] = Some(&[]);
        write_table(&path, audio_structs(&values));
        let wanted: BTreeSet<usize> = [0, 33, 40, 41, 99, 150].into();
        let mut seen = Vec::new();
        for_each_embedded_file(&path, "speech", &wanted, |row, bytes| {
            seen.push((row, bytes.map_err(|e| e.to_string())))
        })
        .unwrap();
        let rows: Vec<usize> = seen.iter().map(|(row, _)| *row).collect();
        assert_eq!(rows, vec![0, 33, 40, 41, 99, 150]);
        assert_eq!(seen[0].1, Ok(payloads[0].clone()));
        assert_eq!(seen[1].1, Ok(payloads[33].clone()));
        assert_eq!(seen[4].1, Ok(payloads[99].clone()));
        assert!(seen[2].1.as_ref().unwrap_err().contains("no audio bytes"));
        assert!(seen[3].1.as_ref().unwrap_err().contains("no audio bytes"));
        assert!(seen[5].1.as_ref().unwrap_err().contains("past the end of the table (100 rows)"));
    }

    #[test]
    fn an_old_revision_with_bare_float_arrays_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.parquet");
        let values = Arc::new(Float64Array::from(vec![0.1, 0.2, 0.3]));
        let list = ListArray::new(
            Arc::new(Field::new("item", DataType::Float64, true)),
            OffsetBuffer::from_lengths([3]),
            values,
            None,
        );
        write_table(&path, Arc::new(list));
        let error = for_each_embedded_file(&path, "speech", &[0].into(), |_, _| {}).unwrap_err().to_string();
        assert!(error.contains("without a sample rate"), "{error}");
        let error = for_each_embedded_file(&path, "audio", &[0].into(), |_, _| {}).unwrap_err().to_string();
        assert!(error.contains("no column `audio`"), "{error}");
    }
}
