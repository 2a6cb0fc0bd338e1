//! How names on disk become the `/`-separated UTF-8 paths that adapters match and records
//! carry in their `source` column. Archives reach users in several shapes: CaFE_48k.zip stores
//! `Colère` as CP437 bytes without the zip UTF-8 flag, so `unzip` leaves the raw bytes
//! `Col\x8are`, some extractors decode them as cp1252 and write `ColŠre`, others write proper
//! UTF-8, composed (NFC) or decomposed (NFD, macOS). One rule, per path component, makes all of
//! them the same name:
//!
//! 1. bytes that are not UTF-8 are decoded as CP437, the code page the zip format prescribes for
//!    names without its UTF-8 flag;
//! 2. UTF-8 that is cp1252 mojibake of CP437 is repaired: the component encodes to cp1252, holds
//!    at least one character of cp1252's 0x80–0x9F block (`Š`, `‚`, `–`, …: letters in CP437,
//!    rare in real names), each of them between two letters, and decoding those bytes as CP437
//!    gives letters only. `cœur` stays (CP437 would make `c£ur`), so does `Report – final`;
//! 3. the result is put in Unicode NFC.
//!
//! Two different names on disk never become one path: when several map to the same text, the
//! one whose bytes already are that text keeps it (else the first in byte order), and each other
//! is named by its exact bytes, escaped (`\xNN` for a byte that is not UTF-8, `\\` for a
//! backslash). The exact bytes of every renamed file are kept in build.json (see
//! [`escape_bytes`]).
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use unicode_normalization::UnicodeNormalization;

/// A path below a corpus folder as cameo names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedPath {
    /// `/`-separated, UTF-8, NFC.
    pub text: String,
    /// Whether the bytes on disk are exactly `text` (no decoding, repair or normalisation).
    pub exact: bool,
}

/// Names `relative` (a path below a corpus folder) by the module's rule.
pub fn decode_relative(relative: &Path) -> DecodedPath {
    let parts: Vec<String> = relative.iter().map(decode_component).collect();
    let text = parts.join("/");
    let exact = relative.as_os_str().as_bytes() == text.as_bytes();
    DecodedPath { text, exact }
}

/// One file or folder name by the module's rule.
pub fn decode_component(name: &OsStr) -> String {
    let decoded = match std::str::from_utf8(name.as_bytes()) {
        Ok(text) if text.is_ascii() => return text.to_string(),
        Ok(text) => repair_cp1252_mojibake(text).unwrap_or_else(|| text.to_string()),
        Err(_) => cp437(name.as_bytes()),
    };
    decoded.nfc().collect()
}

fn cp437(bytes: &[u8]) -> String {
    oem_cp::decode_string_complete_table(bytes, &oem_cp::code_table::DECODING_TABLE_CP437)
}

/// Whether `c` is one of the characters cp1252 puts at 0x80–0x9F.
fn in_cp1252_c1_block(c: char) -> bool {
    let mut buffer = [0u8; 4];
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(c.encode_utf8(&mut buffer));
    !unmappable && bytes.len() == 1 && (0x80..0xA0).contains(&bytes[0])
}

/// The CP437 reading of `text`'s cp1252 bytes, when `text` is mojibake by the rule above.
fn repair_cp1252_mojibake(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut suspicious = false;
    for (at, &c) in chars.iter().enumerate() {
        if !in_cp1252_c1_block(c) {
            continue;
        }
        let letter_before = at > 0 && chars[at - 1].is_alphabetic();
        let letter_after = chars.get(at + 1).is_some_and(|next| next.is_alphabetic());
        if !(letter_before && letter_after) {
            return None;
        }
        suspicious = true;
    }
    if !suspicious {
        return None;
    }
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    if unmappable {
        return None;
    }
    let repaired = cp437(&bytes);
    let letters_only = bytes.iter().zip(repaired.chars()).all(|(&byte, c)| byte < 0x80 || c.is_alphabetic());
    letters_only.then_some(repaired)
}

/// The exact bytes of a name, readable: UTF-8 as it is, `\\` for a backslash, `\xNN` for each
/// byte that is not part of valid UTF-8. Two different names never escape alike.
pub fn escape_bytes(name: &OsStr) -> String {
    let mut escaped = String::new();
    for chunk in name.as_bytes().utf8_chunks() {
        escaped.push_str(&chunk.valid().replace('\\', "\\\\"));
        for byte in chunk.invalid() {
            escaped.push_str(&format!("\\x{byte:02X}"));
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> String {
        decode_relative(Path::new(OsStr::from_bytes(bytes))).text
    }

    #[test]
    fn cp437_bytes_mojibake_nfc_and_nfd_give_one_name() {
        let nfc = "Colère/Dégoût";
        for variant in [
            b"Col\x8are/D\x82go\x96t".to_vec(),
            "ColŠre/D‚go–t".as_bytes().to_vec(),
            nfc.as_bytes().to_vec(),
            "Cole\u{300}re/De\u{301}gou\u{302}t".as_bytes().to_vec(),
        ] {
            assert_eq!(decode(&variant), nfc, "{}", escape_bytes(OsStr::from_bytes(&variant)));
        }
        assert!(decode_relative(Path::new(nfc)).exact);
        assert!(!decode_relative(Path::new("Cole\u{300}re")).exact);
    }

    #[test]
    fn real_names_with_cp1252_punctuation_or_ligatures_are_left_alone() {
        for name in ["cœur", "Report – final", "Œuvre", "“quoted”", "Straße", "Ёлка", "ładny", "a‚"] {
            assert_eq!(decode(name.as_bytes()), name.nfc().collect::<String>());
        }
    }

    #[test]
    fn escaping_keeps_every_byte_and_is_unambiguous() {
        assert_eq!(escape_bytes(OsStr::from_bytes(b"Col\x8are")), "Col\\x8Are");
        assert_eq!(escape_bytes(OsStr::from_bytes(b"a\\x8Ab")), "a\\\\x8Ab");
        assert_eq!(escape_bytes(OsStr::new("Cole\u{300}re")), "Cole\u{300}re");
    }
}
