//! FLAC encoding with libFLAC: 16-bit, 16 kHz, mono, fixed settings, into memory.
//!
//! The encoder writes into a byte buffer that it can seek in (write, seek and tell
//! callbacks), so at the end it goes back and fills STREAMINFO with the total sample count,
//! the frame sizes and the MD5 of the PCM, as the format asks, exactly as it does in a file:
//! the bytes are those `init_file` writes. No padding or seek table is added (samples are
//! short). The caller gets the whole file as bytes, to hash and write in one go.
//!
//! One [`FlacMemoryEncoder`] serves many files (its buffers are kept), but each file gets a
//! fresh libFLAC encoder: libFLAC lets a finished encoder be initialised again, yet 1.5.0 then
//! leaks 32 KiB per file (`free_()` at finish keeps the first thread task's frame bit writer,
//! whose buffer the next init allocates anew; measured: +32 KiB of RSS per file), and reuse
//! would save little anyway (`FLAC__cpu_info` runs at every init, not at allocation). The
//! crate's flac-bound wrapper offers neither callbacks with seeking nor a raw handle, so this
//! module calls libflac-sys (the library flac-bound builds and links) directly.
//!
//! libFLAC picks its own x86 routines at every init (plain C, SSE2 to SSE4.2, AVX2, FMA); the
//! floating-point ones (the LPC autocorrelation) could in principle round differently and so
//! choose other coefficients, changing the FLAC bytes with the CPU. A form forced with
//! `CAMEO_SIMD` (resample.rs) therefore also limits libFLAC's: `portable` runs its plain C
//! only, `avx` at most SSE4.2, `avx512` all it has, so tests/simd_paths.rs checks that
//! libFLAC's routines agree byte for byte too (unforced, libFLAC uses all the CPU has). They
//! do: `bench` and `short` (4,299 files) gave the same SHA256SUMS with all of libFLAC's x86
//! routines and with none. (Its ARM NEON routines are chosen at compile time and are not
//! covered by this.)
use super::resample::SimdPath;
use super::{AudioError, CANONICAL_RATE};
use libflac_sys as flac;
use std::os::raw::c_void;

/// libFLAC's compression level; fixed because the FLAC bytes must not vary between builds.
const COMPRESSION_LEVEL: u32 = 5;

/// Where libFLAC's callbacks write: the file's bytes and the write position in them.
#[derive(Default)]
struct MemorySink {
    bytes: Vec<u8>,
    position: usize,
}

unsafe extern "C" fn write_callback(
    _encoder: *const flac::FLAC__StreamEncoder,
    buffer: *const flac::FLAC__byte,
    bytes: usize,
    _samples: u32,
    _current_frame: u32,
    client_data: *mut c_void,
) -> flac::FLAC__StreamEncoderWriteStatus {
    // SAFETY: client_data is the boxed MemorySink registered at init, alive and not otherwise
    // borrowed while libFLAC runs; buffer holds `bytes` bytes for the duration of the call.
    let sink = unsafe { &mut *(client_data as *mut MemorySink) };
    let data = if bytes == 0 { &[][..] } else { unsafe { std::slice::from_raw_parts(buffer, bytes) } };
    let end = sink.position + data.len();
    if sink.position == sink.bytes.len() {
        sink.bytes.extend_from_slice(data);
    } else {
        if end > sink.bytes.len() {
            sink.bytes.resize(end, 0);
        }
        sink.bytes[sink.position..end].copy_from_slice(data);
    }
    sink.position = end;
    flac::FLAC__STREAM_ENCODER_WRITE_STATUS_OK
}

unsafe extern "C" fn seek_callback(
    _encoder: *const flac::FLAC__StreamEncoder,
    absolute_byte_offset: flac::FLAC__uint64,
    client_data: *mut c_void,
) -> flac::FLAC__StreamEncoderSeekStatus {
    // SAFETY: as in write_callback.
    let sink = unsafe { &mut *(client_data as *mut MemorySink) };
    match usize::try_from(absolute_byte_offset) {
        Ok(offset) if offset <= sink.bytes.len() => {
            sink.position = offset;
            flac::FLAC__STREAM_ENCODER_SEEK_STATUS_OK
        }
        _ => flac::FLAC__STREAM_ENCODER_SEEK_STATUS_ERROR,
    }
}

unsafe extern "C" fn tell_callback(
    _encoder: *const flac::FLAC__StreamEncoder,
    absolute_byte_offset: *mut flac::FLAC__uint64,
    client_data: *mut c_void,
) -> flac::FLAC__StreamEncoderTellStatus {
    // SAFETY: as in write_callback; libFLAC passes a valid out-pointer.
    let sink = unsafe { &mut *(client_data as *mut MemorySink) };
    unsafe { *absolute_byte_offset = sink.position as flac::FLAC__uint64 };
    flac::FLAC__STREAM_ENCODER_TELL_STATUS_OK
}

// Exported by libFLAC (FLAC_API) for its own test suite and fuzzing, not declared in its public
// headers, hence not in libflac-sys: before init, turns off the x86 instruction sets whose bits
// are set (1 MMX, 2 SSE2, 4 SSSE3, 8 SSE4.1, 16 AVX2, 32 FMA, 64 SSE4.2). Present since FLAC
// 1.4.0; libflac-sys builds 1.5.0.
unsafe extern "C" {
    fn FLAC__stream_encoder_disable_instruction_set(
        encoder: *mut flac::FLAC__StreamEncoder,
        value: flac::FLAC__bool,
    ) -> flac::FLAC__bool;
}

/// The libFLAC instruction sets to turn off: under a forced vector form, those beyond what the
/// form itself may use (see the module comment); unforced, none.
fn libflac_sets_off(forced: Option<SimdPath>) -> flac::FLAC__bool {
    match forced {
        Some(SimdPath::Portable) => 1 | 2 | 4 | 8 | 16 | 32 | 64,
        Some(SimdPath::Avx) => 16 | 32,
        Some(SimdPath::Avx512) | None => 0,
    }
}

/// A libFLAC encoder writing the collection's FLAC format into memory, reusable for one file
/// after another: `start`, `write`…, `finish` (which hands back the file's bytes).
pub struct FlacMemoryEncoder {
    encoder: *mut flac::FLAC__StreamEncoder,
    /// Whether `encoder` has been initialised before (then it is replaced, see above).
    used: bool,
    /// Boxed so that its address, given to libFLAC as client data, never moves.
    sink: Box<MemorySink>,
    /// Whether a stream is started and not yet finished.
    active: bool,
    buffer: Vec<i32>,
    /// libFLAC's instruction sets turned off for every file ([`libflac_sets_off`]).
    sets_off: flac::FLAC__bool,
}

// SAFETY: the encoder and its sink are owned by this value alone and used from one thread at
// a time (every method takes &mut self); libFLAC keeps no thread-bound state in an encoder.
unsafe impl Send for FlacMemoryEncoder {}

impl FlacMemoryEncoder {
    pub fn new() -> Result<Self, AudioError> {
        Self::limited_to(SimdPath::forced())
    }

    /// An encoder whose libFLAC runs the routines allowed under the `forced` form (tests
    /// compare them).
    fn limited_to(forced: Option<SimdPath>) -> Result<Self, AudioError> {
        // SAFETY: a plain constructor; null means out of memory.
        let encoder = unsafe { flac::FLAC__stream_encoder_new() };
        if encoder.is_null() {
            return Err(AudioError::Output("libFLAC could not allocate an encoder".into()));
        }
        Ok(FlacMemoryEncoder {
            encoder,
            used: false,
            sink: Box::default(),
            active: false,
            buffer: Vec::new(),
            sets_off: libflac_sets_off(forced),
        })
    }

    /// Starts a new file; `expected_bytes` sizes the buffer (0 if unknown). A file still open
    /// from an earlier, failed conversion is dropped first.
    pub fn start(&mut self, expected_bytes: usize) -> Result<(), AudioError> {
        self.abandon();
        if self.used {
            // SAFETY: a finished (uninitialised) encoder; a null replacement is refused below.
            let fresh = unsafe { flac::FLAC__stream_encoder_new() };
            if fresh.is_null() {
                return Err(AudioError::Output("libFLAC could not allocate an encoder".into()));
            }
            unsafe { flac::FLAC__stream_encoder_delete(self.encoder) };
            self.encoder = fresh;
        }
        self.used = true;
        self.sink.bytes = Vec::with_capacity(expected_bytes);
        self.sink.position = 0;
        let encoder = self.encoder;
        // SAFETY: the encoder is valid and uninitialised (new, or finished); the sink outlives
        // the stream (it is finished or abandoned before self is dropped).
        let status = unsafe {
            let ok = flac::FLAC__stream_encoder_set_channels(encoder, 1) != 0
                && flac::FLAC__stream_encoder_set_bits_per_sample(encoder, 16) != 0
                && flac::FLAC__stream_encoder_set_sample_rate(encoder, CANONICAL_RATE) != 0
                && flac::FLAC__stream_encoder_set_compression_level(encoder, COMPRESSION_LEVEL) != 0
                && flac::FLAC__stream_encoder_set_verify(encoder, 0) != 0
                && FLAC__stream_encoder_disable_instruction_set(encoder, self.sets_off) != 0;
            if !ok {
                return Err(AudioError::Output(format!("libFLAC refused the settings: {}", self.state())));
            }
            flac::FLAC__stream_encoder_init_stream(
                encoder,
                Some(write_callback),
                Some(seek_callback),
                Some(tell_callback),
                None,
                &mut *self.sink as *mut MemorySink as *mut c_void,
            )
        };
        if status != flac::FLAC__STREAM_ENCODER_INIT_STATUS_OK {
            return Err(AudioError::Output(format!("libFLAC could not start a stream (init status {status})")));
        }
        self.active = true;
        Ok(())
    }

    pub fn write(&mut self, samples: &[i16]) -> Result<(), AudioError> {
        assert!(self.active, "write before start");
        if samples.is_empty() {
            return Ok(());
        }
        self.buffer.clear();
        let buffer = &mut self.buffer;
        super::widest::run(
            #[inline(always)]
            || buffer.extend(samples.iter().map(|&s| s as i32)),
        );
        // The one channel's samples as libFLAC's array of channel buffers: `process` copies
        // them into its frame in one memcpy, where `process_interleaved` moves them one by one.
        let channels = [self.buffer.as_ptr()];
        // SAFETY: an active encoder; the one channel buffer holds samples.len() samples.
        let ok = unsafe { flac::FLAC__stream_encoder_process(self.encoder, channels.as_ptr(), samples.len() as u32) };
        if ok == 0 {
            return Err(AudioError::Output(format!("libFLAC failed to encode: {}", self.state())));
        }
        Ok(())
    }

    /// Flushes the last frame, rewrites STREAMINFO (with the MD5) and returns the file's bytes.
    pub fn finish(&mut self) -> Result<Vec<u8>, AudioError> {
        assert!(self.active, "finish before start");
        self.active = false;
        // SAFETY: an active encoder; finish returns it to the uninitialised state either way.
        let ok = unsafe { flac::FLAC__stream_encoder_finish(self.encoder) };
        let bytes = std::mem::take(&mut self.sink.bytes);
        if ok == 0 {
            return Err(AudioError::Output(format!("libFLAC failed to finish the stream: {}", self.state())));
        }
        Ok(bytes)
    }

    /// Ends a started stream whose bytes are not wanted.
    fn abandon(&mut self) {
        if self.active {
            self.active = false;
            // SAFETY: an active encoder.
            unsafe { flac::FLAC__stream_encoder_finish(self.encoder) };
        }
    }

    fn state(&self) -> String {
        // SAFETY: a valid encoder; the state is an index into libFLAC's static string table.
        unsafe {
            let state = flac::FLAC__stream_encoder_get_state(self.encoder);
            let names = flac::FLAC__StreamEncoderStateString.as_ptr();
            std::ffi::CStr::from_ptr(*names.add(state as usize)).to_string_lossy().into_owned()
        }
    }
}

impl Drop for FlacMemoryEncoder {
    fn drop(&mut self) {
        self.abandon();
        // SAFETY: the encoder was allocated by FLAC__stream_encoder_new and is dropped once.
        unsafe { flac::FLAC__stream_encoder_delete(self.encoder) };
    }
}

// By hand: libFLAC's encoder is a raw pointer.
impl std::fmt::Debug for FlacMemoryEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlacMemoryEncoder").field("used", &self.used).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The samples written through flac-bound's file encoder, as the build wrote them before.
    fn file_bytes(samples: &[i16]) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.flac");
        let mut encoder = flac_bound::FlacEncoder::new()
            .unwrap()
            .channels(1)
            .bits_per_sample(16)
            .sample_rate(CANONICAL_RATE)
            .compression_level(COMPRESSION_LEVEL)
            .verify(false)
            .init_file(&path)
            .unwrap();
        let wide: Vec<i32> = samples.iter().map(|&s| s as i32).collect();
        for piece in wide.chunks(5_000) {
            encoder.process_interleaved(piece, piece.len() as u32).unwrap();
        }
        encoder.finish().unwrap();
        std::fs::read(&path).unwrap()
    }

    #[test]
    fn memory_bytes_equal_file_bytes_and_the_encoder_is_reusable() {
        let mut encoder = FlacMemoryEncoder::new().unwrap();
        for (length, seed) in [(40_000usize, 3u32), (1, 5), (4_097, 7), (123_457, 11)] {
            let samples: Vec<i16> =
                (0..length as u32).map(|i| ((i.wrapping_mul(2_654_435_761) ^ seed) >> 19) as i16).collect();
            encoder.start(0).unwrap();
            for piece in samples.chunks(3_333) {
                encoder.write(piece).unwrap();
            }
            let bytes = encoder.finish().unwrap();
            assert!(bytes == file_bytes(&samples), "{length} samples");
        }
        // A stream left unfinished (a failed conversion) does not spoil the next one.
        encoder.start(0).unwrap();
        encoder.write(&[1, 2, 3]).unwrap();
        encoder.start(0).unwrap();
        encoder.write(&[4, 5]).unwrap();
        assert!(encoder.finish().unwrap() == file_bytes(&[4, 5]));
    }

    /// Encodes `samples` with libFLAC limited to the routines allowed under `path`.
    fn encoded_under(path: SimdPath, samples: &[i16]) -> Vec<u8> {
        let mut encoder = FlacMemoryEncoder::limited_to(Some(path)).unwrap();
        encoder.start(0).unwrap();
        encoder.write(samples).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn libflac_plain_sse_and_avx2_fma_routines_write_the_same_bytes() {
        // Turning a set off is safe on any CPU, so every x86 machine compares all three.
        // Quantised as the pipeline does it, so libFLAC sees what a build gives it.
        let quantised = |signal: Vec<f64>, gain: f64| -> Vec<i16> {
            signal.iter().map(|x| crate::audio::canonical::quantize(x * gain).unwrap()).collect()
        };
        let speech = |seed: u64, seconds: f64| crate::fixtures::signal::speechlike(seed, CANONICAL_RATE, seconds);
        let signals: Vec<(String, Vec<i16>)> = vec![
            ("speech-like, 5 s".into(), quantised(speech(1, 5.0), 1.0)),
            ("speech-like, quiet, 2.3 s".into(), quantised(speech(2, 2.3), 0.01)),
            ("speech-like, clipped".into(), quantised(speech(3, 3.0), 8.0)),
            ("white noise".into(), (0..50_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 16) as i16).collect()),
            ("silence".into(), vec![0; 20_000]),
            ("one sample".into(), vec![-7]),
        ];
        for (name, samples) in &signals {
            let plain = encoded_under(SimdPath::Portable, samples);
            for path in [SimdPath::Avx, SimdPath::Avx512] {
                assert!(encoded_under(path, samples) == plain, "{name}: libFLAC under {path:?} differs from plain C");
            }
        }
    }
}
