//! FLAC decoding with claxon, streamed block by block (long recordings never sit in memory).
use super::blocks::{read_blocks, BlockBuffer, BlockDecoder};
use super::{AudioError, PcmStream};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

pub struct FlacStream<R: Read = BufReader<File>> {
    reader: claxon::FlacReader<R>,
    sample_rate: u32,
    channels: u16,
    /// 2^-(bits - 1): a sample times this is the sample divided by 2^(bits - 1), exactly (a
    /// power of two), and a multiplication costs less than a division.
    unit: f64,
    total: Option<u64>,
    blocks: BlockBuffer,
    block_buffer: Vec<i32>,
    decoded: u64,
}

fn flac_error(error: claxon::Error) -> AudioError {
    match error {
        claxon::Error::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            AudioError::Truncated("FLAC stream ends inside a frame".into())
        }
        claxon::Error::IoError(io) => AudioError::Io(io),
        claxon::Error::FormatError(what) => AudioError::Malformed(format!("FLAC: {what}")),
        claxon::Error::Unsupported(what) => AudioError::Unsupported(format!("FLAC: {what}")),
    }
}

/// A build's FLAC file decoded whole: its samples and the MD5 its STREAMINFO declares.
#[derive(Debug)]
pub struct CanonicalFlac {
    pub samples: Vec<i16>,
    pub md5: [u8; 16],
}

/// Decodes a FLAC file in the collection's canonical form (16 kHz, mono, 16-bit), refusing any
/// other format. Used wherever a build is read back (verify, the evaluation runner).
pub fn read_canonical_flac(path: &Path) -> Result<CanonicalFlac, AudioError> {
    let mut reader = claxon::FlacReader::open(path).map_err(flac_error)?;
    let info = reader.streaminfo();
    if (info.sample_rate, info.channels, info.bits_per_sample) != (super::CANONICAL_RATE, 1, 16) {
        return Err(AudioError::Unsupported(format!(
            "{} Hz, {} channel(s), {} bits; expected 16000 Hz mono 16-bit",
            info.sample_rate, info.channels, info.bits_per_sample
        )));
    }
    let mut samples = Vec::with_capacity(info.samples.unwrap_or(0).min(1 << 24) as usize);
    for sample in reader.samples() {
        // 16-bit FLAC samples always fit; clamp anyway so a lying header cannot wrap.
        samples.push(sample.map_err(flac_error)?.clamp(i16::MIN as i32, i16::MAX as i32) as i16);
    }
    Ok(CanonicalFlac { samples, md5: info.md5sum })
}

impl FlacStream {
    pub fn open(path: &Path) -> Result<Self, AudioError> {
        FlacStream::new(BufReader::with_capacity(1 << 16, File::open(path)?))
    }
}

impl<R: Read> FlacStream<R> {
    pub fn new(source: R) -> Result<Self, AudioError> {
        let reader = claxon::FlacReader::new(source).map_err(flac_error)?;
        let info = reader.streaminfo();
        if info.sample_rate == 0 {
            return Err(AudioError::Malformed("FLAC STREAMINFO declares a sample rate of 0 Hz".into()));
        }
        Ok(FlacStream {
            sample_rate: info.sample_rate,
            channels: info.channels as u16,
            unit: 1.0 / (1u64 << (info.bits_per_sample - 1)) as f64,
            total: info.samples,
            reader,
            blocks: BlockBuffer::default(),
            block_buffer: Vec::new(),
            decoded: 0,
        })
    }
}

/// Appends the channel average of a block's samples (one slice per channel, equally long),
/// scaled to [-1, 1): the sum in channel order, divided by the count, times `unit`. The mono
/// and stereo loops over whole slices compute exactly that (a mono sum is the sample itself,
/// and dividing by 1 changes nothing).
#[inline(always)]
fn push_block_mono(channels: &[&[i32]], unit: f64, pending: &mut Vec<f64>) {
    match channels {
        [mono] => pending.extend(mono.iter().map(|&s| s as f64 * unit)),
        [left, right] => pending.extend(left.iter().zip(*right).map(|(&l, &r)| (l as f64 + r as f64) / 2.0 * unit)),
        _ => {
            let frames = channels.first().map_or(0, |channel| channel.len());
            for i in 0..frames {
                let sum: f64 = channels.iter().map(|channel| channel[i] as f64).sum();
                pending.push(sum / channels.len() as f64 * unit);
            }
        }
    }
}

impl<R: Read> BlockDecoder for FlacStream<R> {
    fn buffer(&mut self) -> &mut BlockBuffer {
        &mut self.blocks
    }

    fn decode_next_block(&mut self) -> Result<(), AudioError> {
        let buffer = std::mem::take(&mut self.block_buffer);
        let block = self.reader.blocks().read_next_or_eof(buffer).map_err(flac_error)?;
        let pending = self.blocks.start_block();
        match block {
            None => {
                self.blocks.finished = true;
                // A file cut at a frame boundary decodes cleanly; STREAMINFO knows better.
                if let Some(total) = self.total.filter(|&total| total != self.decoded) {
                    return Err(AudioError::Truncated(format!(
                        "FLAC stream ends after {} of the {total} samples STREAMINFO declares",
                        self.decoded
                    )));
                }
            }
            Some(block) => {
                self.decoded += block.duration() as u64;
                // FLAC has at most 8 channels.
                let mut channels: [&[i32]; 8] = [&[]; 8];
                let count = (block.channels() as usize).min(8);
                for (c, slice) in channels[..count].iter_mut().enumerate() {
                    *slice = block.channel(c as u32);
                }
                let unit = self.unit;
                super::widest::run(
                    #[inline(always)]
                    || push_block_mono(&channels[..count], unit, pending),
                );
                self.block_buffer = block.into_buffer();
            }
        }
        Ok(())
    }
}

impl<R: Read> PcmStream for FlacStream<R> {
    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    fn channels(&self) -> u16 {
        self.channels
    }

    fn total_frames(&self) -> Option<u64> {
        self.total
    }

    fn read_mono(&mut self, max_frames: usize, out: &mut Vec<f64>) -> Result<usize, AudioError> {
        read_blocks(self, max_frames, out)
    }
}

// By hand: claxon's reader has no Debug.
impl<R: Read> std::fmt::Debug for FlacStream<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlacStream")
            .field("sample_rate", &self.sample_rate)
            .field("channels", &self.channels)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flac_bound::FlacEncoder;

    /// Writes a FLAC file of `bits`-bit samples (interleaved) with libFLAC.
    fn write_flac(path: &Path, channels: u32, bits: u32, rate: u32, interleaved: &[i32]) {
        let mut encoder = FlacEncoder::new()
            .unwrap()
            .channels(channels)
            .bits_per_sample(bits)
            .sample_rate(rate)
            .init_file(&path)
            .unwrap();
        encoder.process_interleaved(interleaved, interleaved.len() as u32 / channels).unwrap();
        encoder.finish().unwrap();
    }

    fn read_all(path: &Path) -> Result<(u32, u16, Vec<f64>), AudioError> {
        let mut stream = FlacStream::open(path)?;
        let mut out = Vec::new();
        while stream.read_mono(777, &mut out)? > 0 {}
        Ok((stream.sample_rate(), stream.channels(), out))
    }

    #[test]
    fn stereo_24bit_flac_is_averaged_and_scaled() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.flac");
        let frames = 10_000;
        let interleaved: Vec<i32> =
            (0..frames).flat_map(|i| [(i * 797 % 8_000_000) - 4_000_000, -((i * 13) % 1_000_000)]).collect();
        write_flac(&path, 2, 24, 44_100, &interleaved);
        let (rate, channels, mono) = read_all(&path).unwrap();
        assert_eq!((rate, channels, mono.len()), (44_100, 2, frames as usize));
        for (i, value) in mono.iter().enumerate() {
            let expected = (interleaved[2 * i] as f64 + interleaved[2 * i + 1] as f64) / 2.0 / 8_388_608.0;
            assert_eq!(*value, expected, "frame {i}");
        }
    }

    #[test]
    fn mono_and_three_channel_flac_decode_to_the_per_sample_formula() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.flac");
        for channels in [1u32, 3] {
            let interleaved: Vec<i32> = (0..9_000 * channels as i32).map(|i| (i * 7_919 % 60_000) - 30_000).collect();
            write_flac(&path, channels, 16, 22_050, &interleaved);
            let (_, _, mono) = read_all(&path).unwrap();
            for (i, value) in mono.iter().enumerate() {
                let frame = &interleaved[i * channels as usize..(i + 1) * channels as usize];
                let expected = frame.iter().map(|&s| s as f64).sum::<f64>() / channels as f64 / 32_768.0;
                assert_eq!(value.to_bits(), expected.to_bits(), "{channels} channels, frame {i}");
            }
        }
    }

    #[test]
    fn every_vector_form_averages_and_scales_a_block_to_the_same_bits() {
        let channel =
            |seed: i32| -> Vec<i32> { (0..3_001).map(|i| (i * 7_919 + seed) % 16_777_216 - 8_388_608).collect() };
        let samples: Vec<Vec<i32>> = (0..6).map(|c| channel(c * 104_729)).collect();
        let unit = 1.0 / 8_388_608.0;
        for count in [1, 2, 3, 6] {
            let channels: Vec<&[i32]> = samples[..count].iter().map(Vec::as_slice).collect();
            let expected: Vec<u64> = (0..3_001)
                .map(|i| (channels.iter().map(|c| c[i] as f64).sum::<f64>() / count as f64 / 8_388_608.0).to_bits())
                .collect();
            for path in crate::audio::resample::SimdPath::all_here() {
                let mut got = Vec::new();
                crate::audio::widest::run_as(
                    path,
                    #[inline(always)]
                    || push_block_mono(&channels, unit, &mut got),
                );
                let got: Vec<u64> = got.iter().map(|x| x.to_bits()).collect();
                assert!(got == expected, "{count} channels, {}", path.name());
            }
        }
    }

    #[test]
    fn truncated_flac_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.flac");
        let interleaved: Vec<i32> = (0..20_000).map(|i| (i * 31 % 60_000) - 30_000).collect();
        write_flac(&path, 1, 16, 16_000, &interleaved);
        let bytes = std::fs::read(&path).unwrap();
        for cut in [10, 45, bytes.len() / 2, bytes.len() - 3] {
            std::fs::write(&path, &bytes[..cut]).unwrap();
            assert!(read_all(&path).is_err(), "cut at {cut} read without error");
        }
    }
}
