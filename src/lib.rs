//! cameo: rebuild the CAMEO emotional speech benchmark from its original sources and
//! evaluate audio language models on it. The binary (`src/main.rs`) only parses arguments;
//! every capability lives in one of these modules:
//!
//! - [`corpora`]: adapters that list what a raw download holds (no audio decoding)
//! - [`fetch`], [`scan`]: getting the raw downloads, and checking a raw tree before a build
//! - [`audio`]: decode, resample, quantise, hash and FLAC-encode one item
//! - [`build`]: the pipeline — scan, parallel conversion, dedupe, resume, reports
//! - [`transcribe`]: `--transcribe`: speech recognition and transcript alignment
//! - [`sinks`]: metadata.jsonl, parquet shards, dataset card, LICENSES/, build.json
//! - [`verify`], [`stats`]: checking and describing a build
//! - [`compare`]: a build against the published release (or another build), sample by sample
//! - [`publish`]: what of a build goes to the Hugging Face hub, and uploading it
//! - [`audit`], [`license_terms`]: the license report and what each license allows
//! - [`export`]: manifests for other tools (Lhotse)
//! - [`eval`]: scoring audio language models on a build
//! - [`whisper`]: Whisper speech-to-text (whisper.cpp) with a checked ggml model
//! - [`fixtures`], [`demo`]: generated raw trees in the real layouts

pub mod audio;
pub mod audit;
pub mod build;
pub mod checksums;
pub mod compare;
pub mod corpora;
pub mod demo;
pub mod eval;
pub mod export;
pub mod fetch;
pub mod fixtures;
pub mod fonts;
pub mod fsutil;
pub mod interrupt;
pub mod license_terms;
pub mod manifest;
pub mod new_corpus;
pub mod progress;
pub mod publish;
pub mod record;
pub mod scan;
pub mod selection;
pub mod sinks;
pub mod stats;
pub mod transcribe;
pub mod verify;
pub mod whisper;
