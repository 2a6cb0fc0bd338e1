//! WebM (Matroska) files with one Opus audio track — what browsers' MediaRecorder writes —
//! demuxed by symphonia and decoded by libopus, packet by packet.
//!
//! Determinism: libopus is built from the source bundled in `opusic-sys` as a *fixed-point*
//! library with intrinsics disabled (features in Cargo.toml), and decoded through the int16
//! `opus_decode` API. The fixed-point decoder is integer arithmetic throughout, so the samples
//! are the same on every CPU and compiler. The usual float build promises no such thing: its
//! output depends on the SIMD kernels compiled in or picked at run time (AVX2 on x86, NEON on
//! ARM) and on the compiler fusing multiply-adds (GCC does by default on aarch64), so a packet
//! can decode to samples differing in the last bits on another machine, and the file_id with
//! them. Checked against ffmpeg's libopus (float) decoding: at most 6 LSB apart.
//!
//! Trimming: the OpusHead pre-skip (encoder delay) is dropped from the start and its output
//! gain applied. The end keeps the encoder's padding (less than one frame): Matroska says how
//! much to drop in a BlockGroup's DiscardPadding, which symphonia 0.6 reads but does not hand
//! on. MediaRecorder's live-mode files write SimpleBlocks only, so they carry none anyway.
//!
//! Live files have a Segment (and Clusters) of unknown size that simply ends where the file
//! ends; symphonia reports that natural end as an unexpected end of file, the same error as a
//! cut inside a block. [`check_structure`] walks the element headers first so that a cut file
//! is a `Truncated` error, and the demuxer's end-of-file after a complete walk is the end.
use super::blocks::{read_blocks, BlockBuffer, BlockDecoder};
use super::{AudioError, PcmStream};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use symphonia::core::codecs::audio::well_known as codec_ids;
use symphonia::core::codecs::CodecParameters;
use symphonia::core::formats::{FormatOptions, FormatReader};
use symphonia::core::io::MediaSourceStream;
use symphonia::default::formats::MkvReader;

/// The first bytes of every EBML document (Matroska, WebM): the EBML header element's id.
pub const EBML_MAGIC: [u8; 4] = [0x1A, 0x45, 0xDF, 0xA3];

/// Opus always decodes at 48 kHz; the input rate in OpusHead is informational only.
const OPUS_RATE: u32 = 48_000;
/// The longest Opus packet: 120 ms at 48 kHz, per channel.
const MAX_PACKET_FRAMES: usize = 5_760;

const ID_EBML: u32 = 0x1A45_DFA3;
const ID_SEGMENT: u32 = 0x1853_8067;
const ID_CLUSTER: u32 = 0x1F43_B675;
/// Children of Segment: one of these ends a Cluster of unknown size.
const SEGMENT_CHILDREN: [u32; 8] = [
    ID_CLUSTER,
    0x114D_9B74, // SeekHead
    0x1549_A966, // Info
    0x1654_AE6B, // Tracks
    0x1C53_BB6B, // Cues
    0x1941_A469, // Attachments
    0x1043_A770, // Chapters
    0x1254_C367, // Tags
];

/// What the header walk learnt about a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Structure {
    /// The Segment has an unknown size (live recording): it ends at the end of the file.
    pub live: bool,
}

/// An element header: id (with its length marker, as specs write ids), data size (None when
/// unknown) and where the data starts.
struct Header {
    start: u64,
    id: u32,
    size: Option<u64>,
    data_start: u64,
}

fn read_header(reader: &mut BufReader<File>, at: u64, file_len: u64) -> Result<Header, AudioError> {
    let cut = || AudioError::Truncated(format!("WebM ends inside the element header at byte {at}"));
    let mut first = [0u8; 1];
    reader.read_exact(&mut first).map_err(|_| cut())?;
    let id_len = first[0].leading_zeros() as usize + 1;
    if id_len > 4 {
        return Err(AudioError::Malformed(format!("WebM: invalid element id at byte {at}")));
    }
    let mut id = first[0] as u32;
    for _ in 1..id_len {
        reader.read_exact(&mut first).map_err(|_| cut())?;
        id = id << 8 | first[0] as u32;
    }
    reader.read_exact(&mut first).map_err(|_| cut())?;
    let size_len = first[0].leading_zeros() as usize + 1;
    if size_len > 8 {
        return Err(AudioError::Malformed(format!("WebM: invalid element size at byte {}", at + id_len as u64)));
    }
    let mut size = (first[0] as u64) & (0xFF >> size_len);
    let mut all_ones = size == 0xFF >> size_len;
    for _ in 1..size_len {
        reader.read_exact(&mut first).map_err(|_| cut())?;
        size = size << 8 | first[0] as u64;
        all_ones &= first[0] == 0xFF;
    }
    let data_start = at + (id_len + size_len) as u64;
    if data_start > file_len {
        return Err(cut());
    }
    Ok(Header { start: at, id, size: (!all_ones).then_some(size), data_start })
}

/// The end of an element of known size, checked against its parent's end.
fn element_end(header: &Header, size: u64, parent_end: u64, file_len: u64) -> Result<u64, AudioError> {
    let end = header.data_start.saturating_add(size);
    if end > file_len {
        return Err(AudioError::Truncated(format!(
            "WebM element {:X} at byte {} ends at byte {end}, past the end of the file ({file_len} bytes)",
            header.id, header.start
        )));
    }
    if end > parent_end {
        return Err(AudioError::Malformed(format!("WebM element {:X} overruns its parent", header.id)));
    }
    Ok(end)
}

/// Walks the element headers (not the data) of the EBML header and the first Segment and
/// checks that every element fits in the file.
pub fn check_structure(path: &Path) -> Result<Structure, AudioError> {
    let file = File::open(path)?;
    let file_len = file.metadata()?.len();
    let mut reader = BufReader::with_capacity(1 << 14, file);
    let ebml = read_header(&mut reader, 0, file_len)?;
    let Some(ebml_size) = ebml.size.filter(|_| ebml.id == ID_EBML) else {
        return Err(AudioError::Malformed("WebM: no EBML header of known size at the start".into()));
    };
    let segment_at = element_end(&ebml, ebml_size, file_len, file_len)?;
    reader.seek(SeekFrom::Start(segment_at))?;
    let segment = read_header(&mut reader, segment_at, file_len)?;
    if segment.id != ID_SEGMENT {
        return Err(AudioError::Malformed(format!("WebM: element {:X} where the Segment should be", segment.id)));
    }
    let live = segment.size.is_none();
    let segment_end = match segment.size {
        Some(size) => element_end(&segment, size, file_len, file_len)?,
        None => file_len,
    };
    let mut at = segment.data_start;
    // `in_cluster`: inside a Cluster of unknown size, which ends at the next Segment child.
    let mut in_cluster = false;
    while at < segment_end {
        reader.seek(SeekFrom::Start(at))?;
        let header = read_header(&mut reader, at, file_len)?;
        if SEGMENT_CHILDREN.contains(&header.id) {
            in_cluster = false;
        }
        at = match header.size {
            Some(size) => element_end(&header, size, segment_end, file_len)?,
            None if header.id == ID_CLUSTER && !in_cluster => {
                in_cluster = true;
                header.data_start
            }
            None => {
                return Err(AudioError::Malformed(format!(
                    "WebM element {:X} at byte {} has an unknown size (only Segment and Cluster may)",
                    header.id, at
                )))
            }
        };
    }
    Ok(Structure { live })
}

/// The OpusHead fields decoding needs (RFC 7845, section 5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpusHead {
    pub channels: u8,
    pub pre_skip: u16,
    /// Q7.8 dB.
    pub output_gain: i16,
}

/// Parses the OpusHead that WebM stores as the track's CodecPrivate.
pub fn parse_opus_head(data: &[u8]) -> Result<OpusHead, AudioError> {
    let bad = |what: &str| AudioError::Malformed(format!("WebM Opus track: {what}"));
    if data.len() < 19 || &data[..8] != b"OpusHead" {
        return Err(bad("CodecPrivate is not an OpusHead (RFC 7845)"));
    }
    if data[8] >> 4 != 0 {
        return Err(AudioError::Unsupported(format!("OpusHead version {} (only 0.x is defined)", data[8])));
    }
    let head = OpusHead {
        channels: data[9],
        pre_skip: u16::from_le_bytes([data[10], data[11]]),
        output_gain: i16::from_le_bytes([data[16], data[17]]),
    };
    let family = data[18];
    if family != 0 {
        return Err(AudioError::Unsupported(format!(
            "Opus channel mapping family {family} (multistream); only family 0 (mono/stereo) is supported"
        )));
    }
    if !(1..=2).contains(&head.channels) {
        return Err(bad(&format!("{} channels with mapping family 0", head.channels)));
    }
    Ok(head)
}

/// A readable name for a codec symphonia recognised in a Matroska track.
fn codec_name(codec: symphonia::core::codecs::audio::AudioCodecId) -> String {
    let names = [
        (codec_ids::CODEC_ID_VORBIS, "Vorbis"),
        (codec_ids::CODEC_ID_FLAC, "FLAC"),
        (codec_ids::CODEC_ID_MP3, "MP3"),
        (codec_ids::CODEC_ID_AAC, "AAC"),
        (codec_ids::CODEC_ID_AC3, "AC-3"),
        (codec_ids::CODEC_ID_EAC3, "E-AC-3"),
        (codec_ids::CODEC_ID_ALAC, "ALAC"),
        (codec_ids::CODEC_ID_PCM_S16LE, "PCM"),
    ];
    names.iter().find(|(id, _)| *id == codec).map_or_else(|| format!("codec {codec}"), |(_, name)| name.to_string())
}

fn demux_error(error: symphonia::core::errors::Error) -> AudioError {
    match error {
        symphonia::core::errors::Error::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            AudioError::Truncated("WebM ends inside an element".into())
        }
        symphonia::core::errors::Error::IoError(io) => AudioError::Io(io),
        other => AudioError::Malformed(format!("WebM: {other}")),
    }
}

pub struct WebmOpusStream {
    reader: MkvReader<'static>,
    track_id: u32,
    structure: Structure,
    decoder: opus::Decoder,
    channels: u16,
    /// Pre-skip frames still to drop.
    to_skip: usize,
    packets: u64,
    blocks: BlockBuffer,
    pcm: Vec<i16>,
}

impl WebmOpusStream {
    pub fn open(path: &Path) -> Result<Self, AudioError> {
        let structure = check_structure(path)?;
        let source = MediaSourceStream::new(Box::new(File::open(path)?), Default::default());
        let reader = MkvReader::try_new(source, FormatOptions::default()).map_err(demux_error)?;
        let audio: Vec<(u32, &symphonia::core::codecs::audio::AudioCodecParameters)> = reader
            .tracks()
            .iter()
            .filter_map(|track| match &track.codec_params {
                Some(CodecParameters::Audio(params)) => Some((track.id, params)),
                _ => None,
            })
            .collect();
        let opus_tracks: Vec<_> = audio.iter().filter(|(_, p)| p.codec == codec_ids::CODEC_ID_OPUS).collect();
        let (track_id, params) = match (opus_tracks.as_slice(), audio.first()) {
            ([only], _) => **only,
            ([], None) => return Err(AudioError::Unsupported("WebM without an audio track".into())),
            ([], Some((_, other))) => {
                return Err(AudioError::Unsupported(format!(
                    "WebM audio track is {}, not Opus",
                    codec_name(other.codec)
                )))
            }
            (several, _) => {
                return Err(AudioError::Unsupported(format!("WebM with {} Opus tracks; expected one", several.len())))
            }
        };
        let head = parse_opus_head(
            params
                .extra_data
                .as_deref()
                .ok_or_else(|| AudioError::Malformed("WebM Opus track without CodecPrivate (OpusHead)".into()))?,
        )?;
        let layout = if head.channels == 1 { opus::Channels::Mono } else { opus::Channels::Stereo };
        let opus_error = |error: opus::Error| AudioError::Malformed(format!("Opus decoder: {error}"));
        let mut decoder = opus::Decoder::new(OPUS_RATE, layout).map_err(opus_error)?;
        if head.output_gain != 0 {
            decoder.set_gain(head.output_gain as i32).map_err(opus_error)?;
        }
        Ok(WebmOpusStream {
            reader,
            track_id,
            structure,
            decoder,
            channels: head.channels as u16,
            to_skip: head.pre_skip as usize,
            packets: 0,
            blocks: BlockBuffer::default(),
            pcm: vec![0; MAX_PACKET_FRAMES * head.channels as usize],
        })
    }
}

impl BlockDecoder for WebmOpusStream {
    fn buffer(&mut self) -> &mut BlockBuffer {
        &mut self.blocks
    }

    fn decode_next_block(&mut self) -> Result<(), AudioError> {
        let pending = self.blocks.start_block();
        let packet = match self.reader.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => {
                self.blocks.finished = true;
                return Ok(());
            }
            Err(symphonia::core::errors::Error::IoError(io))
                if io.kind() == std::io::ErrorKind::UnexpectedEof && self.structure.live =>
            {
                // The header walk saw every element complete, so this is the live file's end.
                self.blocks.finished = true;
                return Ok(());
            }
            Err(error) => return Err(demux_error(error)),
        };
        if packet.track_id != self.track_id {
            return Ok(());
        }
        self.packets += 1;
        let frames = self.decoder.decode(&packet.data, &mut self.pcm, false).map_err(|error| {
            AudioError::Malformed(format!("Opus packet {} does not decode: {}", self.packets, error.description()))
        })?;
        let skip = self.to_skip.min(frames);
        self.to_skip -= skip;
        let channels = self.channels as usize;
        for frame in self.pcm[skip * channels..frames * channels].chunks_exact(channels) {
            let sum: f64 = frame.iter().map(|&s| s as f64).sum();
            pending.push(sum / channels as f64 / 32_768.0);
        }
        Ok(())
    }
}

impl PcmStream for WebmOpusStream {
    fn sample_rate(&self) -> u32 {
        OPUS_RATE
    }

    fn channels(&self) -> u16 {
        self.channels
    }

    fn total_frames(&self) -> Option<u64> {
        None
    }

    fn read_mono(&mut self, max_frames: usize, out: &mut Vec<f64>) -> Result<usize, AudioError> {
        read_blocks(self, max_frames, out)
    }
}

// By hand: the Matroska reader and Opus decoder have no Debug.
impl std::fmt::Debug for WebmOpusStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebmOpusStream")
            .field("track_id", &self.track_id)
            .field("channels", &self.channels)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::webm::{mux, opus_head, opus_webm, vorbis_webm, AudioTrack, Sizing};

    fn tone(frames: usize) -> Vec<f64> {
        (0..frames).map(|i| (2.0 * std::f64::consts::PI * 440.0 * i as f64 / 48_000.0).sin() * 0.4).collect()
    }

    fn decode_bytes(bytes: &[u8]) -> Result<Vec<f64>, AudioError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.webm");
        std::fs::write(&path, bytes).unwrap();
        let mut stream = WebmOpusStream::open(&path)?;
        assert_eq!((stream.sample_rate(), stream.channels()), (48_000, 1));
        let mut out = Vec::new();
        while stream.read_mono(1_000, &mut out)? > 0 {}
        Ok(out)
    }

    fn correlation(a: &[f64], b: &[f64]) -> f64 {
        let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        let energy = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
        dot / (energy(a) * energy(&b[..a.len()]))
    }

    #[test]
    fn libopus_is_the_bundled_fixed_point_build() {
        // Cargo merges features: if a dependency ever asked for a float libopus, decoding
        // would stop being bit-exact across CPUs. This catches that.
        assert!(opus::version().ends_with("-fixed"), "{}", opus::version());
    }

    #[test]
    fn live_and_sized_files_decode_to_the_source_without_the_pre_skip() {
        let source = tone(30_000);
        for sizing in [Sizing::Live, Sizing::Known] {
            let decoded = decode_bytes(&opus_webm(&source, sizing).unwrap()).unwrap();
            // 32 packets of 960 (30,000 + 312 lookahead rounded up), less the 312 pre-skip.
            assert_eq!(decoded.len(), 32 * 960 - 312, "{sizing:?}");
            // Aligned: the pre-skip removed exactly the encoder delay.
            assert!(correlation(&source, &decoded) > 0.99, "{sizing:?}: {}", correlation(&source, &decoded));
            assert!(decoded[30_000..].iter().all(|x| x.abs() < 0.05), "padding after the end is near silence");
        }
    }

    #[test]
    fn decoding_is_repeatable_sample_for_sample() {
        let bytes = opus_webm(&tone(9_600), Sizing::Live).unwrap();
        assert_eq!(decode_bytes(&bytes).unwrap(), decode_bytes(&bytes).unwrap());
    }

    #[test]
    fn output_gain_from_opushead_is_applied() {
        let bytes = opus_webm(&tone(9_600), Sizing::Live).unwrap();
        let plain = decode_bytes(&bytes).unwrap();
        // Replace the OpusHead gain (0) by +6.02 dB (1541/256 dB): twice the amplitude.
        let at = bytes.windows(8).position(|w| w == b"OpusHead").unwrap();
        let mut louder = bytes.clone();
        louder[at..at + 19].copy_from_slice(&opus_head(312, 1541));
        let loud = decode_bytes(&louder).unwrap();
        let peak = |v: &[f64]| v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        let ratio = peak(&loud) / peak(&plain);
        assert!((ratio - 2.0).abs() < 0.01, "{ratio}");
    }

    #[test]
    fn a_vorbis_track_is_refused_by_name() {
        let error = decode_bytes(&vorbis_webm(10)).unwrap_err();
        assert_eq!(error.to_string(), "unsupported audio: WebM audio track is Vorbis, not Opus");
    }

    #[test]
    fn every_cut_is_an_error_never_a_panic_or_a_short_success() {
        let bytes = opus_webm(&tone(4_800), Sizing::Known).unwrap();
        for cut in 1..bytes.len() {
            assert!(decode_bytes(&bytes[..cut]).is_err(), "sized file cut at {cut} of {} decoded", bytes.len());
        }
        let live = opus_webm(&tone(4_800), Sizing::Live).unwrap();
        let mut cuts_inside_a_block = 0;
        for cut in 1..live.len() {
            match decode_bytes(&live[..cut]) {
                Err(AudioError::Truncated(_)) | Err(AudioError::Malformed(_)) => cuts_inside_a_block += 1,
                Err(other) => panic!("cut at {cut}: {other}"),
                // A live file cut between two blocks is a complete live file, shorter.
                Ok(decoded) => assert!(decoded.len() < 4_800 + 960, "cut at {cut}"),
            }
        }
        assert!(cuts_inside_a_block > live.len() * 9 / 10, "{cuts_inside_a_block} of {}", live.len());
    }

    #[test]
    fn corrupt_bytes_are_errors_or_audio_never_panics() {
        let bytes = opus_webm(&tone(4_800), Sizing::Live).unwrap();
        for at in 0..bytes.len() {
            for value in [0x00, 0xFF, bytes[at] ^ 0x55] {
                let mut corrupt = bytes.clone();
                corrupt[at] = value;
                let _ = decode_bytes(&corrupt);
            }
        }
    }

    #[test]
    fn an_invalid_opus_packet_is_a_decode_error() {
        let track = AudioTrack {
            codec_id: "A_OPUS".into(),
            codec_private: opus_head(312, 0),
            sampling_frequency: 48_000.0,
            channels: 1,
        };
        // TOC code 3 (several frames) announcing zero frames: RFC 6716 says invalid.
        let bytes = mux(&track, &[vec![0x03, 0x00]], Sizing::Live);
        let error = decode_bytes(&bytes).unwrap_err().to_string();
        assert!(error.contains("Opus packet 1 does not decode"), "{error}");
    }

    #[test]
    fn opus_head_is_checked() {
        assert_eq!(
            parse_opus_head(&opus_head(312, -256)).unwrap(),
            OpusHead { channels: 1, pre_skip: 312, output_gain: -256 }
        );
        assert!(matches!(parse_opus_head(b"OpusTags........."), Err(AudioError::Malformed(_))));
        let mut family_one = opus_head(312, 0);
        family_one[18] = 1;
        assert!(matches!(parse_opus_head(&family_one), Err(AudioError::Unsupported(_))));
        let mut no_channels = opus_head(312, 0);
        no_channels[9] = 0;
        assert!(matches!(parse_opus_head(&no_channels), Err(AudioError::Malformed(_))));
    }
}
