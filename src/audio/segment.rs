//! Cutting many segments out of one long recording in a single streaming pass: the recording is
//! decoded once, front to back, and only the frames a pending segment still needs are kept, so
//! memory follows the longest segment, not the recording (PAVOQUE's neutral FLAC is ~4.8 h).
//!
//! Decoded frames are kept in chunks shared by reference: a cut segment holds the chunks it
//! spans instead of a copy of its frames (~1 MB per PAVOQUE segment; the copy was ~2 % of a
//! `bench` build's profile samples, and `scripts/bench-pavoque` takes ~4 % fewer page faults
//! without it), and a chunk is freed when the cutter and every segment holding it are done.
use super::{AudioError, PcmStream};
use std::collections::VecDeque;
use std::sync::Arc;

/// Frames decoded per step (one chunk).
const READ_FRAMES: usize = 16_384;

/// The frame index of a time in seconds: round(t × rate), as the corpora's own tools cut.
pub fn frame_at(seconds: f64, rate: u32) -> Result<u64, AudioError> {
    let frame = (seconds * rate as f64).round();
    if !frame.is_finite() || frame < 0.0 || frame > u64::MAX as f64 {
        return Err(AudioError::Malformed(format!("time {seconds} s is not a valid position")));
    }
    Ok(frame as u64)
}

/// Hands out frame ranges of a stream in increasing order of their start.
pub struct SegmentCutter {
    stream: Box<dyn PcmStream>,
    /// Decoded mono frames in stream order, the first chunk starting at frame `chunks_start`.
    chunks: VecDeque<Arc<Vec<f64>>>,
    chunks_start: u64,
    /// Frames in `chunks`.
    held: u64,
    /// The start of the previous cut: a cut may not start before it.
    floor: u64,
    ended: bool,
    /// A decoding error ends the stream: every later cut reports it.
    failed: Option<String>,
}

impl SegmentCutter {
    pub fn new(stream: Box<dyn PcmStream>) -> Self {
        SegmentCutter {
            stream,
            chunks: VecDeque::new(),
            chunks_start: 0,
            held: 0,
            floor: 0,
            ended: false,
            failed: None,
        }
    }

    pub fn sample_rate(&self) -> u32 {
        self.stream.sample_rate()
    }

    pub fn channels(&self) -> u16 {
        self.stream.channels()
    }

    /// Frames [start, end) of the recording as a stream. Starts must not decrease from one call
    /// to the next (frames before the last start are already dropped). A range reaching past the
    /// end of the recording is an error that names the recording's length; later calls still work.
    pub fn cut(&mut self, start: u64, end: u64) -> Result<SliceStream, AudioError> {
        if end <= start {
            return Err(AudioError::Malformed(format!("empty segment: frames {start}..{end}")));
        }
        if start < self.floor {
            return Err(AudioError::Malformed(format!(
                "segment starts at frame {start}, before the previous cut at frame {}",
                self.floor
            )));
        }
        if let Some(failure) = &self.failed {
            return Err(AudioError::Malformed(format!("the recording failed to decode earlier: {failure}")));
        }
        self.floor = start;
        self.drop_before(start);
        while self.chunks_start + self.held < end && !self.ended {
            // A chunk is filled whole (a decoder may give fewer frames per read) unless the
            // stream ends.
            let mut chunk = Vec::with_capacity(READ_FRAMES);
            while chunk.len() < READ_FRAMES {
                match self.stream.read_mono(READ_FRAMES - chunk.len(), &mut chunk) {
                    Ok(0) => {
                        self.ended = true;
                        break;
                    }
                    Ok(_) => {}
                    Err(error) => {
                        self.failed = Some(error.to_string());
                        return Err(error);
                    }
                }
            }
            if !chunk.is_empty() {
                self.held += chunk.len() as u64;
                self.chunks.push_back(Arc::new(chunk));
            }
            // Nothing before `start` is needed again: keep memory flat across long gaps.
            self.drop_before(start);
        }
        let available = self.chunks_start + self.held;
        if available < end {
            let rate = self.sample_rate() as f64;
            return Err(AudioError::Truncated(format!(
                "segment {:.3}-{:.3} s ends past the end of the recording ({:.3} s)",
                start as f64 / rate,
                end as f64 / rate,
                available as f64 / rate
            )));
        }
        // The chunks the range overlaps, each with the part of it inside the range.
        let mut parts = Vec::new();
        let mut chunk_start = self.chunks_start;
        for chunk in &self.chunks {
            let chunk_end = chunk_start + chunk.len() as u64;
            if chunk_start >= end {
                break;
            }
            if chunk_end > start {
                let from = start.saturating_sub(chunk_start) as usize;
                let to = (end.min(chunk_end) - chunk_start) as usize;
                parts.push(Part { chunk: chunk.clone(), from, to });
            }
            chunk_start = chunk_end;
        }
        parts.reverse();
        Ok(SliceStream { parts, frames: end - start, sample_rate: self.sample_rate(), channels: self.channels() })
    }

    /// Drops the chunks that end at or before `frame`.
    fn drop_before(&mut self, frame: u64) {
        while let Some(first) = self.chunks.front() {
            let len = first.len() as u64;
            if self.chunks_start + len > frame {
                break;
            }
            self.chunks.pop_front();
            self.chunks_start += len;
            self.held -= len;
        }
    }
}

/// Frames `from..to` of a shared chunk.
#[derive(Debug)]
struct Part {
    chunk: Arc<Vec<f64>>,
    from: usize,
    to: usize,
}

/// A cut segment, served as a stream from the decoded chunks it shares with the cutter.
#[derive(Debug)]
pub struct SliceStream {
    /// The parts not yet read, last first (the next one is popped off the end).
    parts: Vec<Part>,
    frames: u64,
    sample_rate: u32,
    /// The channel count of the recording the frames were downmixed from.
    channels: u16,
}

impl PcmStream for SliceStream {
    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    fn channels(&self) -> u16 {
        self.channels
    }

    fn total_frames(&self) -> Option<u64> {
        Some(self.frames)
    }

    fn read_mono(&mut self, max_frames: usize, out: &mut Vec<f64>) -> Result<usize, AudioError> {
        let mut taken = 0;
        while taken < max_frames {
            let Some(part) = self.parts.last_mut() else { break };
            let take = (max_frames - taken).min(part.to - part.from);
            out.extend_from_slice(&part.chunk[part.from..part.from + take]);
            part.from += take;
            taken += take;
            if part.from == part.to {
                // Done with this part: its chunk may be freed as soon as nothing else holds it.
                self.parts.pop();
            }
        }
        Ok(taken)
    }
}

// By hand: the stream it cuts is a trait object without Debug.
impl std::fmt::Debug for SegmentCutter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SegmentCutter")
            .field("chunks_start", &self.chunks_start)
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream of frames 0, 1, 2, … (value = index) in small reads.
    struct Counting {
        next: u64,
        len: u64,
    }

    impl PcmStream for Counting {
        fn sample_rate(&self) -> u32 {
            1_000
        }
        fn channels(&self) -> u16 {
            2
        }
        fn total_frames(&self) -> Option<u64> {
            Some(self.len)
        }
        fn read_mono(&mut self, max_frames: usize, out: &mut Vec<f64>) -> Result<usize, AudioError> {
            let take = (max_frames as u64).min(self.len - self.next).min(7);
            out.extend((self.next..self.next + take).map(|i| i as f64));
            self.next += take;
            Ok(take as usize)
        }
    }

    fn all(mut slice: SliceStream) -> Vec<f64> {
        let mut out = Vec::new();
        while slice.read_mono(3, &mut out).unwrap() > 0 {}
        out
    }

    #[test]
    fn cuts_exact_frames_including_overlaps_and_gaps() {
        let mut cutter = SegmentCutter::new(Box::new(Counting { next: 0, len: 100_000 }));
        assert_eq!(all(cutter.cut(5, 9).unwrap()), vec![5.0, 6.0, 7.0, 8.0]);
        assert_eq!(all(cutter.cut(8, 10).unwrap()), vec![8.0, 9.0]);
        let far = cutter.cut(90_000, 90_002).unwrap();
        assert_eq!(far.channels(), 2);
        assert_eq!(all(far), vec![90_000.0, 90_001.0]);
        // The gap was not kept: only the chunk holding the segment is.
        assert_eq!((cutter.chunks.len(), cutter.held), (1, READ_FRAMES as u64));
        assert!(cutter.cut(10, 12).is_err());
    }

    #[test]
    fn segments_across_chunks_read_back_exactly_and_release_their_chunks() {
        let mut cutter = SegmentCutter::new(Box::new(Counting { next: 0, len: 200_000 }));
        let long = cutter.cut(10_000, 40_000).unwrap();
        let overlapping = cutter.cut(30_000, 50_000).unwrap();
        assert_eq!((long.parts.len(), long.total_frames()), (3, Some(30_000)));
        // The segments share the cutter's chunks instead of copying them.
        let second_chunk = Arc::as_ptr(&overlapping.parts.last().unwrap().chunk);
        assert!(long.parts.iter().any(|part| Arc::as_ptr(&part.chunk) == second_chunk));
        let weak = Arc::downgrade(&long.parts.last().unwrap().chunk);
        let mut frames = Vec::new();
        let mut long = long;
        while long.read_mono(4_999, &mut frames).unwrap() > 0 {}
        assert_eq!(frames, (10_000..40_000).map(|i| i as f64).collect::<Vec<_>>());
        // The first chunk is held by nothing once the long segment is read and the cutter has
        // moved past it.
        drop(long);
        let _later = cutter.cut(60_000, 60_010).unwrap();
        assert!(weak.upgrade().is_none());
        assert_eq!(all(overlapping), (30_000..50_000).map(|i| i as f64).collect::<Vec<_>>());
    }

    #[test]
    fn a_segment_past_the_end_is_an_error_and_the_cutter_goes_on() {
        let mut cutter = SegmentCutter::new(Box::new(Counting { next: 0, len: 50 }));
        let error = cutter.cut(40, 60).err().unwrap().to_string();
        assert!(error.contains("ends past the end of the recording (0.050 s)"), "{error}");
        assert_eq!(all(cutter.cut(45, 50).unwrap()), vec![45.0, 46.0, 47.0, 48.0, 49.0]);
        assert!(cutter.cut(50, 50).is_err());
    }

    #[test]
    fn frames_round_to_nearest() {
        assert_eq!(frame_at(2.34, 44_100).unwrap(), 103_194);
        assert_eq!(frame_at(0.0, 44_100).unwrap(), 0);
        assert!(frame_at(-1.0, 44_100).is_err());
        assert!(frame_at(f64::NAN, 44_100).is_err());
    }
}
