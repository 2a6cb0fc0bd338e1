//! Turns a build's FLAC file (16 kHz, mono, 16-bit) into the in-memory WAV that goes into a
//! chat-completion request.
use std::path::Path;

use super::error::EvalError;

/// The audio format of a build (cameo-format.md).
pub const SAMPLE_RATE: u32 = 16_000;

/// Decodes a 16 kHz mono 16-bit FLAC file into 16-bit samples (the build's own reader).
pub fn read_flac(path: &Path) -> Result<Vec<i16>, EvalError> {
    crate::audio::flac_in::read_canonical_flac(path)
        .map(|flac| flac.samples)
        .map_err(|e| EvalError::Audio { path: path.to_path_buf(), message: format!("cannot read FLAC: {e}") })
}

/// A canonical 44-byte-header PCM WAV file: 16 kHz, mono, 16-bit little-endian.
pub fn wav_bytes(samples: &[i16]) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + samples.len() * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    out.extend_from_slice(&(SAMPLE_RATE * 2).to_le_bytes()); // byte rate
    out.extend_from_slice(&2u16.to_le_bytes()); // block align
    out.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for sample in samples {
        out.extend_from_slice(&sample.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wav_header_describes_16_khz_mono_16_bit() {
        let wav = wav_bytes(&[0, 1, -1]);
        assert_eq!(wav.len(), 44 + 6);
        assert_eq!(&wav[0..4], b"RIFF");
        assert_eq!(u32::from_le_bytes(wav[4..8].try_into().unwrap()), 36 + 6);
        assert_eq!(u16::from_le_bytes(wav[22..24].try_into().unwrap()), 1);
        assert_eq!(u32::from_le_bytes(wav[24..28].try_into().unwrap()), 16_000);
        assert_eq!(u16::from_le_bytes(wav[34..36].try_into().unwrap()), 16);
        assert_eq!(&wav[44..], &[0, 0, 1, 0, 0xff, 0xff]);
    }

    #[test]
    fn flac_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tone.flac");
        let samples: Vec<i32> = (0..1600).map(|i| (i * 37) % 2000 - 1000).collect();
        let mut encoder = flac_bound::FlacEncoder::new()
            .unwrap()
            .channels(1)
            .bits_per_sample(16)
            .sample_rate(16_000)
            .init_file(&path)
            .unwrap();
        encoder.process_interleaved(&samples, samples.len() as u32).unwrap();
        assert!(encoder.finish().is_ok());
        let decoded = read_flac(&path).unwrap();
        let expected: Vec<i16> = samples.iter().map(|&s| s as i16).collect();
        assert_eq!(decoded, expected);
    }

    #[test]
    fn a_missing_or_garbage_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.flac");
        std::fs::write(&path, b"not flac").unwrap();
        let error = read_flac(&path).unwrap_err().to_string();
        assert!(error.contains("bad.flac: cannot read FLAC"), "{error}");
    }
}
