//! The languages a Whisper model can be told to transcribe.

/// Whisper's language codes in token order (whisper.cpp `g_lang`, openai/whisper `LANGUAGES`):
/// a multilingual model with n_vocab tokens knows the first n_vocab − 51,766 of them (99 for
/// tiny … large-v2, 100 with Cantonese for large-v3).
pub const WHISPER_LANGUAGES: [&str; 100] = [
    "en", "zh", "de", "es", "ru", "ko", "fr", "ja", "pt", "tr", "pl", "ca", "nl", "ar", "sv", "it", "id", "hi", "fi",
    "vi", "he", "uk", "el", "ms", "cs", "ro", "da", "hu", "ta", "no", "th", "ur", "hr", "bg", "lt", "la", "mi", "ml",
    "cy", "sk", "te", "fa", "lv", "bn", "sr", "az", "sl", "kn", "et", "mk", "br", "eu", "is", "hy", "ne", "mn", "bs",
    "kk", "sq", "sw", "gl", "mr", "pa", "si", "km", "sn", "yo", "so", "af", "oc", "ka", "be", "tg", "sd", "gu", "am",
    "yi", "lo", "uz", "fo", "ht", "ps", "tk", "nn", "mt", "sa", "lb", "my", "bo", "tl", "mg", "as", "tt", "haw", "ln",
    "ha", "ba", "jw", "su", "yue",
];

/// The first vocabulary size of multilingual models (English-only ones have 51,864).
pub const MULTILINGUAL_VOCAB: i32 = 51_865;

/// The language codes a model with `n_vocab` tokens accepts.
pub fn languages_for(n_vocab: i32) -> &'static [&'static str] {
    if n_vocab < MULTILINGUAL_VOCAB {
        return &WHISPER_LANGUAGES[..1];
    }
    let known = (n_vocab - 51_766).clamp(0, WHISPER_LANGUAGES.len() as i32) as usize;
    &WHISPER_LANGUAGES[..known]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_only_multilingual_and_large_v3() {
        assert_eq!(languages_for(51_864), ["en"]);
        let multilingual = languages_for(51_865);
        assert_eq!(multilingual.len(), 99);
        for code in ["bn", "en", "fr", "de", "it", "pl", "ru", "es"] {
            assert!(multilingual.contains(&code), "{code}");
        }
        assert!(!multilingual.contains(&"yue"));
        assert_eq!(languages_for(51_866).last(), Some(&"yue"));
    }
}
