//! The `SHA256SUMS` sink: the list of [`crate::checksums`] for everything staged before it, so
//! it runs last.
use super::{Collection, Sink, SinkError};
use crate::fsutil::StagedWrites;

pub struct Sha256Sums;

impl Sink for Sha256Sums {
    fn write(&self, collection: &Collection, staged: &mut StagedWrites) -> Result<(), SinkError> {
        let out = collection.out;
        let sums = crate::checksums::render(out, staged).map_err(SinkError::io(out))?;
        let path = out.join(crate::checksums::FILE_NAME);
        staged.write(&path, sums.as_bytes()).map_err(SinkError::io(&path))
    }
}
