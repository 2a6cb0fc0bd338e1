//! The `SHA256SUMS` sink: the list of [`crate::checksums`] for everything staged before it, so
//! it runs last.
use super::{Collection, Sink, SinkError};
use crate::fsutil::StagedWrites;
use std::collections::BTreeMap;

#[derive(Debug)]
pub struct Sha256Sums;

impl Sink for Sha256Sums {
    fn write(&self, collection: &Collection, staged: &mut StagedWrites) -> Result<(), SinkError> {
        let out = collection.out;
        // The FLAC files' hashes were taken as they were written.
        let known: BTreeMap<String, String> = collection
            .states
            .iter()
            .flat_map(|state| {
                state.records.iter().filter_map(|record| {
                    state.flac_sha256.get(&record.file_id).map(|sha| (record.audio.clone(), sha.clone()))
                })
            })
            .collect();
        let sums = crate::checksums::render(out, staged, &known).map_err(SinkError::io(out))?;
        let path = out.join(crate::checksums::FILE_NAME);
        staged.write(&path, sums.as_bytes()).map_err(SinkError::io(&path))
    }
}
