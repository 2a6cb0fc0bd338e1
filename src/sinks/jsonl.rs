//! `metadata.jsonl`: every record of every split, one JSON object per line, sorted by split
//! then file_id, columns in the reference order.
use crate::fsutil::StagedWrites;
use crate::record::Record;
use std::io::Write;
use std::path::Path;

pub fn write_metadata(path: &Path, records: &[&Record], staged: &mut StagedWrites) -> std::io::Result<()> {
    staged.write_with(path, |writer| {
        for record in records {
            serde_json::to_writer(&mut *writer, record)?;
            writer.write_all(b"\n")?;
        }
        Ok(())
    })
}

/// The `metadata.jsonl` sink.
#[derive(Debug)]
pub struct Metadata;

impl super::Sink for Metadata {
    fn write(&self, collection: &super::Collection, staged: &mut StagedWrites) -> Result<(), super::SinkError> {
        let path = collection.out.join("metadata.jsonl");
        write_metadata(&path, &collection.records(), staged).map_err(super::SinkError::io(&path))
    }
}
