//! Picks the decoder for a source by its content (magic bytes and, for RIFF, the form type),
//! never by its file name.
use super::avi::AviReader;
use super::flac_in::FlacStream;
use super::riff::fourcc;
use super::wav::WavReader;
use super::webm::{WebmOpusStream, EBML_MAGIC};
use super::{AudioError, PcmStream};
use std::fs::File;
use std::io::{BufReader, Cursor, Read};
use std::path::Path;

/// The first bytes of a Git LFS pointer file, which clones without LFS leave in place of audio.
const LFS_POINTER_PREFIX: &[u8] = b"version https://git-lfs";

/// The containers cameo decodes.
enum Container {
    Wav,
    Avi,
    Flac,
    Webm,
}

/// Names the container from the first bytes (at least 12 are needed for RIFF forms).
fn sniff(magic: &[u8]) -> Result<Container, AudioError> {
    if magic.is_empty() {
        return Err(AudioError::Malformed("zero-length file".into()));
    }
    if magic.starts_with(LFS_POINTER_PREFIX) {
        return Err(AudioError::GitLfsPointer);
    }
    if magic.starts_with(b"RIFF") || magic.starts_with(b"RF64") {
        // RIFF is a family: the form type after the size says what the file holds.
        return match magic.get(8..12) {
            Some(b"WAVE") => Ok(Container::Wav),
            Some(b"AVI ") => Ok(Container::Avi),
            Some(form) => {
                let form: [u8; 4] = [form[0], form[1], form[2], form[3]];
                Err(AudioError::Unsupported(format!("RIFF form type '{}' (neither WAVE nor AVI)", fourcc(&form))))
            }
            None => Err(AudioError::Truncated(format!("{}-byte file, shorter than a RIFF header", magic.len()))),
        };
    }
    if magic.starts_with(b"fLaC") {
        return Ok(Container::Flac);
    }
    if magic.starts_with(&EBML_MAGIC) {
        return Ok(Container::Webm);
    }
    let shown: Vec<String> = magic.iter().take(4).map(|b| format!("{b:02x}")).collect();
    Err(AudioError::Unsupported(format!("unknown container (first bytes {})", shown.join(" "))))
}

/// Opens an audio file of any supported container.
pub fn open_source(path: &Path) -> Result<Box<dyn PcmStream>, AudioError> {
    let mut file = File::open(path)?;
    let mut magic = [0u8; 23];
    let read = read_up_to(&mut file, &mut magic)?;
    drop(file);
    Ok(match sniff(&magic[..read])? {
        Container::Wav => Box::new(WavReader::new(BufReader::with_capacity(1 << 16, File::open(path)?))?),
        Container::Avi => Box::new(AviReader::new(File::open(path)?)?),
        Container::Flac => Box::new(FlacStream::open(path)?),
        Container::Webm => Box::new(WebmOpusStream::open(path)?),
    })
}

/// Opens an audio file held in memory (e.g. the bytes embedded in a parquet row).
pub fn open_bytes(bytes: Vec<u8>) -> Result<Box<dyn PcmStream>, AudioError> {
    Ok(match sniff(&bytes[..bytes.len().min(23)])? {
        Container::Wav => Box::new(WavReader::new(Cursor::new(bytes))?),
        Container::Avi => Box::new(AviReader::new(Cursor::new(bytes))?),
        Container::Flac => Box::new(FlacStream::new(Cursor::new(bytes))?),
        // The WebM reader walks its file twice (structure check, then packets); embedded
        // tables (RESD) hold WAV, so in-memory WebM is not needed yet.
        Container::Webm => {
            return Err(AudioError::Unsupported("WebM held in memory (only WebM files are read)".into()))
        }
    })
}

/// Opens a source file whose bytes were read already (the build reads each file once, to hash
/// it and decode it); only WebM, whose reader walks its file twice, is opened from `path` again.
pub fn open_source_bytes(bytes: Vec<u8>, path: &Path) -> Result<Box<dyn PcmStream>, AudioError> {
    match sniff(&bytes[..bytes.len().min(23)])? {
        Container::Webm => open_source(path),
        _ => open_bytes(bytes),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::avi::{encode_avi, AviAudio, AviOptions};
    use crate::fixtures::wav::{encode, WavSpec};

    fn open_file_holding(bytes: &[u8]) -> Result<Box<dyn PcmStream>, AudioError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clip.bin");
        std::fs::write(&path, bytes).unwrap();
        open_source(&path)
    }

    #[test]
    fn riff_files_go_to_the_reader_of_their_form_type() {
        let wav = encode(&WavSpec::int(16, 1, 16_000), &Default::default(), &[vec![0.25; 10]]);
        assert_eq!(open_file_holding(&wav).unwrap().total_frames(), Some(10));
        let options = AviOptions { audio: Some(AviAudio::pcm(WavSpec::int(16, 2, 48_000))), ..Default::default() };
        let avi = encode_avi(&options, &[vec![0.25; 20], vec![0.5; 20]]);
        let stream = open_file_holding(&avi).unwrap();
        assert_eq!((stream.sample_rate(), stream.channels(), stream.total_frames()), (48_000, 2, Some(20)));
        let mut other = wav.clone();
        other[8..12].copy_from_slice(b"CDXA");
        let error = open_file_holding(&other).err().unwrap();
        assert_eq!(error.to_string(), "unsupported audio: RIFF form type 'CDXA' (neither WAVE nor AVI)");
        let error = open_file_holding(b"RIFF\x10\0\0\0AV").err().unwrap();
        assert!(matches!(error, AudioError::Truncated(_)), "{error}");
    }
}
