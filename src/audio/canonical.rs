//! From any decoded stream to the canonical sample: 16 kHz, mono, 16-bit, hashed and FLAC-encoded
//! in one pass. The SHA-256 of the canonical PCM (little-endian i16) is the sample's file_id.
use super::flac_out::FlacFileWriter;
use super::resample::To16k;
use super::{AudioError, PcmStream};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The collection's sample rate.
pub const CANONICAL_RATE: u32 = 16_000;

/// Source rates we accept. Outside this range a header is almost surely garbage, and the
/// resampler's FFT sizes (multiples of rate / gcd(rate, 16000)) would grow without bound.
const SUPPORTED_RATES: std::ops::RangeInclusive<u32> = 1_000..=384_000;

/// Frames decoded per step; small enough to keep memory flat, large enough to amortise calls.
const READ_FRAMES: usize = 16_384;

/// What converting one item produced.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConvertedAudio {
    /// Lower-case hex SHA-256 of the canonical PCM, with `.flac` appended.
    pub file_id: String,
    /// Samples at 16 kHz.
    pub frames: u64,
    pub source_rate: u32,
    pub source_channels: u16,
    /// Largest absolute sample value (0 for digital silence).
    pub peak: u16,
    /// Samples at full scale (±32767/-32768), a sign of clipping.
    pub clipped: u64,
}

impl ConvertedAudio {
    pub fn duration_seconds(&self) -> f64 {
        self.frames as f64 / CANONICAL_RATE as f64
    }
}

/// How [`quantize`] rounds, in words (for build.json).
pub const QUANTISATION: &str = "round half away from zero, clip to [-32768, 32767]";

/// What a file_id is, in words (for build.json).
pub const FILE_ID: &str = "sha256 of the canonical PCM (little-endian i16) + .flac";

/// Float → i16 with rounding (half away from zero) and clipping; no dither, so the result is
/// a pure function of the input.
pub fn quantize(sample: f64) -> Result<i16, AudioError> {
    if !sample.is_finite() {
        return Err(AudioError::InvalidSample(format!("{sample} is not a finite number")));
    }
    Ok((sample * 32_768.0).round().clamp(-32_768.0, 32_767.0) as i16)
}

/// Hash + statistics for the canonical samples as they are produced; each quantised block is
/// handed on to `each` (the FLAC encoder in a build, a comparison's buffer in `cameo compare`).
struct CanonicalSink<F> {
    hasher: Sha256,
    each: F,
    frames: u64,
    peak: u16,
    clipped: u64,
    quantized: Vec<i16>,
    bytes: Vec<u8>,
}

impl<F: FnMut(&[i16]) -> Result<(), AudioError>> CanonicalSink<F> {
    fn accept(&mut self, samples: &[f64]) -> Result<(), AudioError> {
        self.quantized.clear();
        self.bytes.clear();
        for &sample in samples {
            self.quantized.push(quantize(sample)?);
        }
        // Statistics and bytes in separate passes over the block, which vectorise.
        self.peak = self.quantized.iter().fold(self.peak, |peak, v| peak.max(v.unsigned_abs()));
        self.clipped += self.quantized.iter().filter(|&&v| v == i16::MAX || v == i16::MIN).count() as u64;
        self.bytes.extend(self.quantized.iter().flat_map(|v| v.to_le_bytes()));
        self.hasher.update(&self.bytes);
        (self.each)(&self.quantized)?;
        self.frames += samples.len() as u64;
        Ok(())
    }
}

fn check_rate(source_rate: u32) -> Result<(), AudioError> {
    if !SUPPORTED_RATES.contains(&source_rate) {
        return Err(AudioError::Unsupported(format!("sample rate {source_rate} Hz (supported: 1 kHz to 384 kHz)")));
    }
    Ok(())
}

/// Streams `stream` through resampling and quantisation, hashing the canonical samples and
/// handing each block of them to `each`. This is the one canonical path: a build's FLAC files
/// and `cameo compare`'s decoding of a reference both come through it.
pub fn canonicalize(
    stream: &mut dyn PcmStream,
    each: impl FnMut(&[i16]) -> Result<(), AudioError>,
) -> Result<ConvertedAudio, AudioError> {
    let source_rate = stream.sample_rate();
    check_rate(source_rate)?;
    let mut resampler = if source_rate == CANONICAL_RATE { None } else { Some(To16k::new(source_rate)?) };
    let mut sink = CanonicalSink {
        hasher: Sha256::new(),
        each,
        frames: 0,
        peak: 0,
        clipped: 0,
        quantized: Vec::new(),
        bytes: Vec::new(),
    };
    let mut decoded = Vec::with_capacity(READ_FRAMES);
    let mut resampled = Vec::new();
    let mut frames_read = 0u64;
    loop {
        decoded.clear();
        let read = stream.read_mono(READ_FRAMES, &mut decoded)?;
        if read == 0 {
            break;
        }
        frames_read += read as u64;
        match resampler.as_mut() {
            None => sink.accept(&decoded)?,
            Some(resampler) => {
                resampled.clear();
                resampler.push(&decoded, &mut resampled)?;
                sink.accept(&resampled)?;
            }
        }
    }
    if frames_read == 0 {
        return Err(AudioError::Empty);
    }
    if let Some(resampler) = resampler.as_mut() {
        resampled.clear();
        resampler.finish(&mut resampled)?;
        sink.accept(&resampled)?;
    }
    Ok(ConvertedAudio {
        file_id: format!("{}.flac", hex::encode(sink.hasher.finalize())),
        frames: sink.frames,
        source_rate,
        source_channels: stream.channels(),
        peak: sink.peak,
        clipped: sink.clipped,
    })
}

/// Streams `stream` through resampling, quantisation, hashing and FLAC encoding into
/// `flac_path` (which the caller renames to the file_id once it is known).
pub fn convert_to_flac(stream: &mut dyn PcmStream, flac_path: &Path) -> Result<ConvertedAudio, AudioError> {
    // Checked before the output file is created, so a refused rate leaves no file behind.
    check_rate(stream.sample_rate())?;
    let mut writer = FlacFileWriter::create(flac_path)?;
    let converted = canonicalize(stream, |block| writer.write(block))?;
    writer.finish()?;
    Ok(converted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::wav::{encode, WavSpec};

    fn convert_bytes(wav: &[u8], dir: &Path) -> (ConvertedAudio, Vec<i16>) {
        let source = dir.join("in.wav");
        std::fs::write(&source, wav).unwrap();
        let mut stream = crate::audio::open_source(&source).unwrap();
        let flac = dir.join("out.flac");
        let converted = convert_to_flac(stream.as_mut(), &flac).unwrap();
        let mut reader = claxon::FlacReader::open(&flac).unwrap();
        let info = reader.streaminfo();
        assert_eq!((info.sample_rate, info.channels, info.bits_per_sample), (16_000, 1, 16));
        let samples: Vec<i16> = reader.samples().map(|s| s.unwrap() as i16).collect();
        (converted, samples)
    }

    #[test]
    fn quantize_rounds_and_clips() {
        assert_eq!(quantize(0.0).unwrap(), 0);
        assert_eq!(quantize(1.0).unwrap(), 32_767);
        assert_eq!(quantize(-1.0).unwrap(), -32_768);
        assert_eq!(quantize(2.5).unwrap(), 32_767);
        assert_eq!(quantize(1.5 / 32_768.0).unwrap(), 2);
        assert_eq!(quantize(-1.5 / 32_768.0).unwrap(), -2);
        assert!(quantize(f64::NAN).is_err());
        assert!(quantize(f64::INFINITY).is_err());
    }

    #[test]
    fn flac_decodes_back_to_the_hashed_pcm_sample_by_sample() {
        let dir = tempfile::tempdir().unwrap();
        let pcm: Vec<f64> = (0..40_000).map(|i| ((i * 7919) % 65_536) as f64 / 65_536.0 - 0.5).collect();
        let (converted, decoded) = convert_bytes(
            &encode(&WavSpec::int(16, 1, 16_000), &Default::default(), std::slice::from_ref(&pcm)),
            dir.path(),
        );
        let expected: Vec<i16> = pcm.iter().map(|&x| quantize(x).unwrap()).collect();
        assert_eq!(decoded, expected);
        let bytes: Vec<u8> = expected.iter().flat_map(|s| s.to_le_bytes()).collect();
        assert_eq!(converted.file_id, format!("{}.flac", hex::encode(Sha256::digest(&bytes))));
        assert_eq!(converted.frames, 40_000);
    }

    #[test]
    fn streaminfo_carries_the_md5_of_the_pcm() {
        let dir = tempfile::tempdir().unwrap();
        let pcm: Vec<f64> = (0..5_000).map(|i| (i as f64 / 50.0).sin() * 0.3).collect();
        let (_, decoded) =
            convert_bytes(&encode(&WavSpec::int(16, 1, 16_000), &Default::default(), &[pcm]), dir.path());
        let bytes = std::fs::read(dir.path().join("out.flac")).unwrap();
        // STREAMINFO is the first metadata block; its last 16 bytes are the MD5.
        let md5 = &bytes[26..42];
        let pcm_bytes: Vec<u8> = decoded.iter().flat_map(|s| s.to_le_bytes()).collect();
        assert_eq!(md5, md5::Md5::digest(&pcm_bytes).as_slice());
    }

    #[test]
    fn empty_stream_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("in.wav");
        std::fs::write(&source, encode(&WavSpec::int(16, 1, 16_000), &Default::default(), &[vec![]])).unwrap();
        let mut stream = crate::audio::open_source(&source).unwrap();
        assert!(matches!(convert_to_flac(stream.as_mut(), &dir.path().join("o.flac")), Err(AudioError::Empty)));
    }
}
