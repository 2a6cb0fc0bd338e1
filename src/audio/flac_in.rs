//! FLAC decoding with claxon, streamed block by block (long recordings never sit in memory).
use super::{AudioError, PcmStream};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

pub struct FlacStream {
    reader: claxon::FlacReader<BufReader<File>>,
    sample_rate: u32,
    channels: u16,
    scale: f64,
    total: Option<u64>,
    /// Decoded frames not yet handed out (mono), and where the next one starts.
    pending: Vec<f64>,
    pending_at: usize,
    block_buffer: Vec<i32>,
    finished: bool,
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

impl FlacStream {
    pub fn open(path: &Path) -> Result<Self, AudioError> {
        let file = BufReader::with_capacity(1 << 16, File::open(path)?);
        let reader = claxon::FlacReader::new(file).map_err(flac_error)?;
        let info = reader.streaminfo();
        if info.sample_rate == 0 {
            return Err(AudioError::Malformed("FLAC STREAMINFO declares a sample rate of 0 Hz".into()));
        }
        Ok(FlacStream {
            sample_rate: info.sample_rate,
            channels: info.channels as u16,
            scale: (1u64 << (info.bits_per_sample - 1)) as f64,
            total: info.samples,
            reader,
            pending: Vec::new(),
            pending_at: 0,
            block_buffer: Vec::new(),
            finished: false,
        })
    }

    fn decode_next_block(&mut self) -> Result<(), AudioError> {
        let buffer = std::mem::take(&mut self.block_buffer);
        let block = self.reader.blocks().read_next_or_eof(buffer).map_err(flac_error)?;
        self.pending.clear();
        self.pending_at = 0;
        match block {
            None => self.finished = true,
            Some(block) => {
                let channels = block.channels();
                for i in 0..block.duration() {
                    let sum: f64 = (0..channels).map(|c| block.sample(c, i) as f64).sum();
                    self.pending.push(sum / channels as f64 / self.scale);
                }
                self.block_buffer = block.into_buffer();
            }
        }
        Ok(())
    }
}

impl PcmStream for FlacStream {
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
        let mut written = 0;
        while written < max_frames {
            if self.pending_at == self.pending.len() {
                if self.finished {
                    break;
                }
                self.decode_next_block()?;
                continue;
            }
            let take = (max_frames - written).min(self.pending.len() - self.pending_at);
            out.extend_from_slice(&self.pending[self.pending_at..self.pending_at + take]);
            self.pending_at += take;
            written += take;
        }
        Ok(written)
    }
}
