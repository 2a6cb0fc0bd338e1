//! Which corpora a command covers: the ones named with `--corpus` (checked against the
//! registry and the corpora added from manifests on disk), or every known corpus when none is
//! named.
use crate::corpora::{self, CorpusEntry};

/// The registry entries for `ids`, in registry order; every corpus when `ids` is empty. The
/// error names the unknown id and lists the known ones.
pub fn select(ids: &[String]) -> Result<Vec<&'static CorpusEntry>, String> {
    if let Some(unknown) = ids.iter().find(|id| corpora::find(id).is_none()) {
        let known: Vec<&str> = corpora::all().iter().map(|entry| entry.id).collect();
        return Err(format!("unknown corpus '{unknown}' (known: {})", known.join(", ")));
    }
    Ok(corpora::all().into_iter().filter(|entry| ids.is_empty() || ids.iter().any(|id| id == entry.id)).collect())
}

/// Quotes a path for a shell command shown to the user, when it needs quoting.
pub fn shell_quote(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+:=@%,".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_selects_every_corpus_and_unknown_ids_are_named() {
        assert_eq!(select(&[]).unwrap().len(), corpora::REGISTRY.len());
        let picked: Vec<&str> = select(&["ravdess".into(), "cafe".into()]).unwrap().iter().map(|e| e.id).collect();
        assert_eq!(picked, ["cafe", "ravdess"]);
        let error = select(&["cafe".into(), "nosuch".into()]).err().unwrap();
        assert!(error.starts_with("unknown corpus 'nosuch' (known: cafe, "), "{error}");
    }

    #[test]
    fn paths_are_quoted_only_when_needed() {
        assert_eq!(shell_quote("raw/cafe"), "raw/cafe");
        assert_eq!(shell_quote("raw/Mexican Emotional (MESD).zip"), "'raw/Mexican Emotional (MESD).zip'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
