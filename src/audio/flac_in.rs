//! FLAC decoding. Sources are decoded with libFLAC, the reference decoder, streamed frame by
//! frame (long recordings never sit in memory): on a PAVOQUE-length recording it takes about
//! 0.6 of claxon's time (docs/throughput.md). libFLAC resynchronises after a damaged frame and
//! fills a lost one with silence, as a player should; a build must not, so the first error it
//! reports ends the stream with that error. A build's own FLAC files are read back (`verify`,
//! the evaluation runner) with claxon: a decoder independent of the libFLAC that wrote them.
use super::blocks::{read_blocks, BlockBuffer, BlockDecoder};
use super::{AudioError, PcmStream};
use libflac_sys as flac;
use std::fs::File;
use std::io::Read;
use std::os::raw::c_void;
use std::path::Path;

/// A FLAC source decoded by libFLAC.
pub struct FlacStream<R: Read = File> {
    decoder: *mut flac::FLAC__StreamDecoder,
    /// Boxed so that its address, given to libFLAC as client data, never moves.
    client: Box<Client<R>>,
    sample_rate: u32,
    channels: u16,
}

// SAFETY: the decoder and its client are owned by this value alone and used from one thread
// at a time (every method takes &mut self); libFLAC keeps no thread-bound state in a decoder.
unsafe impl<R: Read + Send> Send for FlacStream<R> {}

/// What libFLAC's callbacks share with the stream: the source, STREAMINFO, the current
/// frame's mono frames and the first thing that went wrong.
struct Client<R> {
    source: R,
    info: Option<flac::FLAC__StreamMetadata_StreamInfo>,
    /// 2^-(bits - 1): a sample times this is the sample divided by 2^(bits - 1), exactly (a
    /// power of two), and a multiplication costs less than a division.
    unit: f64,
    blocks: BlockBuffer,
    /// Whether a frame was decoded since the stream last asked for one.
    frame_decoded: bool,
    decoded: u64,
    /// The samples STREAMINFO declares, when it knows.
    total: Option<u64>,
    /// Bytes handed to libFLAC so far, and whether a read of the source has returned nothing.
    bytes_read: u64,
    source_ended: bool,
    /// Where the last whole frame (or the metadata) ends in the source, when libFLAC says.
    decoded_to: Option<u64>,
    failure: Option<AudioError>,
}

impl<R> Client<R> {
    /// Keeps the first failure: later ones follow from it.
    fn fail(&mut self, error: AudioError) {
        self.failure.get_or_insert(error);
    }
}

unsafe extern "C" fn read_callback<R: Read>(
    _decoder: *const flac::FLAC__StreamDecoder,
    buffer: *mut flac::FLAC__byte,
    bytes: *mut usize,
    client_data: *mut c_void,
) -> flac::FLAC__StreamDecoderReadStatus {
    // SAFETY: client_data is the boxed Client registered at init, alive and not otherwise
    // borrowed while libFLAC runs; buffer has room for *bytes bytes (never 0, libFLAC checks).
    let client = unsafe { &mut *(client_data as *mut Client<R>) };
    let room = unsafe { std::slice::from_raw_parts_mut(buffer, *bytes) };
    loop {
        match client.source.read(room) {
            Ok(read) => {
                unsafe { *bytes = read };
                client.bytes_read += read as u64;
                client.source_ended |= read == 0;
                return if read == 0 {
                    flac::FLAC__STREAM_DECODER_READ_STATUS_END_OF_STREAM
                } else {
                    flac::FLAC__STREAM_DECODER_READ_STATUS_CONTINUE
                };
            }
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => {
                client.fail(AudioError::Io(error));
                unsafe { *bytes = 0 };
                return flac::FLAC__STREAM_DECODER_READ_STATUS_ABORT;
            }
        }
    }
}

/// Where libFLAC is in the source: the bytes it was given (it subtracts those it has not yet
/// consumed to tell where the last complete frame ends).
unsafe extern "C" fn tell_callback<R>(
    _decoder: *const flac::FLAC__StreamDecoder,
    absolute_byte_offset: *mut flac::FLAC__uint64,
    client_data: *mut c_void,
) -> flac::FLAC__StreamDecoderTellStatus {
    // SAFETY: as in read_callback; libFLAC passes a valid out-pointer.
    let client = unsafe { &*(client_data as *const Client<R>) };
    unsafe { *absolute_byte_offset = client.bytes_read };
    flac::FLAC__STREAM_DECODER_TELL_STATUS_OK
}

unsafe extern "C" fn metadata_callback<R>(
    _decoder: *const flac::FLAC__StreamDecoder,
    metadata: *const flac::FLAC__StreamMetadata,
    client_data: *mut c_void,
) {
    // SAFETY: as in read_callback; metadata is valid for the call, and its union holds
    // stream_info when its type says STREAMINFO (the only block libFLAC reports by default).
    let client = unsafe { &mut *(client_data as *mut Client<R>) };
    let metadata = unsafe { &*metadata };
    if metadata.type_ == flac::FLAC__METADATA_TYPE_STREAMINFO {
        client.info = Some(unsafe { metadata.data.stream_info });
    }
}

unsafe extern "C" fn write_callback<R>(
    decoder: *const flac::FLAC__StreamDecoder,
    frame: *const flac::FLAC__Frame,
    buffer: *const *const flac::FLAC__int32,
    client_data: *mut c_void,
) -> flac::FLAC__StreamDecoderWriteStatus {
    // SAFETY: as in read_callback; frame is valid for the call, and buffer holds one pointer
    // per channel of the frame, each to `blocksize` samples.
    let client = unsafe { &mut *(client_data as *mut Client<R>) };
    let header = unsafe { &(*frame).header };
    // A frame after an error: libFLAC's resynchronisation or its silence for a lost frame.
    if client.failure.is_some() {
        return flac::FLAC__STREAM_DECODER_WRITE_STATUS_ABORT;
    }
    let Some(info) = client.info else {
        client.fail(AudioError::Malformed("FLAC: a frame before STREAMINFO".into()));
        return flac::FLAC__STREAM_DECODER_WRITE_STATUS_ABORT;
    };
    // The scale and the channel count come from STREAMINFO: a frame that differs is invalid.
    if header.channels != info.channels || header.bits_per_sample != info.bits_per_sample {
        client.fail(AudioError::Malformed(format!(
            "FLAC: a frame of {} channel(s) at {} bits in a stream of {} at {}",
            header.channels, header.bits_per_sample, info.channels, info.bits_per_sample
        )));
        return flac::FLAC__STREAM_DECODER_WRITE_STATUS_ABORT;
    }
    let frames = header.blocksize as usize;
    // FLAC has at most 8 channels.
    let mut channels: [&[i32]; 8] = [&[]; 8];
    let count = (header.channels as usize).min(8);
    for (c, slice) in channels[..count].iter_mut().enumerate() {
        *slice = unsafe { std::slice::from_raw_parts(*buffer.add(c), frames) };
    }
    let unit = client.unit;
    let pending = client.blocks.start_block();
    super::widest::run(
        #[inline(always)]
        || push_block_mono(&channels[..count], unit, pending),
    );
    client.decoded += frames as u64;
    client.frame_decoded = true;
    // SAFETY: the decoder calling back; its tell_callback reads the client, which no live
    // reference holds during the call (`client` is not used again; one is made afresh).
    let position = unsafe { decode_position(decoder) };
    let client = unsafe { &mut *(client_data as *mut Client<R>) };
    client.decoded_to = position;
    flac::FLAC__STREAM_DECODER_WRITE_STATUS_CONTINUE
}

unsafe extern "C" fn error_callback<R>(
    _decoder: *const flac::FLAC__StreamDecoder,
    status: flac::FLAC__StreamDecoderErrorStatus,
    client_data: *mut c_void,
) {
    // SAFETY: as in read_callback.
    let client = unsafe { &mut *(client_data as *mut Client<R>) };
    let what = match status {
        flac::FLAC__STREAM_DECODER_ERROR_STATUS_LOST_SYNC => "lost sync (bytes that are not a frame)",
        flac::FLAC__STREAM_DECODER_ERROR_STATUS_BAD_HEADER => "a bad frame header",
        flac::FLAC__STREAM_DECODER_ERROR_STATUS_FRAME_CRC_MISMATCH => "a frame CRC mismatch (damaged data)",
        flac::FLAC__STREAM_DECODER_ERROR_STATUS_UNPARSEABLE_STREAM => "an unparseable stream",
        flac::FLAC__STREAM_DECODER_ERROR_STATUS_BAD_METADATA => "bad metadata",
        flac::FLAC__STREAM_DECODER_ERROR_STATUS_OUT_OF_BOUNDS => "a residual out of bounds",
        flac::FLAC__STREAM_DECODER_ERROR_STATUS_MISSING_FRAME => "a missing frame",
        _ => "an error libFLAC does not name",
    };
    // libFLAC meets the end of a file cut inside a frame as bytes that are not a frame: lost
    // sync after the last byte was read, with samples still missing, is a truncation.
    let short = client.total != Some(client.decoded);
    if status == flac::FLAC__STREAM_DECODER_ERROR_STATUS_LOST_SYNC && client.source_ended && short {
        return client.fail(AudioError::Truncated("FLAC stream ends inside a frame".into()));
    }
    client.fail(AudioError::Malformed(format!("FLAC: {what}")));
}

/// Names a claxon error (claxon reads a build's own FLAC files back).
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
        // No BufReader: libFLAC reads into a buffer of its own, in large pieces.
        FlacStream::new(File::open(path)?)
    }
}

impl<R: Read> FlacStream<R> {
    pub fn new(source: R) -> Result<Self, AudioError> {
        // SAFETY: a plain constructor; null means out of memory.
        let decoder = unsafe { flac::FLAC__stream_decoder_new() };
        if decoder.is_null() {
            return Err(AudioError::Malformed("libFLAC could not allocate a decoder".into()));
        }
        let client = Box::new(Client {
            source,
            info: None,
            unit: 0.0,
            blocks: BlockBuffer::default(),
            frame_decoded: false,
            decoded: 0,
            total: None,
            bytes_read: 0,
            source_ended: false,
            decoded_to: None,
            failure: None,
        });
        // Owned from here: dropping the stream deletes the decoder.
        let mut stream = FlacStream { decoder, client, sample_rate: 0, channels: 0 };
        // SAFETY: a new, uninitialised decoder; the client outlives it (the decoder is deleted
        // first, in drop). No seek, length or eof callbacks: the source is read once, front
        // to back, and its end is where a read returns nothing.
        let status = unsafe {
            flac::FLAC__stream_decoder_init_stream(
                decoder,
                Some(read_callback::<R>),
                None,
                Some(tell_callback::<R>),
                None,
                None,
                Some(write_callback::<R>),
                Some(metadata_callback::<R>),
                Some(error_callback::<R>),
                &mut *stream.client as *mut Client<R> as *mut c_void,
            )
        };
        if status != flac::FLAC__STREAM_DECODER_INIT_STATUS_OK {
            return Err(AudioError::Malformed(format!("libFLAC could not start decoding (init status {status})")));
        }
        // SAFETY: an initialised decoder.
        let read = unsafe { flac::FLAC__stream_decoder_process_until_end_of_metadata(decoder) } != 0;
        if let Some(failure) = stream.client.failure.take() {
            return Err(failure);
        }
        let info = match stream.client.info {
            Some(info) if read => info,
            _ if stream.ended() => return Err(AudioError::Truncated("FLAC stream ends inside its metadata".into())),
            _ => return Err(AudioError::Malformed(format!("FLAC metadata unreadable ({})", stream.state()))),
        };
        if info.sample_rate == 0 {
            return Err(AudioError::Malformed("FLAC STREAMINFO declares a sample rate of 0 Hz".into()));
        }
        stream.client.unit = 1.0 / (1u64 << (info.bits_per_sample.clamp(1, 32) - 1)) as f64;
        stream.sample_rate = info.sample_rate;
        stream.channels = info.channels as u16;
        // 0 is "unknown" (a stream written without going back to its header).
        stream.client.total = Some(info.total_samples).filter(|&total| total > 0);
        // SAFETY: a valid decoder; tell_callback only reads the client.
        stream.client.decoded_to = unsafe { decode_position(decoder) };
        Ok(stream)
    }

    /// Whether libFLAC has met the end of the source.
    fn ended(&self) -> bool {
        // SAFETY: a valid decoder.
        unsafe { flac::FLAC__stream_decoder_get_state(self.decoder) == flac::FLAC__STREAM_DECODER_END_OF_STREAM }
    }

    /// Where libFLAC stands, in its own words (its state's name).
    fn state(&self) -> String {
        // SAFETY: a valid decoder; the state is an index into libFLAC's static string table.
        unsafe {
            let state = flac::FLAC__stream_decoder_get_state(self.decoder);
            let names = flac::FLAC__StreamDecoderStateString.as_ptr();
            std::ffi::CStr::from_ptr(*names.add(state as usize)).to_string_lossy().into_owned()
        }
    }

    /// The end of the stream: no more frames, and an error if STREAMINFO promised more or the
    /// source holds bytes after the last whole frame.
    fn end(&mut self) -> Result<(), AudioError> {
        self.client.blocks.start_block();
        self.client.blocks.finished = true;
        // libFLAC drops a last frame cut inside its footer without a word: bytes after the end
        // of the last frame it decoded show it.
        if self.client.decoded_to.is_some_and(|end| end < self.client.bytes_read) {
            return Err(AudioError::Truncated("FLAC stream ends inside a frame".into()));
        }
        // A file cut at a frame boundary decodes cleanly; STREAMINFO knows better.
        match self.client.total.filter(|&total| total != self.client.decoded) {
            Some(total) => Err(AudioError::Truncated(format!(
                "FLAC stream ends after {} of the {total} samples STREAMINFO declares",
                self.client.decoded
            ))),
            None => Ok(()),
        }
    }
}

/// Where in the source libFLAC has consumed up to (None if it cannot say).
///
/// # Safety
/// `decoder` must be a valid, initialised decoder whose client is not borrowed mutably.
unsafe fn decode_position(decoder: *const flac::FLAC__StreamDecoder) -> Option<u64> {
    let mut position = 0;
    (unsafe { flac::FLAC__stream_decoder_get_decode_position(decoder, &mut position) } != 0).then_some(position)
}

impl<R: Read> Drop for FlacStream<R> {
    fn drop(&mut self) {
        // SAFETY: a valid decoder, owned; deleting it finishes it first (which reads nothing:
        // no MD5 check is asked for).
        unsafe { flac::FLAC__stream_decoder_delete(self.decoder) };
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
        &mut self.client.blocks
    }

    fn decode_next_block(&mut self) -> Result<(), AudioError> {
        self.client.frame_decoded = false;
        while !self.client.frame_decoded {
            if self.ended() {
                return self.end();
            }
            // SAFETY: an initialised decoder; its callbacks fill the client.
            let ok = unsafe { flac::FLAC__stream_decoder_process_single(self.decoder) } != 0;
            if let Some(failure) = self.client.failure.take() {
                return Err(failure);
            }
            if !ok {
                // libFLAC reports the end of the source inside a frame by failing; at a frame
                // boundary it succeeds and the loop ends the stream above.
                if self.ended() {
                    return Err(AudioError::Truncated("FLAC stream ends inside a frame".into()));
                }
                return Err(AudioError::Malformed(format!("FLAC: libFLAC stopped ({})", self.state())));
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
        self.client.total
    }

    fn read_mono(&mut self, max_frames: usize, out: &mut Vec<f64>) -> Result<usize, AudioError> {
        read_blocks(self, max_frames, out)
    }
}

// By hand: libFLAC's decoder is a raw pointer.
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

    /// A mono 16-bit file of `frames` samples (a few frames of 4,096), as bytes.
    fn flac_bytes(dir: &Path, frames: i32) -> Vec<u8> {
        let path = dir.join("whole.flac");
        let interleaved: Vec<i32> = (0..frames).map(|i| (i * 7_919 % 50_000) - 25_000).collect();
        write_flac(&path, 1, 16, 16_000, &interleaved);
        std::fs::read(&path).unwrap()
    }

    /// The error that decoding `bytes` ends in (opening included); decoding them whole fails
    /// the test.
    fn error_of(bytes: &[u8]) -> String {
        match read_all_bytes(bytes) {
            Ok(out) => panic!("decoded {} frames without an error", out.len()),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn decodes_the_same_samples_as_claxon() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.flac");
        let interleaved: Vec<i32> =
            (0..50_000).flat_map(|i| [(i * 7_919 % 16_000_000) - 8_000_000, (i * 31 % 9_000) - 4_500]).collect();
        write_flac(&path, 2, 24, 48_000, &interleaved);
        let (_, _, ours) = read_all(&path).unwrap();
        let mut reader = claxon::FlacReader::open(&path).unwrap();
        let samples: Vec<i32> = reader.samples().map(Result::unwrap).collect();
        let theirs: Vec<f64> =
            samples.chunks(2).map(|pair| (pair[0] as f64 + pair[1] as f64) / 2.0 / 8_388_608.0).collect();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn a_damaged_frame_is_an_error_not_resynchronised_over() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = flac_bytes(dir.path(), 40_000);
        // Bytes in the middle of the audio: libFLAC finds the frame's CRC wrong, skips to the
        // next frame and would fill the gap with silence.
        let middle = bytes.len() / 2;
        for byte in &mut bytes[middle..middle + 8] {
            *byte ^= 0x5a;
        }
        let error = error_of(&bytes);
        assert!(error.starts_with("malformed audio: FLAC: "), "{error}");
    }

    #[test]
    fn bytes_after_the_last_frame_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = flac_bytes(dir.path(), 20_000);
        bytes.extend_from_slice(b"TAG not a frame, e.g. an ID3v1 tag left at the end of the file");
        let error = error_of(&bytes);
        assert!(error.contains("lost sync"), "{error}");
    }

    #[test]
    fn a_stream_cut_inside_a_frame_is_truncated_even_without_a_total() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = flac_bytes(dir.path(), 20_000);
        // STREAMINFO's total sample count (36 bits from bit 4 of byte 21): 0, "unknown".
        bytes[21] &= 0xf0;
        bytes[22..26].fill(0);
        let whole = read_all_bytes(&bytes).unwrap();
        assert_eq!(whole.len(), 20_000);
        for cut in [1, 2, 3, 100, 3_000] {
            let error = error_of(&bytes[..bytes.len() - cut]);
            assert!(error.starts_with("truncated audio: FLAC stream ends inside a frame"), "cut {cut}: {error}");
        }
    }

    #[test]
    fn a_stream_cut_inside_its_metadata_is_truncated() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = flac_bytes(dir.path(), 1_000);
        let error = error_of(&bytes[..20]);
        assert!(error.contains("inside its metadata"), "{error}");
    }

    fn read_all_bytes(bytes: &[u8]) -> Result<Vec<f64>, AudioError> {
        let mut stream = FlacStream::new(std::io::Cursor::new(bytes.to_vec()))?;
        let mut out = Vec::new();
        while stream.read_mono(777, &mut out)? > 0 {}
        Ok(out)
    }
}
