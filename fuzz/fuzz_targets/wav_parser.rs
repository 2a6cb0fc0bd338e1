//! Any bytes given to the WAV reader are decoded or refused with an error, never a panic, an
//! endless loop or an allocation driven by a declared size.
#![no_main]
use cameo::audio::wav::WavReader;
use cameo::audio::PcmStream;
use libfuzzer_sys::fuzz_target;
use std::io::Cursor;

fuzz_target!(|data: &[u8]| {
    let Ok(mut reader) = WavReader::new(Cursor::new(data)) else { return };
    let mut out = Vec::new();
    // A stream can never yield more frames than the input has bytes.
    let mut frames = 0usize;
    while let Ok(read) = reader.read_mono(4_096, &mut out) {
        if read == 0 {
            break;
        }
        frames += read;
        assert!(frames <= data.len(), "more frames than input bytes");
        out.clear();
    }
});
