//! Picks the decoder for a source by its content (magic bytes), never by its file name.
use super::flac_in::FlacStream;
use super::wav::WavReader;
use super::webm::{WebmOpusStream, EBML_MAGIC};
use super::{AudioError, PcmStream};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

/// The first bytes of a Git LFS pointer file, which clones without LFS leave in place of audio.
const LFS_POINTER_PREFIX: &[u8] = b"version https://git-lfs";

/// Opens an audio file of any supported container.
pub fn open_source(path: &Path) -> Result<Box<dyn PcmStream>, AudioError> {
    let mut file = File::open(path)?;
    let mut magic = [0u8; 23];
    let read = read_up_to(&mut file, &mut magic)?;
    let magic = &magic[..read];
    drop(file);
    if magic.is_empty() {
        return Err(AudioError::Malformed("zero-length file".into()));
    }
    if magic.starts_with(LFS_POINTER_PREFIX) {
        return Err(AudioError::GitLfsPointer);
    }
    if magic.starts_with(b"RIFF") || magic.starts_with(b"RF64") {
        let reader = BufReader::with_capacity(1 << 16, File::open(path)?);
        return Ok(Box::new(WavReader::new(reader)?));
    }
    if magic.starts_with(b"fLaC") {
        return Ok(Box::new(FlacStream::open(path)?));
    }
    if magic.starts_with(&EBML_MAGIC) {
        return Ok(Box::new(WebmOpusStream::open(path)?));
    }
    let shown: Vec<String> = magic.iter().take(4).map(|b| format!("{b:02x}")).collect();
    Err(AudioError::Unsupported(format!("unknown container (first bytes {})", shown.join(" "))))
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}
