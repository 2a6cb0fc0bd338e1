//! Speech-to-text with Whisper (whisper.cpp through whisper-rs): loading a ggml model that was
//! checked byte by byte first, and transcribing 16 kHz mono samples, one utterance per call.
//!
//! One `WhisperModel` is shared by all worker threads: the whisper.cpp context (the weights) is
//! read-only, and each call runs on a whisper.cpp state (its buffers) of its own, taken from a
//! pool and put back, so N rayon workers use N states and never share one. Each call decodes on
//! one thread; parallelism comes from the workers. Decoding is greedy at temperature 0 without
//! fallback, so the same samples give the same text.
//!
//! Without the `whisper` cargo feature the API stays (so callers need no `cfg`), the file is still
//! checked, and `load` then fails saying the feature is off.
pub mod ggml;
pub mod languages;

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The rate whisper.cpp expects its samples at.
pub const WHISPER_RATE: u32 = 16_000;

/// What to run to get a model, for the error messages.
const MAKE_MODEL: &str = "scripts/whisper-model OUT.bin [--model tiny.en|base]";

/// Why a model could not be loaded or used. Each message is one line naming the file and what
/// to do.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("whisper model {}: no such file; create one with {MAKE_MODEL}", path.display())]
    Missing { path: PathBuf },
    #[error("whisper model {}: cannot read it: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("whisper model {} is {what}, not a whisper.cpp ggml model; convert one with {MAKE_MODEL}", path.display())]
    NotGgml { path: PathBuf, what: String },
    #[error("whisper model {} is corrupt: {why}; re-create it with {MAKE_MODEL}", path.display())]
    Corrupt { path: PathBuf, why: String },
    #[error("whisper model {} is truncated: {why}; re-create it with {MAKE_MODEL}", path.display())]
    Truncated { path: PathBuf, why: String },
    #[error("whisper model {}: {why}", path.display())]
    Unsupported { path: PathBuf, why: String },
    #[error("whisper model {}: whisper.cpp could not load it ({why}); re-create it with {MAKE_MODEL}", path.display())]
    Load { path: PathBuf, why: String },
    #[error("whisper model {} is English-only and cannot transcribe language '{language}'; use a multilingual model ({MAKE_MODEL} --model base)", path.display())]
    EnglishOnly { path: PathBuf, language: String },
    #[error("whisper model {}: '{language}' is not a Whisper language code (ISO 639-1, e.g. en, fr, de, es, pl, bn)", path.display())]
    UnknownLanguage { path: PathBuf, language: String },
    #[error("whisper model {}: cannot transcribe this audio: {why}", path.display())]
    Audio { path: PathBuf, why: String },
    #[error("whisper model {}: transcription failed in whisper.cpp: {why}", path.display())]
    Transcribe { path: PathBuf, why: String },
    #[error("whisper model {}: this cameo was built without the `whisper` cargo feature; rebuild it with the default features", path.display())]
    Disabled { path: PathBuf },
}

/// A Whisper model ready to transcribe, shareable across threads (`Sync`).
pub struct WhisperModel {
    path: PathBuf,
    sha256: String,
    hparams: ggml::Hparams,
    #[cfg(feature = "whisper")]
    engine: engine::Engine,
}

impl std::fmt::Debug for WhisperModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhisperModel").field("path", &self.path).field("sha256", &self.sha256).finish()
    }
}

impl WhisperModel {
    /// Reads the file, checks its whole ggml layout (`ggml::check`), hashes it, and hands the same
    /// bytes to whisper.cpp (so the hash is of what was loaded).
    pub fn load(path: &Path) -> Result<WhisperModel, ModelError> {
        let owned = || path.to_path_buf();
        let bytes = std::fs::read(path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => ModelError::Missing { path: owned() },
            _ => ModelError::Io { path: owned(), source },
        })?;
        let hparams = ggml::check(&bytes).map_err(|problem| match problem {
            ggml::Problem::NotGgml(what) => ModelError::NotGgml { path: owned(), what },
            ggml::Problem::Corrupt(why) => ModelError::Corrupt { path: owned(), why },
            ggml::Problem::Truncated(why) => ModelError::Truncated { path: owned(), why },
            ggml::Problem::Unsupported(why) => ModelError::Unsupported { path: owned(), why },
        })?;
        let sha256 = hex::encode(Sha256::digest(&bytes));
        #[cfg(feature = "whisper")]
        {
            let engine = engine::Engine::load(&bytes).map_err(|why| ModelError::Load { path: owned(), why })?;
            Ok(WhisperModel { path: owned(), sha256, hparams, engine })
        }
        #[cfg(not(feature = "whisper"))]
        {
            let _ = (sha256, hparams);
            Err(ModelError::Disabled { path: owned() })
        }
    }

    /// The file this model was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Lower-case hex SHA-256 of the model file (a cache key for transcripts).
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The model's hyper-parameters as its file declares them.
    pub fn hparams(&self) -> &ggml::Hparams {
        &self.hparams
    }

    /// Whether the model knows languages other than English (whisper.cpp's own test).
    pub fn is_multilingual(&self) -> bool {
        self.hparams.n_vocab >= languages::MULTILINGUAL_VOCAB
    }

    /// Whether the model can transcribe `iso639_1` ("en", "fr", …).
    pub fn supports_language(&self, iso639_1: &str) -> bool {
        languages::languages_for(self.hparams.n_vocab).contains(&iso639_1)
    }

    /// `supports_language` as a `Result` with the one-line reason.
    pub fn check_language(&self, iso639_1: &str) -> Result<(), ModelError> {
        if self.supports_language(iso639_1) {
            return Ok(());
        }
        let (path, language) = (self.path.clone(), iso639_1.to_string());
        if !self.is_multilingual() && languages::WHISPER_LANGUAGES.contains(&iso639_1) {
            Err(ModelError::EnglishOnly { path, language })
        } else {
            Err(ModelError::UnknownLanguage { path, language })
        }
    }

    /// Transcribes one utterance (16 kHz mono, full scale ±1.0) spoken in `language`: greedy
    /// decoding, no timestamps, no translation, on the calling thread alone; the text is trimmed.
    /// Audio longer than Whisper's 30 s window is transcribed window by window, one segment per
    /// window, and the segments joined.
    pub fn transcribe(&self, samples_16k_mono: &[f32], language: &str) -> Result<String, ModelError> {
        self.check_language(language)?;
        let audio_error = |why: String| ModelError::Audio { path: self.path.clone(), why };
        if samples_16k_mono.is_empty() {
            return Err(audio_error("no samples".into()));
        }
        if let Some(i) = samples_16k_mono.iter().position(|s| !s.is_finite()) {
            return Err(audio_error(format!("sample {i} is {}", samples_16k_mono[i])));
        }
        #[cfg(feature = "whisper")]
        {
            self.engine
                .transcribe(samples_16k_mono, language)
                .map_err(|why| ModelError::Transcribe { path: self.path.clone(), why })
        }
        #[cfg(not(feature = "whisper"))]
        Err(ModelError::Disabled { path: self.path.clone() })
    }
}

#[cfg(feature = "whisper")]
mod engine {
    //! The whisper-rs calls: one context, a pool of states.
    use std::sync::{Mutex, Once};
    use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState};

    /// whisper.cpp ignores input shorter than 100 ms (10 mel frames) and returns no text; it pads
    /// every window with silence to 30 s anyway, so padding short input to 1 s with zeros changes
    /// nothing else and lets a short word through.
    const MIN_SAMPLES: usize = super::WHISPER_RATE as usize;

    pub struct Engine {
        context: WhisperContext,
        /// Idle states; a call takes one (or makes one) and returns it when done.
        states: Mutex<Vec<WhisperState>>,
    }

    /// whisper.cpp and ggml log every load and run to stderr; whisper-rs's hooks route those logs
    /// to the `log`/`tracing` crates, which we do not enable, so they are dropped.
    fn silence_logs() {
        static ONCE: Once = Once::new();
        ONCE.call_once(whisper_rs::install_logging_hooks);
    }

    impl Engine {
        pub fn load(bytes: &[u8]) -> Result<Engine, String> {
            silence_logs();
            let mut params = WhisperContextParameters::default();
            params.use_gpu(false);
            let context = WhisperContext::new_from_buffer_with_params(bytes, params).map_err(|e| format!("{e}"))?;
            Ok(Engine { context, states: Mutex::new(Vec::new()) })
        }

        pub fn transcribe(&self, samples: &[f32], language: &str) -> Result<String, String> {
            let pooled = self.states.lock().map_err(|_| "state pool poisoned".to_string())?.pop();
            let mut state = match pooled {
                Some(state) => state,
                None => self.context.create_state().map_err(|e| format!("cannot create a state: {e}"))?,
            };
            let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
            params.set_n_threads(1);
            params.set_language(Some(language));
            params.set_translate(false);
            params.set_no_timestamps(true);
            params.set_single_segment(true);
            params.set_no_context(true);
            params.set_temperature(0.0);
            // No fallback to sampling at higher temperatures: greedy only, reproducible.
            params.set_temperature_inc(0.0);
            params.set_print_progress(false);
            params.set_print_realtime(false);
            params.set_print_special(false);
            params.set_print_timestamps(false);
            let padded;
            let input = if samples.len() < MIN_SAMPLES {
                padded = [samples, &vec![0.0; MIN_SAMPLES - samples.len()]].concat();
                &padded[..]
            } else {
                samples
            };
            state.full(params, input).map_err(|e| format!("{e}"))?;
            let mut text = String::new();
            for segment in state.as_iter() {
                text.push_str(&segment.to_str_lossy().map_err(|e| format!("{e}"))?);
            }
            if let Ok(mut pool) = self.states.lock() {
                pool.push(state);
            }
            Ok(text.trim().to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Workers share one model: it must be `Send + Sync` (checked at compile time).
    const _: fn() = || {
        fn shared<T: Send + Sync>() {}
        shared::<WhisperModel>();
    };

    #[test]
    fn load_errors_are_one_line_and_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.bin");
        let error = WhisperModel::load(&missing).unwrap_err();
        assert!(matches!(error, ModelError::Missing { .. }));
        let text = error.to_string();
        assert!(text.contains(&missing.display().to_string()) && !text.contains('\n'), "{text}");
        assert!(text.contains("scripts/whisper-model"), "{text}");

        let junk = dir.path().join("junk.bin");
        std::fs::write(&junk, b"\x89PNG\r\n\x1a\n").unwrap();
        let text = WhisperModel::load(&junk).unwrap_err().to_string();
        assert!(text.contains("not a ggml file (first bytes 89 50 4e 47)"), "{text}");
    }
}
