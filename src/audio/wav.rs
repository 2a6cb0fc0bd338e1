//! Streaming WAV (RIFF/WAVE) reader: walks the chunk list itself so that every shape real
//! corpora ship (8/16/24/32-bit integer, 32/64-bit float, WAVE_FORMAT_EXTENSIBLE, LIST/FLLR/bext
//! chunks before or after `data`, odd-sized chunks with their pad byte) is read, and every
//! malformed header is reported with what exactly is wrong.
use super::riff::{read_chunk_header, read_exact_or};
use super::{AudioError, PcmStream};
use std::io::{Read, Seek, SeekFrom};

pub(crate) const FORMAT_PCM: u16 = 1;
pub(crate) const FORMAT_IEEE_FLOAT: u16 = 3;
pub(crate) const FORMAT_EXTENSIBLE: u16 = 0xFFFE;

/// How one sample is stored in the `data` chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleEncoding {
    /// Unsigned 8-bit (offset 128), as the WAV format defines for 8-bit PCM.
    Unsigned8,
    /// Little-endian signed integer in a container of `bytes` bytes (2, 3 or 4).
    SignedInt { bytes: u8 },
    /// IEEE float, 4 or 8 bytes.
    Float { bytes: u8 },
}

/// The `fmt ` chunk as far as decoding needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WavFormat {
    pub channels: u16,
    pub sample_rate: u32,
    pub encoding: SampleEncoding,
}

impl WavFormat {
    pub(crate) fn bytes_per_sample(&self) -> usize {
        match self.encoding {
            SampleEncoding::Unsigned8 => 1,
            SampleEncoding::SignedInt { bytes } | SampleEncoding::Float { bytes } => bytes as usize,
        }
    }

    pub(crate) fn frame_bytes(&self) -> usize {
        self.bytes_per_sample() * self.channels as usize
    }
}

/// A WAV file positioned at the start of its samples.
#[derive(Debug)]
pub struct WavReader<R> {
    reader: R,
    format: WavFormat,
    frames_total: u64,
    frames_left: u64,
    raw: Vec<u8>,
}

/// Parses a WAVEFORMAT(EX|TENSIBLE) structure: the body of a WAV `fmt ` chunk, and of the
/// `strf` chunk of an AVI audio stream.
pub(crate) fn parse_fmt(body: &[u8]) -> Result<WavFormat, AudioError> {
    if body.len() < 16 {
        return Err(AudioError::Malformed(format!("fmt chunk has {} bytes, needs at least 16", body.len())));
    }
    let u16_at = |i: usize| u16::from_le_bytes([body[i], body[i + 1]]);
    let mut tag = u16_at(0);
    let channels = u16_at(2);
    let sample_rate = u32::from_le_bytes([body[4], body[5], body[6], body[7]]);
    let block_align = u16_at(12);
    let bits = u16_at(14);
    if tag == FORMAT_EXTENSIBLE {
        if body.len() < 40 {
            return Err(AudioError::Malformed("WAVE_FORMAT_EXTENSIBLE fmt chunk shorter than 40 bytes".into()));
        }
        // The sub-format GUID starts with the ordinary format tag.
        tag = u16_at(24);
    }
    if channels == 0 {
        return Err(AudioError::Malformed("fmt chunk declares 0 channels".into()));
    }
    if sample_rate == 0 {
        return Err(AudioError::Malformed("fmt chunk declares a sample rate of 0 Hz".into()));
    }
    let container_bytes = block_align as usize / channels as usize;
    let encoding = match (tag, bits) {
        (FORMAT_PCM, 1..=8) => SampleEncoding::Unsigned8,
        (FORMAT_PCM, 9..=32) => SampleEncoding::SignedInt { bytes: bits.div_ceil(8) as u8 },
        (FORMAT_IEEE_FLOAT, 32) => SampleEncoding::Float { bytes: 4 },
        (FORMAT_IEEE_FLOAT, 64) => SampleEncoding::Float { bytes: 8 },
        (tag, bits) => {
            return Err(AudioError::Unsupported(format!("WAV format tag {tag:#06x} with {bits} bits per sample")))
        }
    };
    let format = WavFormat { channels, sample_rate, encoding };
    // Extensible files may store e.g. 20 valid bits in a 24-bit container; the container
    // (block_align) is what the data is laid out in.
    let format = match format.encoding {
        SampleEncoding::SignedInt { .. } if (2..=4).contains(&container_bytes) => {
            WavFormat { encoding: SampleEncoding::SignedInt { bytes: container_bytes as u8 }, ..format }
        }
        _ => format,
    };
    if format.frame_bytes() != block_align as usize {
        return Err(AudioError::Malformed(format!(
            "block align {block_align} does not match {channels} channel(s) of {bits} bits"
        )));
    }
    Ok(format)
}

impl<R: Read + Seek> WavReader<R> {
    /// Reads the header and positions the reader at the first sample.
    pub fn new(mut reader: R) -> Result<Self, AudioError> {
        let file_len = reader.seek(SeekFrom::End(0))?;
        reader.seek(SeekFrom::Start(0))?;
        let mut header = [0u8; 12];
        read_exact_or(&mut reader, &mut header, "the RIFF header")?;
        if &header[0..4] == b"RF64" {
            return Err(AudioError::Unsupported("RF64 (64-bit WAV) files".into()));
        }
        if &header[0..4] != b"RIFF" || &header[8..12] != b"WAVE" {
            return Err(AudioError::Malformed("not a RIFF/WAVE file".into()));
        }
        let mut format = None;
        let mut data: Option<(u64, u64)> = None;
        let mut position = 12u64;
        // Walk every chunk up to the end of the file: fmt may come after data.
        while position + 8 <= file_len && (format.is_none() || data.is_none()) {
            let chunk = read_chunk_header(&mut reader, position)?;
            let (size, body_start) = (chunk.size, chunk.body_start);
            let available = file_len - body_start;
            match &chunk.id {
                b"fmt " => {
                    if size > 4096 || size > available {
                        return Err(AudioError::Malformed(format!("fmt chunk declares {size} bytes")));
                    }
                    let mut body = vec![0u8; size as usize];
                    read_exact_or(&mut reader, &mut body, "the fmt chunk")?;
                    format = Some(parse_fmt(&body)?);
                }
                b"data" => {
                    if size > available {
                        return Err(AudioError::Truncated(format!(
                            "data chunk declares {size} bytes but only {available} remain in the file"
                        )));
                    }
                    data = Some((body_start, size));
                }
                _ => {}
            }
            position = chunk.next();
            reader.seek(SeekFrom::Start(position.min(file_len)))?;
        }
        let format = format.ok_or_else(|| AudioError::Malformed("no fmt chunk".into()))?;
        let (data_start, data_len) = data.ok_or_else(|| AudioError::Malformed("no data chunk".into()))?;
        let frame_bytes = format.frame_bytes() as u64;
        if data_len % frame_bytes != 0 {
            return Err(AudioError::Truncated(format!(
                "data chunk of {data_len} bytes ends inside a frame of {frame_bytes} bytes"
            )));
        }
        reader.seek(SeekFrom::Start(data_start))?;
        let frames_total = data_len / frame_bytes;
        Ok(WavReader { reader, format, frames_total, frames_left: frames_total, raw: Vec::new() })
    }

    pub fn format(&self) -> WavFormat {
        self.format
    }
}

/// Decodes one little-endian sample to [-1, 1): the definition [`push_mono`]'s loops are
/// tested against.
#[cfg(test)]
fn sample_to_f64(encoding: SampleEncoding, bytes: &[u8]) -> f64 {
    match encoding {
        SampleEncoding::Unsigned8 => (bytes[0] as f64 - 128.0) / 128.0,
        SampleEncoding::SignedInt { bytes: 2 } => i16::from_le_bytes([bytes[0], bytes[1]]) as f64 / 32_768.0,
        SampleEncoding::SignedInt { bytes: 3 } => {
            // Sign-extend the 24-bit value through the top of an i32.
            (i32::from_le_bytes([0, bytes[0], bytes[1], bytes[2]]) >> 8) as f64 / 8_388_608.0
        }
        SampleEncoding::SignedInt { .. } => {
            i32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as f64 / 2_147_483_648.0
        }
        SampleEncoding::Float { bytes: 4 } => f32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as f64,
        SampleEncoding::Float { .. } => f64::from_le_bytes(bytes[..8].try_into().expect("8-byte sample")),
    }
}

/// Decodes whole interleaved frames of `format` from `raw` and appends their channel average
/// to `out`; a trailing partial frame is ignored (callers read whole frames).
pub(crate) fn push_mono(format: &WavFormat, raw: &[u8], out: &mut Vec<f64>) {
    super::widest::run(
        #[inline(always)]
        || push_mono_loops(format, raw, out),
    )
}

/// [`push_mono`]'s loops, inlined where [`super::widest`] compiles them.
#[inline(always)]
fn push_mono_loops(format: &WavFormat, raw: &[u8], out: &mut Vec<f64>) {
    // One loop per encoding and channel count, each with its decoder inlined and its sizes
    // known: matching the encoding per sample cost more than the decoding itself. Every loop
    // computes what sample_to_f64 does.
    let channels = format.channels;
    match format.encoding {
        SampleEncoding::Unsigned8 => push_frames(channels, raw, out, |[s]: [u8; 1]| (s as f64 - 128.0) / 128.0),
        SampleEncoding::SignedInt { bytes: 2 } => {
            push_frames(channels, raw, out, |s: [u8; 2]| i16::from_le_bytes(s) as f64 / 32_768.0)
        }
        SampleEncoding::SignedInt { bytes: 3 } => push_frames(channels, raw, out, |[a, b, c]: [u8; 3]| {
            // Sign-extend the 24-bit value through the top of an i32.
            (i32::from_le_bytes([0, a, b, c]) >> 8) as f64 / 8_388_608.0
        }),
        SampleEncoding::SignedInt { .. } => {
            push_frames(channels, raw, out, |s: [u8; 4]| i32::from_le_bytes(s) as f64 / 2_147_483_648.0)
        }
        SampleEncoding::Float { bytes: 4 } => {
            push_frames(channels, raw, out, |s: [u8; 4]| f32::from_le_bytes(s) as f64)
        }
        SampleEncoding::Float { .. } => push_frames(channels, raw, out, f64::from_le_bytes),
    }
}

/// Appends the channel average of each whole frame of `channels` samples of `BYTES` bytes;
/// a trailing partial frame is ignored (callers read whole frames).
#[inline(always)]
fn push_frames<const BYTES: usize>(channels: u16, raw: &[u8], out: &mut Vec<f64>, decode: impl Fn([u8; BYTES]) -> f64) {
    let sample = |bytes: &[u8]| decode(bytes.try_into().expect("BYTES bytes"));
    match channels {
        1 => append_frames(out, raw, BYTES, |frame| sample(frame)),
        // The sum below starts from −0.0, and −0.0 + a = a exactly: this is the same sum.
        2 => append_frames(out, raw, 2 * BYTES, |frame| (sample(&frame[..BYTES]) + sample(&frame[BYTES..])) / 2.0),
        _ => {
            let count = channels as f64;
            // Downmix by averaging; summing in channel order keeps the result reproducible.
            append_frames(out, raw, channels as usize * BYTES, |frame| {
                frame.chunks_exact(BYTES).map(sample).sum::<f64>() / count
            })
        }
    }
}

/// Appends `value(frame)` for each whole `frame_bytes`-byte frame of `raw`, in a plain loop
/// (`Vec::extend` goes through an iterator fold that LLVM keeps out of line, and then out of
/// the vector-compiled caller).
#[inline(always)]
fn append_frames(out: &mut Vec<f64>, raw: &[u8], frame_bytes: usize, value: impl Fn(&[u8]) -> f64) {
    let frames = raw.len() / frame_bytes;
    out.reserve(frames);
    let start = out.len();
    for (slot, frame) in out.spare_capacity_mut()[..frames].iter_mut().zip(raw.chunks_exact(frame_bytes)) {
        slot.write(value(frame));
    }
    // SAFETY: the loop initialised the first `frames` spare slots (`raw` holds that many frames).
    unsafe { out.set_len(start + frames) };
}

impl<R: Read + Seek> PcmStream for WavReader<R> {
    fn sample_rate(&self) -> u32 {
        self.format.sample_rate
    }

    fn channels(&self) -> u16 {
        self.format.channels
    }

    fn total_frames(&self) -> Option<u64> {
        Some(self.frames_total)
    }

    fn read_mono(&mut self, max_frames: usize, out: &mut Vec<f64>) -> Result<usize, AudioError> {
        let frames = (max_frames as u64).min(self.frames_left) as usize;
        if frames == 0 {
            return Ok(0);
        }
        self.raw.resize(frames * self.format.frame_bytes(), 0);
        read_exact_or(&mut self.reader, &mut self.raw, "the data chunk")?;
        push_mono(&self.format, &self.raw, out);
        self.frames_left -= frames as u64;
        Ok(frames)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::resample::SimdPath;
    use crate::fixtures::wav::{WavSpec, WavWriterOptions};
    use std::io::Cursor;

    fn decode(bytes: Vec<u8>) -> Result<(WavFormat, Vec<f64>), AudioError> {
        let mut reader = WavReader::new(Cursor::new(bytes))?;
        let mut out = Vec::new();
        while reader.read_mono(1000, &mut out)? > 0 {}
        Ok((reader.format(), out))
    }

    #[test]
    fn the_per_encoding_loops_give_the_bits_of_the_per_sample_decoder() {
        let raw: Vec<u8> = (0..4_800u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        let encodings = [
            SampleEncoding::Unsigned8,
            SampleEncoding::SignedInt { bytes: 2 },
            SampleEncoding::SignedInt { bytes: 3 },
            SampleEncoding::SignedInt { bytes: 4 },
            SampleEncoding::Float { bytes: 4 },
            SampleEncoding::Float { bytes: 8 },
        ];
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        for encoding in encodings {
            for channels in [1u16, 2, 3, 6] {
                let format = WavFormat { channels, sample_rate: 48_000, encoding };
                let slow: Vec<f64> = raw
                    .chunks_exact(format.frame_bytes())
                    .map(|frame| {
                        let samples = frame.chunks_exact(format.bytes_per_sample());
                        samples.map(|s| sample_to_f64(encoding, s)).sum::<f64>() / channels as f64
                    })
                    .collect();
                // In every vector form this CPU runs.
                for path in SimdPath::all_here() {
                    let mut fast = Vec::new();
                    crate::audio::widest::run_as(
                        path,
                        #[inline(always)]
                        || push_mono_loops(&format, &raw, &mut fast),
                    );
                    assert_eq!(bits(&fast), bits(&slow), "{encoding:?}, {channels} channels, {}", path.name());
                }
            }
        }
    }

    #[test]
    fn every_integer_and_float_shape_decodes_to_the_same_values() {
        let values = [0.0, 0.5, -0.5, 0.25, -1.0];
        for spec in [
            WavSpec::int(8, 1, 8000),
            WavSpec::int(16, 1, 16000),
            WavSpec::int(24, 1, 44100),
            WavSpec::int(32, 1, 48000),
            WavSpec::float(32, 1, 96000),
            WavSpec::float(64, 1, 192000),
        ] {
            for extensible in [false, true] {
                let options = WavWriterOptions { extensible, ..Default::default() };
                let bytes = crate::fixtures::wav::encode(&spec, &options, &[values.to_vec()]);
                let (format, decoded) = decode(bytes).unwrap();
                assert_eq!(format.sample_rate, spec.sample_rate);
                assert_eq!(decoded, values, "{spec:?} extensible={extensible}");
            }
        }
    }

    #[test]
    fn stereo_is_averaged() {
        let spec = WavSpec::int(16, 2, 48000);
        let bytes = crate::fixtures::wav::encode(&spec, &Default::default(), &[vec![0.5, -0.5], vec![0.25, 0.25]]);
        let (_, decoded) = decode(bytes).unwrap();
        assert_eq!(decoded, vec![0.375, -0.125]);
    }

    #[test]
    fn chunks_before_and_after_data_with_odd_sizes_are_skipped() {
        let spec = WavSpec::int(16, 1, 16000);
        let options = WavWriterOptions {
            chunks_before_data: vec![(*b"LIST", vec![1, 2, 3]), (*b"FLLR", vec![0; 11]), (*b"bext", vec![7; 5])],
            chunks_after_data: vec![(*b"LIST", vec![9; 3])],
            ..Default::default()
        };
        let samples = vec![0.125, -0.25, 0.5];
        let bytes = crate::fixtures::wav::encode(&spec, &options, std::slice::from_ref(&samples));
        assert_eq!(decode(bytes).unwrap().1, samples);
    }

    #[test]
    fn truncated_data_chunk_is_reported() {
        let spec = WavSpec::int(16, 1, 16000);
        let mut bytes = crate::fixtures::wav::encode(&spec, &Default::default(), &[vec![0.1; 100]]);
        bytes.truncate(bytes.len() - 50);
        let error = decode(bytes).unwrap_err();
        assert!(matches!(error, AudioError::Truncated(_)), "{error}");
        assert!(error.to_string().contains("declares 200 bytes"), "{error}");
    }

    #[test]
    fn malformed_headers_are_errors_not_panics() {
        for bytes in [
            vec![],
            b"RIFF".to_vec(),
            b"RIFF\0\0\0\0WAVE".to_vec(),
            b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\0\0\x80\x3e\0\0\0\0\0\0\0\0\x10\0".to_vec(),
            b"OggS\0\0\0\0\0\0\0\0\0\0\0\0".to_vec(),
        ] {
            assert!(decode(bytes).is_err());
        }
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256)) {
            let _ = decode(bytes);
        }

        #[test]
        fn any_corrupted_header_byte_never_panics(position in 0usize..44, value in proptest::prelude::any::<u8>()) {
            let spec = WavSpec::int(24, 2, 44_100);
            let mut bytes = crate::fixtures::wav::encode(&spec, &Default::default(), &[vec![0.1; 50], vec![-0.1; 50]]);
            bytes[position] = value;
            let _ = decode(bytes);
        }
    }
}
