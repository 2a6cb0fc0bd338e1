//! FLAC encoding with libFLAC (flac-bound): 16-bit, 16 kHz, mono, fixed settings.
//!
//! The encoder writes straight to a file, which libFLAC can seek in: at the end it goes back
//! and fills STREAMINFO with the total sample count, the frame sizes and the MD5 of the PCM,
//! as the format asks. No padding or seek table is added (samples are short).
use super::{AudioError, CANONICAL_RATE};
use flac_bound::{FlacEncoder, FlacEncoderConfig};
use std::path::{Path, PathBuf};

/// libFLAC's compression level; fixed because the FLAC bytes must not vary between builds.
const COMPRESSION_LEVEL: u32 = 5;

pub struct FlacFileWriter {
    encoder: Option<FlacEncoder<'static>>,
    path: PathBuf,
    buffer: Vec<i32>,
}

impl FlacFileWriter {
    /// Creates (or truncates) `path` and prepares the encoder.
    pub fn create(path: &Path) -> Result<Self, AudioError> {
        if path.to_str().is_none() {
            return Err(AudioError::Output(format!("output path is not UTF-8: {}", path.display())));
        }
        let config: FlacEncoderConfig =
            FlacEncoder::new().ok_or_else(|| AudioError::Output("libFLAC could not allocate an encoder".into()))?;
        let encoder = config
            .channels(1)
            .bits_per_sample(16)
            .sample_rate(CANONICAL_RATE)
            .compression_level(COMPRESSION_LEVEL)
            .verify(false)
            .init_file(&path)
            .map_err(|error| AudioError::Output(format!("cannot start writing {}: {error:?}", path.display())))?;
        Ok(FlacFileWriter { encoder: Some(encoder), path: path.to_path_buf(), buffer: Vec::new() })
    }

    pub fn write(&mut self, samples: &[i16]) -> Result<(), AudioError> {
        let encoder = self.encoder.as_mut().expect("encoder present until finish");
        self.buffer.clear();
        self.buffer.extend(samples.iter().map(|&s| s as i32));
        encoder.process_interleaved(&self.buffer, samples.len() as u32).map_err(|()| {
            AudioError::Output(format!(
                "writing {} failed: {}",
                self.path.display(),
                why(format!("{:?}", encoder.state()))
            ))
        })
    }

    /// Flushes the last frame and rewrites STREAMINFO (with the MD5).
    pub fn finish(mut self) -> Result<(), AudioError> {
        let encoder = self.encoder.take().expect("encoder present until finish");
        encoder.finish().map(|_| ()).map_err(|encoder| {
            AudioError::Output(format!(
                "finishing {} failed: {}",
                self.path.display(),
                why(format!("{:?}", encoder.state()))
            ))
        })
    }
}

/// The reason for a failed libFLAC write. libFLAC writes with stdio and keeps only its own
/// state (e.g. `ClientError`); the C library's errno, read on the same thread right after
/// the failing call, still says why (a full disk, a read-only folder). Only write failures
/// are trusted from errno, so a stale unrelated value is never shown as the cause.
fn why(state: String) -> String {
    use std::io::ErrorKind;
    let os = std::io::Error::last_os_error();
    match os.kind() {
        ErrorKind::StorageFull
        | ErrorKind::QuotaExceeded
        | ErrorKind::FileTooLarge
        | ErrorKind::ReadOnlyFilesystem
        | ErrorKind::PermissionDenied => format!("{os} (libFLAC: {state})"),
        _ => format!("libFLAC: {state}"),
    }
}
