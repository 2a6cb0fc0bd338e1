//! Transcriptions from speech (`cameo build --transcribe MODEL.bin`): recognition with a
//! [`Recognizer`] (Whisper, see `crate::whisper`) and alignment of what it heard with what
//! the corpus says. Off by default. What it does to a corpus depends on the manifest's
//! `[transcription] source`:
//!
//! - `corpus` (EMNS, Emozionalmente, RESD): the corpus' own per-recording text is kept; nothing
//!   is recognised.
//! - `sentence_list` (CaFE, CREMA-D, eNTERFACE, JL-Corpus, MESD, nEMO, PAVOQUE, RAVDESS): every
//!   sample is recognised with the language forced to the manifest's and aligned
//!   ([`align`]) with the corpus' candidate sentences (the manifest's `[sentences]` and every
//!   text the adapter gave the split's samples). A confirmed label keeps its sentence; a sample
//!   whose speech is clearly another candidate gets that sentence and is reported as a
//!   mismatch; a text near no candidate is reported as unclear and keeps the corpus text.
//! - `none` (Oréau, SUBESCO): the recognised text becomes the transcription.
//!
//! The `transcription_source` column says per sample where its text came from: `corpus` (as
//! the corpus gives it, unchecked), `aligned` (a corpus sentence the recognised speech
//! confirmed, or chose when the label was wrong), `asr` (the recogniser's own text), or null
//! when there is no transcription. Without `--transcribe` every text is `corpus`.
//!
//! The model is loaded and every corpus' language checked before any audio is touched; samples
//! that are digital silence are not recognised; results are cached per sample ([`cache`]).
//! Sentence-list corpora tell the recogniser how many sentences their longest candidate has, so
//! that decoding stops there; a recognition that fell into a repetition loop is unclear (and,
//! for a corpus without text, gives no text).
pub mod align;
pub mod cache;
pub mod report;
mod stage;

pub use stage::{transcribe_split, AsrRunFacts, SplitTranscription};

use crate::manifest::{Manifest, TranscriptionOrigin};
use std::path::{Path, PathBuf};

/// A speech recogniser. Calls come from many worker threads at once.
pub trait Recognizer: Sync {
    /// What identifies the model in cache keys: the SHA-256 of its file.
    fn id(&self) -> &str;
    /// Whether it can transcribe the language (ISO 639-1); the error says why not, naming the
    /// model.
    fn check_language(&self, language: &str) -> Result<(), RecognizerError>;
    /// The text spoken in `samples` (16 kHz mono, in [-1, 1]), recognised as `language`, with
    /// what is known of the text to expect.
    fn transcribe(&self, samples: &[f32], language: &str, decoding: Decoding) -> Result<Transcript, RecognizerError>;
}

pub use crate::whisper::{Decoding, Transcript};

/// Why a recogniser cannot handle a language or an utterance; the message is one line naming
/// the model.
#[derive(Debug, thiserror::Error)]
pub enum RecognizerError {
    #[error(transparent)]
    Whisper(#[from] crate::whisper::ModelError),
    /// Another recogniser's failure (a test double, another engine).
    #[error(transparent)]
    Other(Box<dyn std::error::Error + Send + Sync>),
}

#[derive(Debug, thiserror::Error)]
pub enum TranscribeError {
    /// The model file could not be loaded (the message names it and says what to do).
    #[error(transparent)]
    Model(#[from] crate::whisper::ModelError),
    #[error("--transcribe: corpus {split} is in {language}: {source}")]
    Language {
        split: String,
        language: String,
        #[source]
        source: RecognizerError,
    },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

/// Loads and checks a Whisper model file for `--transcribe` (the whole file is validated
/// before whisper.cpp sees it; without the `whisper` feature this fails after the checks).
pub fn load_model(path: &Path) -> Result<Box<dyn Recognizer>, TranscribeError> {
    Ok(Box::new(crate::whisper::WhisperModel::load(path)?))
}

/// Whisper as the recogniser: its cache identity is the model file's SHA-256, and its errors
/// are one line naming the model file.
impl Recognizer for crate::whisper::WhisperModel {
    fn id(&self) -> &str {
        self.sha256()
    }

    fn check_language(&self, language: &str) -> Result<(), RecognizerError> {
        Ok(crate::whisper::WhisperModel::check_language(self, language)?)
    }

    fn transcribe(&self, samples: &[f32], language: &str, decoding: Decoding) -> Result<Transcript, RecognizerError> {
        Ok(self.transcribe_with(samples, language, decoding)?)
    }
}

/// Whether `--transcribe` recognises this corpus' samples.
pub fn recognises(manifest: &Manifest) -> bool {
    manifest.transcription.source != TranscriptionOrigin::Corpus
}

/// Checks that the recogniser handles the language of every corpus it will be given.
pub fn check_languages(recognizer: &dyn Recognizer, manifests: &[Manifest]) -> Result<(), TranscribeError> {
    for manifest in manifests.iter().filter(|manifest| recognises(manifest)) {
        recognizer.check_language(&manifest.language_code).map_err(|source| TranscribeError::Language {
            split: manifest.id.clone(),
            language: format!("{} ({})", manifest.language, manifest.language_code),
            source,
        })?;
    }
    Ok(())
}
