//! Streaming reader for the audio track of an AVI file (RIFF form type `AVI `).
//!
//! An AVI is a RIFF list: `LIST hdrl` holds one `LIST strl` per stream (a `strh` header whose
//! `fccType` says `vids`, `auds`, … and a `strf` format: for audio a WAVEFORMATEX), and
//! `LIST movi` holds the interleaved data chunks, named by stream number and kind (`00dc` a
//! video frame of stream 0, `01wb` audio of stream 1), optionally grouped in `LIST rec `.
//! OpenDML (AVI 2.0) files larger than 1 GB continue in further `RIFF AVIX` lists, each with
//! its own `LIST movi`. We decode the first audio stream's chunks in file order, one chunk at
//! a time, so memory stays flat whatever the length of the recording; the `idx1`/`indx`
//! indexes are not needed for a front-to-back read and are ignored.
//!
//! Only PCM audio is decoded (integer 8/16/24/32-bit, float, WAVE_FORMAT_EXTENSIBLE PCM). Any
//! other codec is an [`AudioError::Unsupported`] naming its format tag, and an AVI without an
//! audio stream is [`AudioError::NoAudioTrack`]: both are what the build reports as the reject
//! reason for the file.
use super::riff::{fourcc, read_chunk_header, read_exact_or, ChunkHeader};
use super::wav::{parse_fmt, push_mono, WavFormat, FORMAT_EXTENSIBLE, FORMAT_IEEE_FLOAT, FORMAT_PCM};
use super::{AudioError, PcmStream};
use std::io::{BufReader, Read, Seek, SeekFrom};

/// Upper bound on a header chunk we read into memory (`strh`, `strf`); real ones are < 100 B.
const MAX_HEADER_CHUNK: u64 = 64 * 1024;

/// `LIST rec ` groups may not nest in practice; this bounds the walk on a hostile file.
const MAX_LIST_DEPTH: usize = 8;

/// Names of the audio format tags an AVI is likely to carry, for error messages.
fn format_tag_name(tag: u16) -> &'static str {
    match tag {
        0x0001 => "PCM",
        0x0002 => "Microsoft ADPCM",
        0x0003 => "IEEE float",
        0x0006 => "A-law",
        0x0007 => "mu-law",
        0x0011 => "IMA ADPCM",
        0x0050 => "MPEG-1 Layer I/II",
        0x0055 => "MPEG Layer III (MP3)",
        0x00FF => "AAC",
        0x2000 => "AC-3",
        0x2001 => "DTS",
        0xFFFE => "WAVE_FORMAT_EXTENSIBLE",
        _ => "unknown codec",
    }
}

/// A reader over the file that knows its absolute position, so that moving to the next chunk
/// is a relative seek that keeps the buffer when the target is close (skipping a video frame).
struct Positioned<R> {
    inner: BufReader<R>,
    position: u64,
}

impl<R: Read + Seek> Positioned<R> {
    fn goto(&mut self, target: u64) -> Result<(), AudioError> {
        if target != self.position {
            // Positions stay below 2^34 (a file's length plus one 32-bit chunk size): no overflow.
            self.inner.seek_relative(target as i64 - self.position as i64)?;
            self.position = target;
        }
        Ok(())
    }

    fn header_at(&mut self, position: u64) -> Result<ChunkHeader, AudioError> {
        self.goto(position)?;
        let header = read_chunk_header(&mut self.inner, position)?;
        self.position += 8;
        Ok(header)
    }

    fn fourcc_at(&mut self, position: u64, what: &str) -> Result<[u8; 4], AudioError> {
        self.goto(position)?;
        let mut id = [0u8; 4];
        read_exact_or(&mut self.inner, &mut id, what)?;
        self.position += 4;
        Ok(id)
    }

    fn read_body(&mut self, chunk: &ChunkHeader, what: &str) -> Result<Vec<u8>, AudioError> {
        if chunk.size > MAX_HEADER_CHUNK {
            return Err(AudioError::Malformed(format!("{what} declares {} bytes", chunk.size)));
        }
        self.goto(chunk.body_start)?;
        let mut body = vec![0u8; chunk.size as usize];
        read_exact_or(&mut self.inner, &mut body, what)?;
        self.position += chunk.size;
        Ok(body)
    }

    fn read_into(&mut self, buf: &mut [u8], what: &str) -> Result<(), AudioError> {
        read_exact_or(&mut self.inner, buf, what)?;
        self.position += buf.len() as u64;
        Ok(())
    }
}

/// Checks that a chunk's body lies inside its container (and the file).
fn check_inside(chunk: &ChunkHeader, container_end: u64, file_len: u64, what: &str) -> Result<(), AudioError> {
    if chunk.body_end() > file_len {
        return Err(AudioError::Truncated(format!(
            "{what} at offset {} declares {} bytes but only {} remain in the file",
            chunk.body_start - 8,
            chunk.size,
            file_len - chunk.body_start.min(file_len)
        )));
    }
    if chunk.body_end() > container_end {
        return Err(AudioError::Malformed(format!(
            "{what} at offset {} declares {} bytes, past the end of its list at offset {container_end}",
            chunk.body_start - 8,
            chunk.size
        )));
    }
    Ok(())
}

/// The audio stream chosen from `hdrl`.
struct AudioStream {
    /// Data chunk id, e.g. `01wb`.
    chunk_id: [u8; 4],
    format: WavFormat,
}

/// What `hdrl` says about the streams.
struct Streams {
    audio: Option<AudioStream>,
    /// `fccType` of every stream, for the "no audio track" message.
    kinds: Vec<[u8; 4]>,
}

/// Turns an audio stream's `strf` body into a decodable format, or names the codec we do not
/// decode.
fn audio_format(strf: &[u8], stream: usize) -> Result<WavFormat, AudioError> {
    if strf.len() < 2 {
        return Err(AudioError::Malformed(format!("audio stream {stream}: strf of {} bytes", strf.len())));
    }
    let mut tag = u16::from_le_bytes([strf[0], strf[1]]);
    if tag == FORMAT_EXTENSIBLE && strf.len() >= 26 {
        // The sub-format GUID starts with the ordinary format tag.
        tag = u16::from_le_bytes([strf[24], strf[25]]);
    }
    if tag != FORMAT_PCM && tag != FORMAT_IEEE_FLOAT {
        return Err(AudioError::Unsupported(format!(
            "AVI audio stream {stream} has format tag {tag:#06x} ({}); only PCM audio is decoded",
            format_tag_name(tag)
        )));
    }
    parse_fmt(strf).map_err(|error| match error {
        AudioError::Malformed(message) => AudioError::Malformed(format!("AVI audio stream {stream}: {message}")),
        other => other,
    })
}

/// Reads `LIST hdrl` (body in `[start, end)`, after the `hdrl` list type).
fn read_hdrl<R: Read + Seek>(
    reader: &mut Positioned<R>,
    start: u64,
    end: u64,
    file_len: u64,
) -> Result<Streams, AudioError> {
    let mut streams = Streams { audio: None, kinds: Vec::new() };
    let mut position = start;
    while position + 8 <= end {
        let chunk = reader.header_at(position)?;
        check_inside(&chunk, end, file_len, "a header chunk")?;
        if &chunk.id == b"LIST" && chunk.size >= 4 && &reader.fourcc_at(chunk.body_start, "a list type")? == b"strl" {
            let index = streams.kinds.len();
            let (kind, format) = read_strl(reader, &chunk, index, file_len)?;
            streams.kinds.push(kind);
            if &kind == b"auds" && streams.audio.is_none() {
                let format = format.ok_or_else(|| {
                    AudioError::Malformed(format!("AVI audio stream {index} has no strf format chunk"))
                })?;
                if index > 99 {
                    return Err(AudioError::Malformed(format!("AVI audio stream number {index} exceeds 99")));
                }
                let digits = format!("{index:02}");
                let digits = digits.as_bytes();
                streams.audio = Some(AudioStream {
                    chunk_id: [digits[0], digits[1], b'w', b'b'],
                    format: audio_format(&format, index)?,
                });
            }
        }
        position = chunk.next();
    }
    Ok(streams)
}

/// Reads one `LIST strl`: the stream's `fccType` and, for audio, the `strf` body.
fn read_strl<R: Read + Seek>(
    reader: &mut Positioned<R>,
    list: &ChunkHeader,
    index: usize,
    file_len: u64,
) -> Result<([u8; 4], Option<Vec<u8>>), AudioError> {
    let mut kind = None;
    let mut format = None;
    let mut position = list.body_start + 4;
    while position + 8 <= list.body_end() {
        let chunk = reader.header_at(position)?;
        check_inside(&chunk, list.body_end(), file_len, "a stream header chunk")?;
        match &chunk.id {
            b"strh" => {
                let body = reader.read_body(&chunk, "the strh chunk")?;
                let Some(fcc) = body.get(0..4) else {
                    return Err(AudioError::Malformed(format!("stream {index}: strh of {} bytes", chunk.size)));
                };
                kind = Some([fcc[0], fcc[1], fcc[2], fcc[3]]);
            }
            // strh comes first; only an audio format is read (a video strf can be large).
            b"strf" if kind == Some(*b"auds") => format = Some(reader.read_body(&chunk, "the strf chunk")?),
            _ => {}
        }
        position = chunk.next();
    }
    let kind = kind.ok_or_else(|| AudioError::Malformed(format!("AVI stream {index} has no strh header")))?;
    Ok((kind, format))
}

/// The data region of one `LIST movi`: from after its `movi` type to its end.
#[derive(Debug, Clone, Copy)]
struct MoviRange {
    start: u64,
    end: u64,
}

/// Finds the `LIST movi` ranges of every RIFF list (`AVI ` then any `AVIX`), and `hdrl`.
fn read_layout<R: Read + Seek>(
    reader: &mut Positioned<R>,
    file_len: u64,
) -> Result<(Streams, Vec<MoviRange>), AudioError> {
    let mut streams = None;
    let mut movi = Vec::new();
    let mut position = 0u64;
    let mut riff_index = 0usize;
    // Top level: `RIFF AVI `, then optional `RIFF AVIX` lists; a few trailing bytes (padding
    // some writers leave) are not a chunk.
    while position + 8 <= file_len {
        let riff = reader.header_at(position)?;
        if riff_index == 0 && &riff.id != b"RIFF" {
            return Err(AudioError::Malformed("not a RIFF/AVI file".into()));
        }
        let what =
            if riff_index == 0 { "the RIFF AVI list".to_string() } else { format!("top-level chunk {riff_index}") };
        check_inside(&riff, u64::MAX, file_len, &what)?;
        let form = if &riff.id == b"RIFF" && riff.size >= 4 {
            Some(reader.fourcc_at(riff.body_start, "the RIFF form type")?)
        } else {
            None
        };
        match (riff_index, form.as_ref()) {
            (0, Some(b"AVI ")) => {}
            (0, _) => return Err(AudioError::Malformed("not a RIFF/AVI file".into())),
            (_, Some(b"AVIX")) => {}
            // Anything else after the first list (JUNK, another form) holds no movi of ours.
            _ => {
                position = riff.next();
                riff_index += 1;
                continue;
            }
        }
        let mut child = riff.body_start + 4;
        while child + 8 <= riff.body_end() {
            let chunk = reader.header_at(child)?;
            check_inside(&chunk, riff.body_end(), file_len, &format!("chunk {}", fourcc(&chunk.id)))?;
            if &chunk.id == b"LIST" && chunk.size >= 4 {
                match &reader.fourcc_at(chunk.body_start, "a list type")? {
                    b"hdrl" if riff_index == 0 && streams.is_none() => {
                        streams = Some(read_hdrl(reader, chunk.body_start + 4, chunk.body_end(), file_len)?);
                    }
                    b"movi" => movi.push(MoviRange { start: chunk.body_start + 4, end: chunk.body_end() }),
                    _ => {}
                }
            }
            child = chunk.next();
        }
        position = riff.next();
        riff_index += 1;
    }
    let streams = streams.ok_or_else(|| AudioError::Malformed("AVI has no LIST hdrl header".into()))?;
    if movi.is_empty() {
        return Err(AudioError::Malformed("AVI has no LIST movi data".into()));
    }
    Ok((streams, movi))
}

/// Walks the data chunks of the movi ranges in file order, descending into `LIST rec `
/// groups, and yields the chunks of one stream. Holds only positions, never data.
#[derive(Debug, Clone)]
struct MoviWalker {
    ranges: Vec<MoviRange>,
    range: usize,
    position: u64,
    /// Ends of the `LIST rec ` groups we are inside, innermost last.
    open_lists: Vec<u64>,
}

impl MoviWalker {
    fn new(ranges: Vec<MoviRange>) -> Self {
        let position = ranges.first().map_or(0, |r| r.start);
        MoviWalker { ranges, range: 0, position, open_lists: Vec::new() }
    }

    /// The next chunk with id `wanted`, or `None` after the last movi list.
    fn next_chunk<R: Read + Seek>(
        &mut self,
        reader: &mut Positioned<R>,
        wanted: &[u8; 4],
        file_len: u64,
    ) -> Result<Option<ChunkHeader>, AudioError> {
        loop {
            let Some(range) = self.ranges.get(self.range).copied() else {
                return Ok(None);
            };
            let end = self.open_lists.last().copied().unwrap_or(range.end);
            if self.position + 8 > end {
                // Past the end of a group or of the movi list (a short tail is padding).
                if self.open_lists.pop().is_some() {
                    self.position = self.position.max(end);
                } else {
                    self.range += 1;
                    self.position = self.ranges.get(self.range).map_or(0, |r| r.start);
                }
                continue;
            }
            let chunk = reader.header_at(self.position)?;
            check_inside(&chunk, end, file_len, &format!("movi chunk {}", fourcc(&chunk.id)))?;
            if &chunk.id == b"LIST" && chunk.size >= 4 {
                if &reader.fourcc_at(chunk.body_start, "a list type")? == b"rec " {
                    if self.open_lists.len() >= MAX_LIST_DEPTH {
                        return Err(AudioError::Malformed("LIST rec groups nested too deep".into()));
                    }
                    self.open_lists.push(chunk.body_end());
                    self.position = chunk.body_start + 4;
                    continue;
                }
            } else if &chunk.id == wanted {
                self.position = chunk.next();
                return Ok(Some(chunk));
            }
            self.position = chunk.next();
        }
    }
}

/// The audio track of an AVI file, positioned at its first sample.
pub struct AviReader<R> {
    reader: Positioned<R>,
    file_len: u64,
    format: WavFormat,
    chunk_id: [u8; 4],
    walker: MoviWalker,
    /// Bytes of the current audio chunk not yet decoded.
    chunk_left: u64,
    frames_total: u64,
    raw: Vec<u8>,
}

impl<R: Read + Seek> AviReader<R> {
    /// Reads the headers, finds the audio stream and checks every audio chunk's size (a walk
    /// over chunk headers only), so that a damaged file fails here, before any sample.
    pub fn new(mut inner: R) -> Result<Self, AudioError> {
        let file_len = inner.seek(SeekFrom::End(0))?;
        inner.seek(SeekFrom::Start(0))?;
        let mut reader = Positioned { inner: BufReader::with_capacity(1 << 16, inner), position: 0 };
        if file_len < 12 {
            return Err(AudioError::Truncated(format!("{file_len}-byte file, shorter than a RIFF header")));
        }
        let (streams, movi) = read_layout(&mut reader, file_len)?;
        let Some(audio) = streams.audio else {
            let kinds: Vec<String> = streams.kinds.iter().map(fourcc).collect();
            let dv = if streams.kinds.iter().any(|k| k == b"iavs") {
                "; its interleaved DV stream (iavs) carries the sound, which is not decoded"
            } else {
                ""
            };
            return Err(AudioError::NoAudioTrack(format!(
                "AVI streams are [{}], none is audio (auds){dv}",
                kinds.join(", ")
            )));
        };
        let frame_bytes = audio.format.frame_bytes() as u64;
        let mut walker = MoviWalker::new(movi);
        let start = walker.clone();
        let mut audio_bytes = 0u64;
        while let Some(chunk) = walker.next_chunk(&mut reader, &audio.chunk_id, file_len)? {
            // AVI requires audio chunks of whole blocks (nBlockAlign): a partial frame is damage.
            if chunk.size % frame_bytes != 0 {
                return Err(AudioError::Malformed(format!(
                    "audio chunk {} at offset {} holds {} bytes, not whole {frame_bytes}-byte frames",
                    fourcc(&chunk.id),
                    chunk.body_start - 8,
                    chunk.size
                )));
            }
            audio_bytes += chunk.size;
        }
        Ok(AviReader {
            reader,
            file_len,
            format: audio.format,
            chunk_id: audio.chunk_id,
            walker: start,
            chunk_left: 0,
            frames_total: audio_bytes / frame_bytes,
            raw: Vec::new(),
        })
    }

    pub fn format(&self) -> WavFormat {
        self.format
    }
}

impl<R: Read + Seek> PcmStream for AviReader<R> {
    fn sample_rate(&self) -> u32 {
        self.format.sample_rate
    }

    fn channels(&self) -> u16 {
        self.format.channels
    }

    fn total_frames(&self) -> Option<u64> {
        Some(self.frames_total)
    }

    fn read_mono(&mut self, max_frames: usize, out: &mut Vec<f64>) -> Result<usize, AudioError> {
        let frame_bytes = self.format.frame_bytes() as u64;
        let mut produced = 0usize;
        while produced < max_frames {
            if self.chunk_left == 0 {
                match self.walker.next_chunk(&mut self.reader, &self.chunk_id, self.file_len)? {
                    Some(chunk) => {
                        self.reader.goto(chunk.body_start)?;
                        self.chunk_left = chunk.size;
                        // `new` checked every chunk; a change since then is damage, not a panic.
                        if chunk.size % frame_bytes != 0 {
                            return Err(AudioError::Malformed("audio chunk sizes changed while reading".into()));
                        }
                    }
                    None => break,
                }
                continue;
            }
            let frames = ((max_frames - produced) as u64).min(self.chunk_left / frame_bytes) as usize;
            self.raw.resize(frames * frame_bytes as usize, 0);
            self.reader.read_into(&mut self.raw, "an audio chunk")?;
            push_mono(&self.format, &self.raw, out);
            self.chunk_left -= self.raw.len() as u64;
            produced += frames;
        }
        Ok(produced)
    }
}

// By hand: the reader it wraps need not be Debug.
impl<R> std::fmt::Debug for AviReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AviReader").field("file_len", &self.file_len).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::avi::{encode_avi, AviAudio, AviOptions};
    use crate::fixtures::wav::WavSpec;
    use std::io::Cursor;

    fn decode(bytes: Vec<u8>) -> Result<(WavFormat, Option<u64>, Vec<f64>), AudioError> {
        let mut reader = AviReader::new(Cursor::new(bytes))?;
        let mut out = Vec::new();
        // An odd read size crosses chunk boundaries in the middle of reads.
        while reader.read_mono(777, &mut out)? > 0 {}
        Ok((reader.format(), reader.total_frames(), out))
    }

    fn ramp(frames: usize, scale: f64) -> Vec<f64> {
        (0..frames).map(|i| ((i * 37) % 200) as f64 / 256.0 * scale - 0.3).collect()
    }

    #[test]
    fn pcm_of_every_width_decodes_exactly_from_interleaved_chunks() {
        for spec in [WavSpec::int(8, 1, 48_000), WavSpec::int(16, 1, 48_000), WavSpec::int(24, 1, 44_100)] {
            for extensible in [false, true] {
                let samples = ramp(5_000, 1.0);
                let audio = AviAudio { spec, extensible, ..AviAudio::pcm(spec) };
                let options = AviOptions { audio: Some(audio), ..Default::default() };
                let (format, total, decoded) = decode(encode_avi(&options, std::slice::from_ref(&samples))).unwrap();
                assert_eq!(format.sample_rate, spec.sample_rate);
                assert_eq!(total, Some(5_000));
                let step = if spec.bits == 8 { 1.0 / 128.0 } else { 1.0 / 32_768.0 };
                assert_eq!(decoded.len(), samples.len(), "{spec:?}");
                for (got, want) in decoded.iter().zip(&samples) {
                    assert!((got - want).abs() <= step / 2.0 + 1e-12, "{spec:?} {got} vs {want}");
                }
            }
        }
    }

    #[test]
    fn stereo_is_averaged() {
        let spec = WavSpec::int(16, 2, 48_000);
        let left = ramp(3_000, 1.0);
        let right: Vec<f64> = left.iter().map(|x| -x / 2.0).collect();
        let options = AviOptions { audio: Some(AviAudio::pcm(spec)), ..Default::default() };
        let (_, _, decoded) = decode(encode_avi(&options, &[left.clone(), right.clone()])).unwrap();
        let quantized = |x: f64| (x * 32_768.0).round() / 32_768.0;
        let expected: Vec<f64> = left.iter().zip(&right).map(|(l, r)| (quantized(*l) + quantized(*r)) / 2.0).collect();
        assert_eq!(decoded, expected);
    }

    #[test]
    fn rec_lists_opendml_extensions_and_audio_as_stream_zero_are_followed() {
        let spec = WavSpec::int(16, 1, 16_000);
        let samples = ramp(12_345, 0.5);
        let expected: Vec<f64> = samples.iter().map(|x| (x * 32_768.0).round() / 32_768.0).collect();
        for (rec_lists, opendml, audio_first) in
            [(true, false, false), (false, true, false), (true, true, true), (false, false, true)]
        {
            let options =
                AviOptions { audio: Some(AviAudio::pcm(spec)), rec_lists, opendml, audio_first, ..Default::default() };
            let bytes = encode_avi(&options, std::slice::from_ref(&samples));
            let (_, total, decoded) = decode(bytes).unwrap();
            assert_eq!(total, Some(12_345));
            assert_eq!(decoded, expected, "rec={rec_lists} odml={opendml} first={audio_first}");
        }
    }

    #[test]
    fn an_avi_without_audio_says_so() {
        let options = AviOptions { audio: None, ..Default::default() };
        let error = decode(encode_avi(&options, &[])).unwrap_err();
        assert!(matches!(error, AudioError::NoAudioTrack(_)), "{error}");
        assert_eq!(error.to_string(), "no audio track: AVI streams are [vids], none is audio (auds)");
    }

    #[test]
    fn other_codecs_are_named_by_format_tag() {
        let spec = WavSpec::int(16, 1, 48_000);
        for (tag, name) in [(0x0055u16, "MPEG Layer III (MP3)"), (0x2000, "AC-3"), (0x1234, "unknown codec")] {
            let audio = AviAudio { format_tag: tag, ..AviAudio::pcm(spec) };
            let options = AviOptions { audio: Some(audio), ..Default::default() };
            let error = decode(encode_avi(&options, &[vec![0.0; 100]])).unwrap_err();
            assert!(matches!(error, AudioError::Unsupported(_)), "{error}");
            assert_eq!(
                error.to_string(),
                format!("unsupported audio: AVI audio stream 1 has format tag {tag:#06x} ({name}); only PCM audio is decoded")
            );
        }
    }

    #[test]
    fn a_truncated_file_is_reported_before_any_sample() {
        let spec = WavSpec::int(16, 1, 48_000);
        let options = AviOptions { audio: Some(AviAudio::pcm(spec)), ..Default::default() };
        let mut bytes = encode_avi(&options, &[ramp(9_600, 1.0)]);
        let full = bytes.len();
        bytes.truncate(full - 3_000);
        let error = decode(bytes).unwrap_err();
        assert!(matches!(error, AudioError::Truncated(_)), "{error}");
        assert_eq!(
            error.to_string(),
            format!(
                "truncated audio: the RIFF AVI list at offset 0 declares {} bytes but only {} remain in the file",
                full - 8,
                full - 3_008
            )
        );
    }

    #[test]
    fn a_partial_audio_frame_is_malformed() {
        let spec = WavSpec::int(16, 2, 48_000);
        let options = AviOptions { audio: Some(AviAudio::pcm(spec)), odd_audio_chunk: true, ..Default::default() };
        let error = decode(encode_avi(&options, &[vec![0.1; 100], vec![0.1; 100]])).unwrap_err();
        assert!(error.to_string().contains("not whole 4-byte frames"), "{error}");
    }

    #[test]
    fn wav_and_other_riff_forms_are_not_avi() {
        let wav = crate::fixtures::wav::encode(&WavSpec::int(16, 1, 8_000), &Default::default(), &[vec![0.0; 4]]);
        assert_eq!(decode(wav).unwrap_err().to_string(), "malformed audio: not a RIFF/AVI file");
        assert!(decode(b"RIFF\x04\0\0\0AVI ".to_vec()).is_err());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = decode(bytes);
        }

        #[test]
        fn any_corrupted_byte_never_panics(position in 0usize..2_000, value in proptest::prelude::any::<u8>(), rec in proptest::prelude::any::<bool>()) {
            let spec = WavSpec::int(16, 2, 8_000);
            let options = AviOptions { audio: Some(AviAudio::pcm(spec)), rec_lists: rec, opendml: true, ..Default::default() };
            let mut bytes = encode_avi(&options, &[vec![0.1; 400], vec![-0.1; 400]]);
            let position = position % bytes.len();
            bytes[position] = value;
            let _ = decode(bytes);
        }
    }
}
