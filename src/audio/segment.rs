//! Cutting many segments out of one long recording in a single streaming pass: the recording is
//! decoded once, front to back, and only the frames a pending segment still needs are kept, so
//! memory follows the longest segment, not the recording (PAVOQUE's neutral FLAC is ~4.8 h).
use super::{AudioError, PcmStream};

/// Frames decoded per step.
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
    /// Decoded mono frames, `buffer[0]` being frame `buffer_start` of the recording.
    buffer: Vec<f64>,
    buffer_start: u64,
    ended: bool,
    /// A decoding error ends the stream: every later cut reports it.
    failed: Option<String>,
}

impl SegmentCutter {
    pub fn new(stream: Box<dyn PcmStream>) -> Self {
        SegmentCutter { stream, buffer: Vec::new(), buffer_start: 0, ended: false, failed: None }
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
        if start < self.buffer_start {
            return Err(AudioError::Malformed(format!(
                "segment starts at frame {start}, before the previous cut at frame {}",
                self.buffer_start
            )));
        }
        if let Some(failure) = &self.failed {
            return Err(AudioError::Malformed(format!("the recording failed to decode earlier: {failure}")));
        }
        self.drop_before(start);
        while self.buffer_start + (self.buffer.len() as u64) < end && !self.ended {
            let read = match self.stream.read_mono(READ_FRAMES, &mut self.buffer) {
                Ok(read) => read,
                Err(error) => {
                    self.failed = Some(error.to_string());
                    return Err(error);
                }
            };
            if read == 0 {
                self.ended = true;
            }
            // Nothing before `start` is needed again: keep memory flat across long gaps.
            self.drop_before(start);
        }
        let available = self.buffer_start + self.buffer.len() as u64;
        if available < end {
            let rate = self.sample_rate() as f64;
            return Err(AudioError::Truncated(format!(
                "segment {:.3}-{:.3} s ends past the end of the recording ({:.3} s)",
                start as f64 / rate,
                end as f64 / rate,
                available as f64 / rate
            )));
        }
        let from = (start - self.buffer_start) as usize;
        let to = (end - self.buffer_start) as usize;
        Ok(SliceStream {
            samples: self.buffer[from..to].to_vec(),
            at: 0,
            sample_rate: self.sample_rate(),
            channels: self.channels(),
        })
    }

    fn drop_before(&mut self, frame: u64) {
        let drop = frame.saturating_sub(self.buffer_start).min(self.buffer.len() as u64);
        if drop > 0 {
            self.buffer.drain(..drop as usize);
            self.buffer_start += drop;
        }
    }
}

/// Mono frames already in memory, served as a stream (a cut segment).
#[derive(Debug)]
pub struct SliceStream {
    samples: Vec<f64>,
    at: usize,
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
        Some(self.samples.len() as u64)
    }

    fn read_mono(&mut self, max_frames: usize, out: &mut Vec<f64>) -> Result<usize, AudioError> {
        let take = max_frames.min(self.samples.len() - self.at);
        out.extend_from_slice(&self.samples[self.at..self.at + take]);
        self.at += take;
        Ok(take)
    }
}

// By hand: the stream it cuts is a trait object without Debug.
impl std::fmt::Debug for SegmentCutter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SegmentCutter")
            .field("buffer_start", &self.buffer_start)
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
        // The gap was not kept.
        assert!(cutter.buffer.len() < 100);
        assert!(cutter.cut(10, 12).is_err());
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
