//! Handing out frames from decoders that produce them a block at a time (a FLAC frame, an Opus
//! packet): the block's mono frames wait in a [`BlockBuffer`] until `read_mono` asks for them.
use super::AudioError;

/// The decoded mono frames of the current block, how many are handed out, and whether the
/// stream has ended.
#[derive(Debug, Default)]
pub struct BlockBuffer {
    frames: Vec<f64>,
    at: usize,
    pub finished: bool,
}

impl BlockBuffer {
    /// Empties the buffer for the next block and returns it to be filled.
    pub fn start_block(&mut self) -> &mut Vec<f64> {
        self.frames.clear();
        self.at = 0;
        &mut self.frames
    }
}

/// A decoder that fills a [`BlockBuffer`] one block at a time.
pub trait BlockDecoder {
    fn buffer(&mut self) -> &mut BlockBuffer;
    /// Decodes the next block into the buffer (via `start_block`), or sets `finished`.
    fn decode_next_block(&mut self) -> Result<(), AudioError>;
}

/// `PcmStream::read_mono` for a block decoder: appends up to `max_frames` frames to `out`,
/// decoding blocks as needed; 0 means the end of the stream.
pub fn read_blocks(
    decoder: &mut impl BlockDecoder,
    max_frames: usize,
    out: &mut Vec<f64>,
) -> Result<usize, AudioError> {
    let mut written = 0;
    while written < max_frames {
        let buffer = decoder.buffer();
        if buffer.at == buffer.frames.len() {
            if buffer.finished {
                break;
            }
            decoder.decode_next_block()?;
            continue;
        }
        let take = (max_frames - written).min(buffer.frames.len() - buffer.at);
        out.extend_from_slice(&buffer.frames[buffer.at..buffer.at + take]);
        buffer.at += take;
        written += take;
    }
    Ok(written)
}
