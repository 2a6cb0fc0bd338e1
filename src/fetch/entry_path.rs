//! Where an archive entry may be written: its name decoded (zip names without the UTF-8 flag
//! are CP437), normalised to NFC, and refused when it would land outside the extraction folder
//! (absolute paths, drive letters, `..` components: "zip-slip").
use std::path::PathBuf;
use unicode_normalization::UnicodeNormalization;

/// The name of a zip entry. The zip crate decodes names without the UTF-8 flag as CP437 (the
/// format's default, and how the CaFE zip stores `Colère`); a name that is nevertheless valid
/// multi-byte UTF-8 was written by a tool that omits the flag (macOS Archive Utility), since
/// CP437 text almost never forms valid UTF-8 sequences.
pub fn zip_entry_name(decoded: &str, raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(utf8) if utf8 != decoded => utf8.to_string(),
        _ => decoded.to_string(),
    }
}

/// The relative path an entry named `name` is written to, or why it is refused. Backslashes
/// count as separators (some Windows tools write them); `.` and empty parts are dropped.
pub fn safe_relative_path(name: &str) -> Result<PathBuf, String> {
    if name.contains('\0') {
        return Err("the name contains a NUL byte".into());
    }
    let name = name.replace('\\', "/");
    if name.starts_with('/') {
        return Err("absolute path".into());
    }
    let bytes = name.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Err("absolute path (drive letter)".into());
    }
    let mut path = PathBuf::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err("a `..` component would write outside the extraction folder".into()),
            _ => path.push(part.nfc().collect::<String>()),
        }
    }
    if path.as_os_str().is_empty() {
        return Err("empty name".into());
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_names_pass_and_are_nfc() {
        assert_eq!(safe_relative_path("CaFE/Colère/a.wav").unwrap(), PathBuf::from("CaFE/Colère/a.wav"));
        assert_eq!(safe_relative_path("./a\\b/").unwrap(), PathBuf::from("a/b"));
        let nfd = "De\u{301}gou\u{302}t/x.wav";
        assert_eq!(safe_relative_path(nfd).unwrap(), PathBuf::from("Dégoût/x.wav"));
    }

    #[test]
    fn escaping_names_are_refused() {
        for (name, reason) in [
            ("../evil.txt", "a `..` component would write outside the extraction folder"),
            ("a/../../evil.txt", "a `..` component would write outside the extraction folder"),
            ("..\\evil.txt", "a `..` component would write outside the extraction folder"),
            ("/etc/passwd", "absolute path"),
            ("C:\\Windows\\x", "absolute path (drive letter)"),
            ("a\0b", "the name contains a NUL byte"),
            ("./", "empty name"),
        ] {
            assert_eq!(safe_relative_path(name).unwrap_err(), reason, "{name}");
        }
    }

    #[test]
    fn zip_names_cp437_unless_valid_utf8() {
        // CP437 0x8A = è: the zip crate's decoding is kept.
        assert_eq!(zip_entry_name("Colère/", b"Col\x8Are/"), "Colère/");
        // UTF-8 bytes without the flag: the zip crate shows CP437 mojibake, the UTF-8 reading wins.
        assert_eq!(zip_entry_name("Col├¿re/", "Colère/".as_bytes()), "Colère/");
        assert_eq!(zip_entry_name("plain.wav", b"plain.wav"), "plain.wav");
    }
}
