//! Malformed audio of every container cameo reads (WAV, FLAC, AVI, WebM/Opus) — truncated,
//! empty, wrong magic, huge declared sizes, NaN and infinite floats, 0 Hz rates, flipped and
//! appended bytes — never panics: each is converted or refused with a reason. A build over a
//! tree of such files accounts for every input: sample, duplicate or reject, and build.json's
//! counts add up to the number of files.
mod common;

use cameo::audio::{convert_to_flac, open_source, wav::WavReader};
use cameo::fixtures::avi::{encode_avi, AviAudio, AviOptions};
use cameo::fixtures::signal::speechlike;
use cameo::fixtures::wav::{encode, WavSpec, WavWriterOptions};
use cameo::fixtures::webm::{opus_webm, Sizing};
use common::*;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use std::path::Path;
use std::sync::OnceLock;

/// Valid files to damage: (name, bytes).
fn seeds() -> &'static Vec<(&'static str, Vec<u8>)> {
    static SEEDS: OnceLock<Vec<(&'static str, Vec<u8>)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let mono = |rate| vec![speechlike(7, rate, 0.05)];
        let stereo = |rate| vec![speechlike(8, rate, 0.05), speechlike(9, rate, 0.05)];
        let list = WavWriterOptions {
            chunks_before_data: vec![(*b"LIST", b"INFOISFT\x06\0\0\0Lavf\0\0".to_vec())],
            ..Default::default()
        };
        let extensible = WavWriterOptions { extensible: true, ..Default::default() };
        let wav_to_flac = |wav: &[u8]| {
            let dir = tempfile::tempdir().unwrap();
            let (wav_path, flac_path) = (dir.path().join("in.wav"), dir.path().join("out.flac"));
            std::fs::write(&wav_path, wav).unwrap();
            let mut stream = WavReader::new(std::fs::File::open(&wav_path).unwrap()).unwrap();
            convert_to_flac(&mut stream, &flac_path).unwrap();
            std::fs::read(flac_path).unwrap()
        };
        let wav16 = encode(&WavSpec::int(16, 1, 16_000), &Default::default(), &mono(16_000));
        vec![
            ("wav", wav16.clone()),
            ("wav", encode(&WavSpec::int(24, 2, 48_000), &list, &stereo(48_000))),
            ("wav", encode(&WavSpec::float(32, 1, 44_100), &Default::default(), &mono(44_100))),
            ("wav", encode(&WavSpec::int(32, 2, 22_050), &extensible, &stereo(22_050))),
            ("wav", encode(&WavSpec::int(8, 1, 8_000), &Default::default(), &mono(8_000))),
            ("flac", wav_to_flac(&wav16)),
            (
                "avi",
                encode_avi(
                    &AviOptions { audio: Some(AviAudio::pcm(WavSpec::int(16, 2, 48_000))), ..Default::default() },
                    &stereo(48_000),
                ),
            ),
            ("webm", opus_webm(&speechlike(10, 48_000, 0.1), Sizing::Known).unwrap()),
            ("webm", opus_webm(&speechlike(11, 48_000, 0.1), Sizing::Live).unwrap()),
        ]
    })
}

/// The offset of a RIFF chunk's body, if the file has that chunk at the top level.
fn chunk_body(bytes: &[u8], id: &[u8; 4]) -> Option<usize> {
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let size = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        if &bytes[at..at + 4] == id {
            return Some(at + 8);
        }
        at = at.checked_add(8 + size + (size & 1))?;
    }
    None
}

#[derive(Debug, Clone)]
enum Damage {
    /// Positions are fractions of the file (or header, or data) length.
    Truncate(f64),
    Empty,
    WrongMagic([u8; 4]),
    /// A u32 field of the first 256 bytes set to a huge value.
    HugeSize(f64, u32),
    /// The sample rate in `fmt ` (or FLAC STREAMINFO) set to 0.
    ZeroRate,
    /// A float sample set to NaN or infinity.
    NonFinite(f64, bool),
    Flip(Vec<(f64, u8)>),
    Append(Vec<u8>),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (0.0..1.0f64).prop_map(Damage::Truncate),
        Just(Damage::Empty),
        any::<[u8; 4]>().prop_map(Damage::WrongMagic),
        (0.0..1.0f64, prop_oneof![Just(u32::MAX), Just(0x8000_0000), 0x0100_0000u32..])
            .prop_map(|(i, v)| Damage::HugeSize(i, v)),
        Just(Damage::ZeroRate),
        (0.0..1.0f64, any::<bool>()).prop_map(|(i, nan)| Damage::NonFinite(i, nan)),
        prop::collection::vec((0.0..1.0f64, 1u8..), 1..8).prop_map(Damage::Flip),
        prop::collection::vec(any::<u8>(), 1..64).prop_map(Damage::Append),
    ]
}

/// The position at fraction `at` of `length` (0 for an empty range).
fn index(at: f64, length: usize) -> usize {
    ((at * length as f64) as usize).min(length.saturating_sub(1))
}

fn apply(damage: &Damage, kind: &str, mut bytes: Vec<u8>) -> Vec<u8> {
    match damage {
        Damage::Truncate(at) => bytes.truncate(index(*at, bytes.len())),
        Damage::Empty => bytes.clear(),
        Damage::WrongMagic(magic) => bytes[..4].copy_from_slice(magic),
        Damage::HugeSize(at, value) => {
            let at = index(*at, bytes.len().min(256) - 4);
            bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
        }
        Damage::ZeroRate => match kind {
            "wav" => {
                if let Some(fmt) = chunk_body(&bytes, b"fmt ") {
                    bytes[fmt + 4..fmt + 8].fill(0);
                }
            }
            // STREAMINFO follows "fLaC" and its 4-byte block header; the rate is its top 20
            // bits at byte 10.
            "flac" => {
                bytes[18] = 0;
                bytes[19] = 0;
                bytes[20] &= 0x0f;
            }
            _ => {
                // AVI: the audio stream's WAVEFORMATEX follows its `strf` id and size.
                if let Some(at) = bytes.windows(4).rposition(|w| w == b"strf") {
                    bytes[at + 12..at + 16].fill(0);
                }
            }
        },
        Damage::NonFinite(at, nan) => {
            if let Some(data) = chunk_body(&bytes, b"data").filter(|_| kind == "wav") {
                let samples = (bytes.len() - data) / 4;
                let at = data + 4 * index(*at, samples);
                let value = if *nan { f32::NAN } else { f32::INFINITY };
                if at + 4 <= bytes.len() {
                    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
                }
            }
        }
        Damage::Flip(flips) => {
            for (at, mask) in flips {
                let at = index(*at, bytes.len());
                bytes[at] ^= mask;
            }
        }
        Damage::Append(tail) => bytes.extend_from_slice(tail),
    }
    bytes
}

/// Opens and converts one file; Ok or an error with a message, never a panic.
fn convert(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), String> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let result = open_source(&path).and_then(|mut stream| convert_to_flac(stream.as_mut(), &dir.join("out.flac")));
    result.map(|_| ()).map_err(|error| error.to_string())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_000, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn a_thousand_malformed_files_are_refused_with_a_reason_or_converted(
        seed in 0usize..1_000,
        damage in damage(),
    ) {
        let (kind, original) = &seeds()[seed % seeds().len()];
        let bytes = apply(&damage, kind, original.clone());
        let dir = tempfile::tempdir().unwrap();
        if let Err(reason) = convert(dir.path(), &format!("input.{kind}"), &bytes) {
            prop_assert!(!reason.trim().is_empty(), "empty reason for {damage:?}");
        }
    }
}

#[test]
fn the_damage_the_issue_names_is_refused_not_converted() {
    let dir = tempfile::tempdir().unwrap();
    for (kind, original) in seeds() {
        let refused =
            |damage: Damage| convert(dir.path(), &format!("x.{kind}"), &apply(&damage, kind, original.clone()));
        let empty = refused(Damage::Empty);
        assert!(empty.is_err(), "{kind}: an empty file was converted");
        let magic = refused(Damage::WrongMagic(*b"JUNK"));
        assert!(
            magic.as_ref().is_err_and(|e| e.contains("unknown") || e.contains("format") || e.contains("malformed")),
            "{kind}: {magic:?}"
        );
        let half = refused(Damage::Truncate(0.5));
        assert!(half.is_err(), "{kind}: a file cut in half was converted");
        if *kind != "webm" {
            let rate = refused(Damage::ZeroRate);
            assert!(rate.is_err(), "{kind}: a 0 Hz rate was converted");
        }
    }
    let float = seeds().iter().find(|(kind, bytes)| *kind == "wav" && bytes[20] == 3).unwrap();
    for nan in [true, false] {
        let bytes = apply(&Damage::NonFinite(0.3, nan), "wav", float.1.clone());
        let result = convert(dir.path(), "nan.wav", &bytes);
        assert!(result.as_ref().is_err_and(|e| e.contains("not a finite number")), "{result:?}");
    }
}

#[test]
fn a_build_over_malformed_files_accounts_for_every_input() {
    use cameo::fixtures::ravdess::{population, write_population};
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let root = raw.join("ravdess");
    let names = population(1..=2);
    write_population(&root, &names, 0.05).unwrap();
    // Every third file is damaged in one of the ways above, drawn from a fixed seed.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for name in names.iter().step_by(3) {
        let damage = damage().new_tree(&mut runner).unwrap().current();
        let bytes = apply(&damage, "wav", std::fs::read(root.join(name)).unwrap());
        std::fs::write(root.join(name), bytes).unwrap();
    }
    let outcome = build(&raw, &out, 2);
    let report = &outcome.splits[0].report;
    let files = walkdir::WalkDir::new(&root).into_iter().flatten().filter(|e| e.file_type().is_file()).count();
    let mut accounted: Vec<String> = records(&out).into_iter().map(|r| r.source).collect();
    accounted.extend(report.duplicates.iter().map(|d| d.source.clone()));
    accounted.extend(report.rejects.iter().map(|r| r.source.clone()));
    accounted.extend(report.skipped.iter().map(|s| s.source.clone()));
    accounted.sort();
    let mut expected: Vec<String> = names.clone();
    expected.sort();
    assert_eq!(accounted, expected, "every input exactly once");
    assert_eq!(files, names.len());
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("build.json")).unwrap()).unwrap();
    let totals = &json["totals"];
    let sum: u64 = ["samples", "duplicates", "rejects", "skipped"].iter().map(|k| totals[k].as_u64().unwrap()).sum();
    assert_eq!(sum as usize, files, "{totals}");
    assert!(report.rejects.iter().all(|r| !r.reason.trim().is_empty()));
    assert!(!report.rejects.is_empty() && report.built > 0, "{} built, {} rejects", report.built, report.rejects.len());
}

#[test]
fn garbage_rows_of_a_metadata_table_are_rejects_named_by_row_and_the_rest_builds() {
    use cameo::fixtures::nemo::{population, write_population};
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    let root = raw.join("nemo");
    let rows = population(2);
    write_population(&root, &rows, 0.05).unwrap();
    let mut table = std::fs::read(root.join("data.tsv")).unwrap();
    let first_garbage_row = rows.len() + 1;
    table.extend_from_slice(b"only\ttwo fields\n");
    table.extend_from_slice(b"\xff\xfe\x00binary\tgarbage\t\x80\t\t\t\t\n");
    table.extend_from_slice(b"../../escape.wav\tanger\tx\tx\tEB0\tfemale\t27\n");
    table.extend_from_slice(b"EB0_anger_1.wav\tanger\tx\tx\tEB0\tfemale\t27\textra\tfields\n");
    std::fs::write(root.join("data.tsv"), table).unwrap();
    // A damaged recording too: listed, but its bytes are not audio.
    std::fs::write(root.join("samples").join(&rows[1].file_id), b"RIFF\xff\xff\xff\xffWAVEjunk").unwrap();

    let outcome = build(&raw, &out, 2);
    let report = &outcome.splits[0].report;
    let garbage: Vec<(&str, &str)> = report
        .rejects
        .iter()
        .filter(|r| r.source.starts_with("data.tsv#"))
        .map(|r| (r.source.as_str(), r.reason.as_str()))
        .collect();
    let numbers: Vec<String> = (0..4).map(|i| format!("data.tsv#{}", first_garbage_row + i)).collect();
    assert_eq!(garbage.iter().map(|(source, _)| source.to_string()).collect::<Vec<_>>(), numbers, "{garbage:?}");
    assert!(garbage[0].1.contains("2 fields where the header has 7"), "{garbage:?}");
    assert!(garbage[2].1.contains("leaves the corpus folder"), "{garbage:?}");
    let damaged = format!("samples/{}", rows[1].file_id);
    assert!(report.rejects.iter().any(|r| r.source == damaged), "{:?}", report.rejects);
    assert_eq!(report.built, rows.len() - 1);
    // Every audio file, the table and each garbage row are accounted for once.
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("build.json")).unwrap()).unwrap();
    let totals = &json["totals"];
    let sum: u64 = ["samples", "duplicates", "rejects", "skipped"].iter().map(|k| totals[k].as_u64().unwrap()).sum();
    assert_eq!(sum as usize, rows.len() + 1 + 4, "{totals}");
}
