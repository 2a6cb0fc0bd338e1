//! The audio core: decode any supported source to mono f64, resample to 16 kHz, quantise to
//! 16-bit, hash the canonical PCM (the file_id) and encode FLAC — in one streaming pass per
//! item, so memory does not grow with the length of a recording.
pub mod avi;
pub mod blocks;
pub mod canonical;
pub mod decode;
pub mod embedded;
pub mod flac_in;
pub mod flac_out;
pub mod resample;
pub mod riff;
pub mod segment;
pub mod wav;
pub mod webm;
pub mod widest;

pub use canonical::{convert_to_flac, convert_to_flac_bytes, ConvertedAudio, CANONICAL_RATE};
pub use decode::{open_bytes, open_source, open_source_bytes};

/// The canonical audio format as build.json describes it, from the constants that make it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CanonicalFormat {
    pub format: &'static str,
    pub sample_rate: u32,
    pub channels: u16,
    pub bits_per_sample: u16,
    pub resampler: String,
    pub quantisation: &'static str,
    pub file_id: &'static str,
}

/// The format every sample of a build has.
pub fn canonical_format() -> CanonicalFormat {
    CanonicalFormat {
        format: "FLAC",
        sample_rate: CANONICAL_RATE,
        channels: 1,
        bits_per_sample: 16,
        resampler: resample::description(),
        quantisation: canonical::QUANTISATION,
        file_id: canonical::FILE_ID,
    }
}

/// Why a piece of audio could not be turned into a canonical sample.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("malformed audio: {0}")]
    Malformed(String),
    #[error("truncated audio: {0}")]
    Truncated(String),
    #[error("unsupported audio: {0}")]
    Unsupported(String),
    #[error("Git LFS pointer, fetch the real file (git lfs pull)")]
    GitLfsPointer,
    #[error("no audio track: {0}")]
    NoAudioTrack(String),
    #[error("empty audio: no samples")]
    Empty,
    #[error("invalid sample value: {0}")]
    InvalidSample(String),
    #[error("resampler: {0}")]
    Resample(String),
    /// An error carried by its message alone (e.g. one failure shared by many items).
    #[error("{0}")]
    Other(String),
    /// Writing the output failed (full disk, unwritable folder): a fault of the machine, not
    /// of the source, so the build stops instead of recording a reject.
    #[error("cannot write the output: {0}")]
    Output(String),
}

impl AudioError {
    /// Whether the failure is on the output side (see [`AudioError::Output`]).
    pub fn is_output(&self) -> bool {
        matches!(self, AudioError::Output(_))
    }
}

/// A decoded audio stream, read frame by frame and downmixed to mono on the way.
pub trait PcmStream {
    fn sample_rate(&self) -> u32;
    fn channels(&self) -> u16;
    /// Frames in the stream, when the container says.
    fn total_frames(&self) -> Option<u64>;
    /// Appends up to `max_frames` mono frames (channel average, full scale = 1.0) to `out` and
    /// returns how many were appended; 0 means the end of the stream.
    fn read_mono(&mut self, max_frames: usize, out: &mut Vec<f64>) -> Result<usize, AudioError>;
}
