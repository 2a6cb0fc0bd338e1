//! Speech-to-text with Whisper (whisper.cpp through whisper-rs): loading a ggml model that was
//! checked byte by byte first, and transcribing 16 kHz mono samples, one utterance per call.
//!
//! One `WhisperModel` is shared by all worker threads: the whisper.cpp context (the weights) is
//! read-only, and each call runs on a whisper.cpp state (its buffers) of its own, taken from a
//! pool and put back, so N rayon workers use N states and never share one. Each call decodes on
//! one thread by default; parallelism comes from the workers (see [`Settings::threads`]).
//! Decoding is greedy at temperature 0 without fallback, so the same samples give the same text.
//!
//! The corpora's clips are 1–6 s, and Whisper encodes a 30 s window whatever the clip holds; most
//! of the time went into encoding silence. So by default ([`Settings::default`]) each call:
//! - trims leading and trailing silence (keeping a margin, [`trim_silence`]);
//! - cuts the encoder's context to the clip's length plus a margin (whisper.cpp `audio_ctx`,
//!   [`audio_ctx_for`]): 1,500 positions are 30 s, one is 20 ms;
//! - stops a greedy repetition loop ("nothing, nothing, …") as soon as it is evident instead of
//!   running it to whisper.cpp's 220-token end, and says so ([`Transcript::looped`]);
//! - stops after as many sentence ends as the caller says the text can have
//!   ([`Decoding::max_sentences`]).
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

/// How the engine runs each call; [`Settings::default`] is what `cameo build --transcribe` uses.
/// The switches exist so that `scripts/bench-whisper` can measure each lever on its own.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// whisper.cpp threads per call (the callers' workers are the other axis).
    pub threads: usize,
    /// Encoder positions added to the clip's own (None: the whole 30 s window, 1,500 positions).
    pub audio_ctx_margin: Option<usize>,
    /// Trim leading and trailing silence before recognition.
    pub trim_silence: bool,
    /// Stop a repetition loop when it is evident (and report it).
    pub stop_loops: bool,
}

impl Default for Settings {
    /// The measured choice (README, "Speed"): one thread per call, encoder context cut to the
    /// clip plus 2.56 s, silence trimmed, loops stopped. With a margin of 1.28 s, base repeated
    /// 4 of 40 real prompts in a loop (the encoder sees the speech end where it expects more),
    /// with 1.92 s 1 of 40, with 2.56 s none, and every decision was faster-whisper's.
    fn default() -> Self {
        Settings { threads: 1, audio_ctx_margin: Some(128), trim_silence: true, stop_loops: true }
    }
}

/// What the caller knows about the text to expect.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Decoding {
    /// The most sentences the text can have (the longest candidate's): decoding stops after that
    /// many sentence ends. None: no limit (free transcription).
    pub max_sentences: Option<usize>,
}

/// One recognised utterance.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Transcript {
    /// The text, trimmed.
    pub text: String,
    /// Decoding fell into a repetition loop and was stopped there: the text is the loop's start,
    /// not a transcription to trust.
    pub looped: bool,
}

/// A Whisper model ready to transcribe, shareable across threads (`Sync`).
pub struct WhisperModel {
    path: PathBuf,
    sha256: String,
    hparams: ggml::Hparams,
    settings: Settings,
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
        WhisperModel::load_with(path, Settings::default())
    }

    /// `load` with other engine settings (benchmarks, comparisons).
    pub fn load_with(path: &Path, settings: Settings) -> Result<WhisperModel, ModelError> {
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
            Ok(WhisperModel { path: owned(), sha256, hparams, settings, engine })
        }
        #[cfg(not(feature = "whisper"))]
        {
            let _ = (sha256, hparams, settings);
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

    /// The engine settings it runs with.
    pub fn settings(&self) -> Settings {
        self.settings
    }

    /// Transcribes one utterance (16 kHz mono, full scale ±1.0) spoken in `language`: greedy
    /// decoding, no timestamps, no translation; the text is trimmed. Audio longer than Whisper's
    /// 30 s window is transcribed window by window, one segment per window, and the segments
    /// joined. A repetition loop is stopped and its start returned as the text.
    pub fn transcribe(&self, samples_16k_mono: &[f32], language: &str) -> Result<String, ModelError> {
        Ok(self.transcribe_with(samples_16k_mono, language, Decoding::default())?.text)
    }

    /// `transcribe` with what the caller knows about the text, saying whether it looped.
    pub fn transcribe_with(
        &self,
        samples_16k_mono: &[f32],
        language: &str,
        decoding: Decoding,
    ) -> Result<Transcript, ModelError> {
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
            let samples = if self.settings.trim_silence { trim_silence(samples_16k_mono) } else { samples_16k_mono };
            let audio_ctx = self.settings.audio_ctx_margin.map_or(0, |margin| {
                audio_ctx_for(samples.len().max(MIN_SAMPLES), margin, self.hparams.n_audio_ctx as usize)
            });
            self.engine
                .transcribe(samples, language, audio_ctx, decoding, &self.settings)
                .map_err(|why| ModelError::Transcribe { path: self.path.clone(), why })
        }
        #[cfg(not(feature = "whisper"))]
        {
            let _ = decoding;
            Err(ModelError::Disabled { path: self.path.clone() })
        }
    }
}

/// whisper.cpp ignores input shorter than 100 ms (10 mel frames) and returns no text; it pads
/// every window with silence to 30 s anyway, so padding short input to 1 s with zeros changes
/// nothing else and lets a short word through.
const MIN_SAMPLES: usize = WHISPER_RATE as usize;

/// Samples per encoder position: a mel frame is 160 samples (10 ms) and the encoder's second
/// convolution halves the frames.
const SAMPLES_PER_POSITION: usize = 320;

/// The encoder context for a clip of `samples`: its own positions plus `margin`, rounded up to
/// a multiple of 32 (whisper.cpp pads its attention to such sizes anyway), at most the model's
/// whole window. Clips longer than one window keep the whole window (they are cut in 30 s
/// pieces, each of which may be full).
pub fn audio_ctx_for(samples: usize, margin: usize, n_audio_ctx: usize) -> usize {
    let own = samples.div_ceil(SAMPLES_PER_POSITION);
    if own >= n_audio_ctx {
        return n_audio_ctx;
    }
    ((own + margin).div_ceil(32) * 32).min(n_audio_ctx)
}

/// Frames of 10 ms for the silence decision.
const TRIM_FRAME: usize = 160;
/// A frame is silence when its RMS lies this far below the loudest frame's (dB)…
const TRIM_BELOW_PEAK_DB: f32 = 40.0;
/// …or below this level whatever the peak (dBFS): recording noise floors lie well under it.
const TRIM_FLOOR_DBFS: f32 = -60.0;
/// Silence kept on each side of the speech: Whisper heard speech starting after a pause in
/// training, and the first consonant's onset is quieter than the frame threshold.
const TRIM_KEEP: usize = 3_200;

/// `samples` without the leading and trailing silence, less `TRIM_KEEP` samples on each side
/// (a clip that is silence throughout is returned whole: nothing to decide there).
pub fn trim_silence(samples: &[f32]) -> &[f32] {
    let rms: Vec<f32> = samples
        .chunks(TRIM_FRAME)
        .map(|frame| (frame.iter().map(|s| s * s).sum::<f32>() / frame.len() as f32).sqrt())
        .collect();
    let peak = rms.iter().copied().fold(0.0f32, f32::max);
    let threshold = (peak * 10f32.powf(-TRIM_BELOW_PEAK_DB / 20.0)).max(10f32.powf(TRIM_FLOOR_DBFS / 20.0));
    let (Some(first), Some(last)) =
        (rms.iter().position(|&r| r >= threshold), rms.iter().rposition(|&r| r >= threshold))
    else {
        return samples;
    };
    let start = (first * TRIM_FRAME).saturating_sub(TRIM_KEEP);
    let end = ((last + 1) * TRIM_FRAME + TRIM_KEEP).min(samples.len());
    &samples[start..end]
}

/// The block length of a repetition loop at the tail of `tokens`, if there is one: a block of 1
/// to 48 tokens repeated at least 4 times in a row, over at least 16 tokens. Real speech repeats
/// ("no, no, no, listen!" is 3 times a 2-token block), but not for 16 tokens; a greedy loop, once
/// in, never leaves it.
pub fn loop_period(tokens: &[i32]) -> Option<usize> {
    const MIN_TOKENS: usize = 16;
    const MIN_REPEATS: usize = 4;
    (1..=48).find(|&period| {
        let repeats = MIN_REPEATS.max(MIN_TOKENS.div_ceil(period));
        let span = period * repeats;
        if tokens.len() < span {
            return false;
        }
        let tail = &tokens[tokens.len() - span..];
        tail.iter().enumerate().all(|(i, t)| *t == tail[i % period])
    })
}

/// Whether the tail of `tokens` is a repetition loop ([`loop_period`]).
pub fn is_looping(tokens: &[i32]) -> bool {
    loop_period(tokens).is_some()
}

/// Where the first copy of the repeated block ends, for a loop of `period` at the tail of
/// `tokens`: the periodic run is followed back to its start.
pub fn first_copy_end(tokens: &[i32], period: usize) -> usize {
    let mut start = tokens.len() - period;
    while start > 0 && tokens[start - 1] == tokens[start - 1 + period] {
        start -= 1;
    }
    start + period
}

/// Counts sentences as text streams in: each run of sentence-ending punctuation (. ? ! … and the
/// CJK and Indic full stops: Bengali ends sentences with the danda) after some words ends one.
#[derive(Debug, Default, Clone, Copy)]
struct Sentences {
    ended: usize,
    open: bool,
}

impl Sentences {
    fn feed(&mut self, text: &str) {
        for c in text.chars() {
            if matches!(c, '.' | '?' | '!' | '…' | '。' | '？' | '।') {
                self.ended += usize::from(self.open);
                self.open = false;
            } else if c.is_alphanumeric() || c == char::REPLACEMENT_CHARACTER {
                // A replacement character is a letter split between two tokens.
                self.open = true;
            }
        }
    }
}

/// How many sentences a text has: ended ones, and words after the last end are one more
/// ("What??? No, no, no, listen! I need this money!" is 3; "Kids are talking by the door" is 1).
pub fn sentence_count(text: &str) -> usize {
    let mut sentences = Sentences::default();
    sentences.feed(text);
    sentences.ended + usize::from(sentences.open)
}

#[cfg(feature = "whisper")]
mod engine {
    //! The whisper-rs calls: one context, a pool of states, and the logits filter that stops
    //! decoding early.
    use super::{first_copy_end, loop_period, Decoding, Sentences, Settings, Transcript};
    use std::os::raw::{c_int, c_void};
    use std::sync::{Mutex, Once};
    use whisper_rs::{
        FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState, WhisperSysContext,
        WhisperSysState, WhisperTokenData,
    };

    pub struct Engine {
        context: WhisperContext,
        /// Idle states; a call takes one (or makes one) and returns it when done.
        states: Mutex<Vec<WhisperState>>,
        /// The bytes of every ordinary token (ids below end-of-text), read once: the logits
        /// filter counts sentences in them without calling into whisper.cpp.
        tokens: Vec<Vec<u8>>,
        eot: i32,
        n_vocab: usize,
    }

    /// whisper.cpp and ggml log every load and run to stderr; whisper-rs's hooks route those logs
    /// to the `log`/`tracing` crates, which we do not enable, so they are dropped.
    fn silence_logs() {
        static ONCE: Once = Once::new();
        ONCE.call_once(whisper_rs::install_logging_hooks);
    }

    /// What the logits filter of one call needs, and what it found.
    struct Guard<'a> {
        tokens: &'a [Vec<u8>],
        eot: i32,
        n_vocab: usize,
        stop_loops: bool,
        max_sentences: Option<usize>,
        looped: bool,
        /// When the loop repeats a whole sentence: the bytes of the text up to its first end.
        repeated_sentence: Option<Vec<u8>>,
    }

    impl Guard<'_> {
        fn bytes(&self, tokens: &[i32]) -> Vec<u8> {
            tokens
                .iter()
                .filter_map(|&id| usize::try_from(id).ok().and_then(|i| self.tokens.get(i)))
                .flatten()
                .copied()
                .collect()
        }

        /// Whether decoding must end now, after `decoded` (the text tokens so far).
        fn must_end(&mut self, decoded: &[i32]) -> bool {
            if let Some(period) = loop_period(decoded).filter(|_| self.stop_loops) {
                // A cut encoder context makes Whisper say a whole sentence again and again (the
                // speech ends where it expects more): that is the sentence once, followed by a
                // hallucination, not a failed recognition. Any other loop is.
                // The first copy may start mid-sentence ("чтобы набрать … номер. Чтобы набрать …":
                // the first word's case differs), so the text ends at the first sentence end
                // inside it.
                let start = first_copy_end(decoded, period) - period;
                let sentence_end = (start..start + period).find(|&i| {
                    let text = String::from_utf8_lossy(&self.bytes(&decoded[i..=i])).into_owned();
                    text.trim_end().ends_with(['.', '?', '!', '…', '。', '？', '।'])
                });
                match sentence_end {
                    Some(i) => self.repeated_sentence = Some(self.bytes(&decoded[..=i])),
                    None => self.looped = true,
                }
                return true;
            }
            let Some(max) = self.max_sentences else { return false };
            let mut sentences = Sentences::default();
            for &id in decoded {
                if let Some(bytes) = usize::try_from(id).ok().and_then(|i| self.tokens.get(i)) {
                    sentences.feed(&String::from_utf8_lossy(bytes));
                }
            }
            sentences.ended >= max
        }
    }

    /// whisper.cpp calls this before each greedy choice with the tokens decoded so far and the
    /// next token's logits; to end decoding, every logit but end-of-text's becomes −∞.
    unsafe extern "C" fn filter_logits(
        _context: *mut WhisperSysContext,
        _state: *mut WhisperSysState,
        tokens: *const WhisperTokenData,
        n_tokens: c_int,
        logits: *mut f32,
        user_data: *mut c_void,
    ) {
        // SAFETY: user_data is the &mut Guard that `transcribe` set and outlives `full`, which
        // calls this synchronously on its own thread; tokens/logits are whisper.cpp's arrays of
        // n_tokens entries and of the vocabulary's size (ordinary tokens up to eot, then more).
        let guard = unsafe { &mut *(user_data as *mut Guard) };
        let decoded: Vec<i32> = match usize::try_from(n_tokens) {
            Ok(n) if n > 0 && !tokens.is_null() => {
                unsafe { std::slice::from_raw_parts(tokens, n) }.iter().map(|t| t.id).collect()
            }
            _ => return,
        };
        if guard.must_end(&decoded) {
            let logits = unsafe { std::slice::from_raw_parts_mut(logits, guard.n_vocab) };
            for (id, logit) in logits.iter_mut().enumerate() {
                if id as i32 != guard.eot {
                    *logit = f32::NEG_INFINITY;
                }
            }
        }
    }

    impl Engine {
        pub fn load(bytes: &[u8]) -> Result<Engine, String> {
            silence_logs();
            let mut params = WhisperContextParameters::default();
            params.use_gpu(cfg!(feature = "cuda"));
            let context = WhisperContext::new_from_buffer_with_params(bytes, params).map_err(|e| format!("{e}"))?;
            let eot = context.token_eot();
            let tokens = (0..eot)
                .map(|id| context.token_to_bytes(id).map(<[u8]>::to_vec).map_err(|e| format!("token {id}: {e}")))
                .collect::<Result<_, _>>()?;
            let n_vocab = usize::try_from(context.n_vocab()).map_err(|_| "negative vocabulary size".to_string())?;
            Ok(Engine { context, states: Mutex::new(Vec::new()), tokens, eot, n_vocab })
        }

        pub fn transcribe(
            &self,
            samples: &[f32],
            language: &str,
            audio_ctx: usize,
            decoding: Decoding,
            settings: &Settings,
        ) -> Result<Transcript, String> {
            let pooled = self.states.lock().map_err(|_| "state pool poisoned".to_string())?.pop();
            let mut state = match pooled {
                Some(state) => state,
                None => self.context.create_state().map_err(|e| format!("cannot create a state: {e}"))?,
            };
            let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
            params.set_n_threads(settings.threads.max(1) as c_int);
            params.set_language(Some(language));
            params.set_translate(false);
            params.set_no_timestamps(true);
            params.set_single_segment(true);
            params.set_no_context(true);
            params.set_temperature(0.0);
            // No fallback to sampling at higher temperatures: greedy only, reproducible.
            params.set_temperature_inc(0.0);
            params.set_audio_ctx(audio_ctx as c_int);
            params.set_print_progress(false);
            params.set_print_realtime(false);
            params.set_print_special(false);
            params.set_print_timestamps(false);
            let mut guard = Guard {
                tokens: &self.tokens,
                eot: self.eot,
                n_vocab: self.n_vocab,
                stop_loops: settings.stop_loops,
                max_sentences: decoding.max_sentences,
                looped: false,
                repeated_sentence: None,
            };
            if guard.stop_loops || guard.max_sentences.is_some() {
                // SAFETY: the callback only reads the token array and writes the logits array
                // whisper.cpp hands it, and the guard, which lives until `full` returns.
                unsafe {
                    params.set_filter_logits_callback(Some(filter_logits));
                    params.set_filter_logits_callback_user_data(&mut guard as *mut Guard as *mut c_void);
                }
            }
            let padded;
            let input = if samples.len() < super::MIN_SAMPLES {
                padded = [samples, &vec![0.0; super::MIN_SAMPLES - samples.len()]].concat();
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
            if let Some(once) = &guard.repeated_sentence {
                text = String::from_utf8_lossy(once).into_owned();
            }
            Ok(Transcript { text: text.trim().to_string(), looped: guard.looped })
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

    #[test]
    fn the_encoder_context_covers_the_clip_and_its_margin() {
        // 3 s = 150 positions, + 128 = 278, rounded up to 288.
        assert_eq!(audio_ctx_for(48_000, 128, 1500), 288);
        assert_eq!(audio_ctx_for(16_000, 64, 1500), 128);
        // A window or more keeps the whole window.
        assert_eq!(audio_ctx_for(480_000, 64, 1500), 1500);
        assert_eq!(audio_ctx_for(29 * 16_000, 64, 1500), 1500);
    }

    #[test]
    fn silence_is_trimmed_with_a_margin_and_speech_kept() {
        let tone = |n: usize| (0..n).map(|i| 0.3 * (i as f32 * 0.2).sin()).collect::<Vec<f32>>();
        let mut clip = vec![0.0f32; 16_000];
        clip.extend(tone(8_000));
        clip.extend(vec![0.0001f32; 24_000]);
        let trimmed = trim_silence(&clip);
        assert_eq!(trimmed.len(), 8_000 + 2 * TRIM_KEEP);
        assert_eq!(trimmed.as_ptr(), clip[16_000 - TRIM_KEEP..].as_ptr());
        // Silence throughout, and speech to the edges, stay whole.
        assert_eq!(trim_silence(&[0.0; 4_000]).len(), 4_000);
        assert_eq!(trim_silence(&tone(5_000)).len(), 5_000);
    }

    #[test]
    fn a_loop_is_a_block_repeated_over_sixteen_tokens() {
        let nothing: Vec<i32> = [5, 9].repeat(8);
        assert!(is_looping(&nothing));
        assert!(!is_looping(&nothing[1..]));
        // "No, no, no, listen!" repeats too, but briefly.
        assert!(!is_looping(&[1, 2, 3, 2, 3, 2, 3, 4]));
        assert!(is_looping(&[7; 16]) && !is_looping(&[7; 15]));
        let mut story: Vec<i32> = (100..110).collect();
        story.extend([1, 2, 3, 4, 5].repeat(4));
        assert!(is_looping(&story));
        assert!(!is_looping(&(0..200).collect::<Vec<i32>>()));
    }

    #[test]
    fn the_first_copy_of_a_loop_is_found() {
        // A prefix, then a 3-token block six times and two thirds.
        let tokens: Vec<i32> = [9, 8].into_iter().chain([1, 2, 3].repeat(6)).chain([1, 2]).collect();
        assert_eq!(loop_period(&tokens), Some(3));
        assert_eq!(first_copy_end(&tokens, 3), 5);
        assert_eq!(first_copy_end(&[7; 16], 1), 1);
        let long: Vec<i32> = (0..30).cycle().take(120).collect();
        assert_eq!(loop_period(&long), Some(30));
    }

    #[test]
    fn sentences_are_counted_by_their_ends() {
        assert_eq!(sentence_count("What??? No, no, no, listen! I need this money!"), 3);
        assert_eq!(sentence_count("Kids are talking by the door"), 1);
        assert_eq!(sentence_count("Wahoo... This is so great."), 2);
        assert_eq!(sentence_count("আমি ভাত খাই।"), 1);
        assert_eq!(sentence_count("...?!"), 0);
        assert_eq!(sentence_count(""), 0);
    }
}
