//! From any decoded stream to the canonical sample: 16 kHz, mono, 16-bit, hashed and FLAC-encoded
//! in one pass. The SHA-256 of the canonical PCM (little-endian i16) is the sample's file_id.
use super::flac_out::FlacMemoryEncoder;
use super::resample::To16k;
use super::widest;
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
    Ok(quantize_finite(sample))
}

/// `(sample · 32768).round().clamp(-32768, 32767)` for a finite sample, in operations that
/// vectorise (`f64::round` is a library call on baseline x86-64). Clamping to ±40000 first
/// changes nothing (rounding is monotonic and both bounds lie beyond the i16 range); there
/// the truncation is exact, and so is the fraction `scaled − whole`, so the comparison with
/// ±0.5 rounds halves away from zero exactly as `round` does.
#[inline(always)]
fn quantize_finite(sample: f64) -> i16 {
    let scaled = (sample * 32_768.0).clamp(-40_000.0, 40_000.0);
    let whole = scaled as i32;
    let fraction = scaled - whole as f64;
    let rounded = whole + (fraction >= 0.5) as i32 - (fraction <= -0.5) as i32;
    rounded.clamp(i16::MIN as i32, i16::MAX as i32) as i16
}

/// The peak magnitude of a block of canonical samples and how many of them sit at full scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BlockLevels {
    peak: u16,
    clipped: u64,
}

/// Quantises a block, appending to `out`, and measures it; the first non-finite sample is
/// an error. Compiled for the widest vector form of the run ([`widest`]).
fn quantize_block(samples: &[f64], out: &mut Vec<i16>) -> Result<BlockLevels, AudioError> {
    widest::run(
        #[inline(always)]
        || quantize_and_measure(samples, out),
    )
}

#[inline(always)]
fn quantize_and_measure(samples: &[f64], out: &mut Vec<i16>) -> Result<BlockLevels, AudioError> {
    // Passes that vectorise; the error path looks for the culprit.
    if !samples.iter().fold(true, |finite, x| finite & x.is_finite()) {
        let bad = samples.iter().find(|x| !x.is_finite()).expect("a non-finite sample");
        return Err(AudioError::InvalidSample(format!("{bad} is not a finite number")));
    }
    let start = out.len();
    out.extend(samples.iter().map(|&sample| quantize_finite(sample)));
    let block = &out[start..];
    Ok(BlockLevels {
        peak: block.iter().fold(0, |peak, v| peak.max(v.unsigned_abs())),
        clipped: block.iter().filter(|&&v| v == i16::MAX || v == i16::MIN).count() as u64,
    })
}

/// The canonical samples as the bytes that are hashed (little-endian i16).
fn le_bytes<'a>(samples: &'a [i16], scratch: &'a mut Vec<u8>) -> &'a [u8] {
    #[cfg(target_endian = "little")]
    {
        let _ = scratch;
        // SAFETY: an i16 slice is readable as twice as many bytes (u8 has no alignment), and
        // on a little-endian machine those bytes are the little-endian encoding.
        unsafe { std::slice::from_raw_parts(samples.as_ptr() as *const u8, std::mem::size_of_val(samples)) }
    }
    #[cfg(not(target_endian = "little"))]
    {
        scratch.clear();
        scratch.extend(samples.iter().flat_map(|v| v.to_le_bytes()));
        scratch
    }
}

/// Buffers a conversion needs, kept per thread so that a build does not allocate (and the
/// kernel clear) them again for every file.
#[derive(Default)]
struct Scratch {
    decoded: Vec<f64>,
    resampled: Vec<f64>,
    quantized: Vec<i16>,
    bytes: Vec<u8>,
}

thread_local! {
    static SCRATCH: std::cell::Cell<Option<Box<Scratch>>> = const { std::cell::Cell::new(None) };
    static ENCODER: std::cell::Cell<Option<FlacMemoryEncoder>> = const { std::cell::Cell::new(None) };
}

/// Hash + statistics for the canonical samples as they are produced; each quantised block is
/// handed on to `each` (the FLAC encoder in a build, a comparison's buffer in `cameo compare`).
struct CanonicalSink<F> {
    hasher: Sha256,
    each: F,
    frames: u64,
    peak: u16,
    clipped: u64,
}

impl<F: FnMut(&[i16]) -> Result<(), AudioError>> CanonicalSink<F> {
    fn accept(&mut self, samples: &[f64], quantized: &mut Vec<i16>, bytes: &mut Vec<u8>) -> Result<(), AudioError> {
        quantized.clear();
        let levels = quantize_block(samples, quantized)?;
        self.peak = self.peak.max(levels.peak);
        self.clipped += levels.clipped;
        self.hasher.update(le_bytes(quantized, bytes));
        (self.each)(quantized)?;
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
    let mut scratch = SCRATCH.take().unwrap_or_default();
    let result = canonicalize_with(stream, each, &mut scratch);
    SCRATCH.set(Some(scratch));
    result
}

fn canonicalize_with(
    stream: &mut dyn PcmStream,
    each: impl FnMut(&[i16]) -> Result<(), AudioError>,
    scratch: &mut Scratch,
) -> Result<ConvertedAudio, AudioError> {
    let source_rate = stream.sample_rate();
    check_rate(source_rate)?;
    let mut resampler = if source_rate == CANONICAL_RATE { None } else { Some(To16k::new(source_rate)?) };
    let mut sink = CanonicalSink { hasher: Sha256::new(), each, frames: 0, peak: 0, clipped: 0 };
    let Scratch { decoded, resampled, quantized, bytes } = scratch;
    let mut frames_read = 0u64;
    loop {
        decoded.clear();
        let read = stream.read_mono(READ_FRAMES, decoded)?;
        if read == 0 {
            break;
        }
        frames_read += read as u64;
        match resampler.as_mut() {
            None => sink.accept(decoded, quantized, bytes)?,
            Some(resampler) => {
                resampled.clear();
                resampler.push(decoded, resampled)?;
                sink.accept(resampled, quantized, bytes)?;
            }
        }
    }
    if frames_read == 0 {
        return Err(AudioError::Empty);
    }
    if let Some(resampler) = resampler.as_mut() {
        resampled.clear();
        resampler.finish(resampled)?;
        sink.accept(resampled, quantized, bytes)?;
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

/// Streams `stream` through resampling, quantisation, hashing and FLAC encoding, and returns
/// the sample's facts with the whole FLAC file as bytes (the same bytes [`convert_to_flac`]
/// writes). The encoder's buffers are kept per thread (libFLAC's own encoder is new for each
/// file, see [`super::flac_out`]).
pub fn convert_to_flac_bytes(stream: &mut dyn PcmStream) -> Result<(ConvertedAudio, Vec<u8>), AudioError> {
    let source_rate = stream.sample_rate();
    check_rate(source_rate)?;
    let mut encoder = match ENCODER.take() {
        Some(encoder) => encoder,
        None => FlacMemoryEncoder::new()?,
    };
    // Speech compresses to about half; the buffer grows if it needs to.
    let expected = stream.total_frames().map_or(0, |frames| {
        (frames.saturating_mul(CANONICAL_RATE as u64) / source_rate as u64).min(1 << 26) as usize + 4_096
    });
    let result = encoder.start(expected).and_then(|()| {
        let converted = canonicalize(stream, |block| encoder.write(block))?;
        Ok((converted, encoder.finish()?))
    });
    ENCODER.set(Some(encoder));
    result
}

/// Streams `stream` through resampling, quantisation, hashing and FLAC encoding into
/// `flac_path` (which the caller renames to the file_id once it is known), written in one go.
pub fn convert_to_flac(stream: &mut dyn PcmStream, flac_path: &Path) -> Result<ConvertedAudio, AudioError> {
    let (converted, bytes) = convert_to_flac_bytes(stream)?;
    std::fs::write(flac_path, &bytes)
        .map_err(|error| AudioError::Output(format!("cannot write {}: {error}", flac_path.display())))?;
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
    fn the_vectorised_quantiser_equals_round_then_clamp() {
        let reference = |x: f64| (x * 32_768.0).round().clamp(-32_768.0, 32_767.0) as i16;
        let mut values = vec![0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 1e300, -1e300, f64::MIN_POSITIVE, 0.999_999];
        // Every half step and its neighbours, over the whole range and past both ends.
        for step in -65_600i32..=65_600 {
            let half = step as f64 / 65_536.0;
            values.extend([half, f64::from_bits(half.to_bits() + 1), f64::from_bits(half.to_bits().wrapping_sub(1))]);
        }
        let mut state = 99u64;
        for _ in 0..200_000 {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            values.push((state >> 11) as f64 / (1u64 << 52) as f64 - 1.0);
            values.push(
                f32::from_bits((state >> 32) as u32 & 0x3fff_ffff) as f64 * if state & 1 == 0 { 1.0 } else { -1.0 },
            );
        }
        values.retain(|x| x.is_finite());
        let expected: Vec<i16> = values.iter().map(|&value| reference(value)).collect();
        let levels = BlockLevels {
            peak: expected.iter().map(|v| v.unsigned_abs()).max().unwrap(),
            clipped: expected.iter().filter(|&&v| v == i16::MAX || v == i16::MIN).count() as u64,
        };
        // In every vector form this CPU runs, the same samples and levels.
        for path in crate::audio::resample::SimdPath::all_here() {
            let mut fast = Vec::new();
            assert_eq!(
                widest::run_as(
                    path,
                    #[inline(always)]
                    || quantize_and_measure(&values, &mut fast)
                )
                .unwrap(),
                levels
            );
            for ((value, fast), expected) in values.iter().zip(fast).zip(&expected) {
                assert_eq!(fast, *expected, "{value:e} ({})", path.name());
            }
        }
        assert_eq!(
            quantize_block(&[0.5, f64::NAN], &mut Vec::new()).unwrap_err().to_string(),
            "invalid sample value: NaN is not a finite number"
        );
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
