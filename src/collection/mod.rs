//! The collection's data, which build, transcribe and the sinks stand on: the record of one
//! sample ([`record`]), what a build knows about each split ([`split`]), the facts of one run
//! ([`run`]), the transcription stage's findings ([`transcription`]), and the pipeline version
//! that names how the audio and records are made. The build produces it, the transcription
//! stage adds to it, the sinks write it out; none of those imports another.
pub mod record;
pub mod run;
pub mod split;
pub mod transcription;

/// Bumped whenever decoding, resampling, quantisation, encoding or the records change output.
/// 4: the `source` of a file whose name on disk is not UTF-8, cp1252 mojibake or NFD is its
/// decoded NFC name (corpora::names), so CaFE's `ColŠre/…` and `De\u{301}gou\u{302}t/…` became
/// `Colère/…` and `Dégoût/…`; the FLAC bytes did not change.
pub const PIPELINE_VERSION: &str = "cameo-pipeline-4";
