//! The RIFF chunk grammar shared by the WAV and AVI readers: an 8-byte header (four-character
//! id, little-endian 32-bit size), the body, and one pad byte after an odd-sized body.
use super::AudioError;
use std::io::Read;

/// One chunk header and where its body lies in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkHeader {
    pub id: [u8; 4],
    /// Body size as declared (without the pad byte).
    pub size: u64,
    /// File offset of the first body byte.
    pub body_start: u64,
}

impl ChunkHeader {
    /// File offset just past the body.
    pub fn body_end(&self) -> u64 {
        self.body_start + self.size
    }

    /// File offset of the next chunk: chunks are word-aligned, so an odd size is followed by
    /// one pad byte.
    pub fn next(&self) -> u64 {
        self.body_end() + (self.size & 1)
    }
}

/// `read_exact` whose early end of file is reported as a malformed file, naming `what`.
pub fn read_exact_or<R: Read>(reader: &mut R, buf: &mut [u8], what: &str) -> Result<(), AudioError> {
    reader.read_exact(buf).map_err(|error| match error.kind() {
        std::io::ErrorKind::UnexpectedEof => AudioError::Malformed(format!("file ends inside {what}")),
        _ => AudioError::Io(error),
    })
}

/// Reads the chunk header at the reader's position, which is file offset `position`.
pub fn read_chunk_header<R: Read>(reader: &mut R, position: u64) -> Result<ChunkHeader, AudioError> {
    let mut header = [0u8; 8];
    read_exact_or(reader, &mut header, "a chunk header")?;
    Ok(ChunkHeader {
        id: [header[0], header[1], header[2], header[3]],
        size: u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as u64,
        body_start: position + 8,
    })
}

/// A four-character code as text for messages; bytes outside printable ASCII are escaped.
pub fn fourcc(id: &[u8; 4]) -> String {
    id.iter().flat_map(|&b| std::ascii::escape_default(b)).map(char::from).collect()
}
