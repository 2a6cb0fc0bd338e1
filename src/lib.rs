//! cameo: rebuild the CAMEO emotional speech benchmark from its original sources and
//! evaluate audio language models on it. The binary (`src/main.rs`, `src/cli/`) holds the
//! command line; every capability lives in one of these modules:
//!
//! - [`manifest`], [`corpora`]: the corpora are their manifests (the [`corpora::Registry`]);
//!   adapters list what a raw download holds (no audio decoding)
//! - [`fetch`], [`scan`]: getting the raw downloads, and checking a raw tree before a build
//! - [`audio`]: decode, resample, quantise, hash and FLAC-encode one item
//! - [`read_ahead`]: source files read into the page cache before a scan or conversion needs them
//! - [`collection`]: the collection's data (records, split states, run facts) that build,
//!   transcribe and sinks stand on
//! - [`build`]: the pipeline — scan, parallel conversion, dedupe, resume, reports
//! - [`transcribe`]: `--transcribe`: speech recognition and transcript alignment
//! - [`sinks`]: metadata.jsonl, parquet shards, dataset card, LICENSES/, build.json,
//!   SHA256SUMS, each a [`sinks::Sink`]
//! - [`verify`], [`stats`]: checking and describing a build
//! - [`compare`]: a build against the published release (or another build), sample by sample
//! - [`publish`]: what of a build goes to the Hugging Face hub, and uploading it
//! - [`audit`], [`license_terms`]: the license report and what each license allows
//! - [`export`]: manifests for other tools (Lhotse)
//! - [`eval`]: scoring audio language models on a build
//! - [`whisper`]: Whisper speech-to-text (whisper.cpp) with a checked ggml model
//! - [`demo`]: generated raw trees in the real layouts (`fixtures`, public for the tests only),
//!   built, verified and scored

#![warn(missing_debug_implementations)]

pub mod allocator;
pub mod audio;
pub mod audit;
pub mod build;
pub mod checksums;
pub mod collection;
pub mod compare;
pub mod corpora;
pub mod demo;
pub mod eval;
pub mod export;
pub mod fetch;
#[doc(hidden)]
pub mod fixtures;
pub mod fonts;
pub mod fsutil;
pub mod interrupt;
pub mod license_terms;
pub mod manifest;
pub mod new_corpus;
pub mod progress;
pub mod publish;
pub mod read_ahead;
/// The record of one sample, used by nearly every module (kept at its short path).
pub use collection::record;
pub mod scan;
pub mod selection;
pub mod sinks;
pub mod stats;
pub mod transcribe;
pub mod verify;
pub mod whisper;
