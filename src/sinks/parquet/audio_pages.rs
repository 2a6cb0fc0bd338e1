//! The `audio.bytes` column of a shard without the column in memory. Parquet's `ArrowWriter`
//! wants a row group's whole column as one array, and keeps every page it encodes until the
//! row group is flushed: a row group of ~100 MB of FLAC was held twice, in memory fresh from
//! the kernel page by page, and was most of a build's page faults.
//!
//! Here the writer is given the column's shape only: values of the FLAC files' sizes that
//! are all views of one buffer of zeros ([`placeholder_column`]). Where pages end, their
//! headers, the offset index and the column's metadata depend on the sizes alone (the column
//! has no statistics, no dictionary, no compression, no checksums), so `ArrowWriter` makes
//! all of them as it does for the real bytes. Each page's data, handed to [`AudioPages`] (the
//! column's page store), is reduced to its levels and the files it holds; when the row group
//! is flushed and the page is wanted, the store builds it again with the files' bytes, read
//! straight into the page. The shard's bytes are `ArrowWriter`'s own: the tests compare them.
use arrow::array::{ArrayRef, BinaryViewBuilder};
use bytes::Bytes;
use parquet::arrow::arrow_writer::{InMemoryPageStoreFactory, PageKey, PageStore, PageStoreArgs, PageStoreFactory};
use parquet::errors::{ParquetError, Result};
use std::collections::VecDeque;
use std::io::Read;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

/// The leaf column of `audio.bytes` (after `file_id`).
const AUDIO_BYTES_LEAF: usize = 1;

/// A FLAC file of a row group: its path and the size the shard was planned with.
pub type AudioFile = (PathBuf, u64);

/// The `audio.bytes` values a batch carries: one of each file's size, all zeros, all views
/// of one buffer as long as the longest.
pub fn placeholder_column(files: &[AudioFile]) -> std::result::Result<ArrayRef, arrow::error::ArrowError> {
    // A parquet value's length is four bytes.
    let sizes = files
        .iter()
        .map(|(path, size)| {
            u32::try_from(*size).map_err(|_| {
                let message = format!("{}: {size} bytes, too large for a parquet value", path.display());
                arrow::error::ArrowError::InvalidArgumentError(message)
            })
        })
        .collect::<std::result::Result<Vec<u32>, _>>()?;
    let longest = sizes.iter().copied().max().unwrap_or(0);
    let mut column = BinaryViewBuilder::with_capacity(files.len());
    let zeros = column.append_block(arrow::buffer::Buffer::from_vec(vec![0u8; longest as usize]));
    for size in sizes {
        column.try_append_view(zeros, 0, size)?;
    }
    Ok(Arc::new(column.finish()))
}

/// Gives the `audio.bytes` column of each row group its [`AudioPages`] store (the files of
/// the row groups in the order they are written, one [`AudioPagesFactory::add_row_group`]
/// each), and every other column parquet's in-memory store.
#[derive(Debug, Default)]
pub struct AudioPagesFactory {
    row_groups: Mutex<VecDeque<Vec<AudioFile>>>,
}

impl AudioPagesFactory {
    /// The files of the next row group to be written, in row order.
    pub fn add_row_group(&self, files: Vec<AudioFile>) {
        self.row_groups.lock().unwrap_or_else(PoisonError::into_inner).push_back(files);
    }
}

impl PageStoreFactory for AudioPagesFactory {
    fn create(&self, args: &PageStoreArgs<'_>) -> Result<Box<dyn PageStore>> {
        if args.column_index() != AUDIO_BYTES_LEAF {
            return InMemoryPageStoreFactory.create(args);
        }
        let files = self.row_groups.lock().unwrap_or_else(PoisonError::into_inner).pop_front();
        let files = files.ok_or_else(|| ParquetError::General("a row group of audio without its files".into()))?;
        Ok(Box::new(AudioPages { files, placed: 0, blobs: Vec::new() }))
    }
}

/// What the store keeps of a blob it was given.
#[derive(Debug)]
enum Kept {
    /// A page header, as it is (tens of bytes).
    Header(Bytes),
    /// A data page: its encoded levels (a copy: a slice would keep the whole page), then the
    /// values of these files.
    Values { levels: Bytes, files: std::ops::Range<usize> },
    /// Given back already.
    Taken,
}

/// The page store of one row group's `audio.bytes` column (module comment).
#[derive(Debug)]
pub struct AudioPages {
    files: Vec<AudioFile>,
    /// The files whose values the pages given so far hold.
    placed: usize,
    blobs: Vec<Kept>,
}

impl AudioPages {
    /// A data page (format version 1): the definition levels, their length first as four
    /// bytes, then each value as its length in four bytes and its bytes, which must be the
    /// next files' sizes.
    fn values_page(&mut self, page: &Bytes) -> Option<Kept> {
        let word = |at: usize| page.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
        let levels_end = 4 + word(0)?;
        let first = self.placed;
        let mut at = levels_end;
        while at < page.len() {
            let size = word(at)?;
            if self.files.get(self.placed).map(|(_, expected)| *expected as usize) != Some(size) {
                return None;
            }
            self.placed += 1;
            at += 4 + size;
        }
        (at == page.len() && self.placed > first)
            .then(|| Kept::Values { levels: Bytes::copy_from_slice(&page[..levels_end]), files: first..self.placed })
    }
}

impl PageStore for AudioPages {
    fn put(&mut self, blob: Bytes) -> Result<PageKey> {
        // The writer gives each page's header, then its data.
        let kept = if self.blobs.len().is_multiple_of(2) {
            Kept::Header(blob)
        } else {
            self.values_page(&blob).ok_or_else(|| {
                ParquetError::General("audio.bytes: a data page not laid out as the files it should hold".into())
            })?
        };
        self.blobs.push(kept);
        Ok(PageKey::new(self.blobs.len() as u64 - 1))
    }

    fn take(&mut self, key: PageKey) -> Result<Bytes> {
        let slot = self
            .blobs
            .get_mut(key.get() as usize)
            .ok_or_else(|| ParquetError::General(format!("audio.bytes: no page {}", key.get())))?;
        match std::mem::replace(slot, Kept::Taken) {
            Kept::Header(header) => Ok(header),
            Kept::Values { levels, files } => {
                read_values(&levels, &self.files[files]).map_err(|error| ParquetError::External(Box::new(error)))
            }
            Kept::Taken => Err(ParquetError::General(format!("audio.bytes: page {} taken twice", key.get()))),
        }
    }
}

/// A data page with the files' bytes: `levels`, then each file's size and bytes.
fn read_values(levels: &[u8], files: &[AudioFile]) -> std::io::Result<Bytes> {
    let length = levels.len() + files.iter().map(|(_, size)| 4 + *size as usize).sum::<usize>();
    let mut page = Vec::with_capacity(length);
    page.extend_from_slice(levels);
    for (path, size) in files {
        page.extend_from_slice(&(*size as u32).to_le_bytes());
        let named = |error: std::io::Error| std::io::Error::new(error.kind(), format!("{}: {error}", path.display()));
        let mut file = std::fs::File::open(path).map_err(named)?;
        // Read into the page's spare room (no zeros written first); the size was taken when
        // the shards were planned, and a file that changed since is an error.
        let read = (&mut file).take(*size).read_to_end(&mut page).map_err(named)?;
        if read as u64 != *size || file.read(&mut [0u8; 1]).map_err(named)? != 0 {
            return Err(std::io::Error::other(format!("{}: changed while the shard was written", path.display())));
        }
    }
    Ok(Bytes::from(page))
}
