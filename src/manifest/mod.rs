//! Corpus manifests: everything about a corpus that is data (names, license, sources, label
//! map, speakers, sentences, expected count), loaded from TOML and validated with errors that
//! name the manifest and the key.
pub mod adapter;

pub use crate::collection::transcription::TranscriptionOrigin;

use crate::record::{Emotion, Gender};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("{manifest}: {message}")]
    Parse { manifest: String, message: String },
    #[error("{manifest}: key `{key}`: {message}")]
    Invalid { manifest: String, key: String, message: String },
    #[error("{manifest}: cannot read: {source}")]
    Io { manifest: String, source: std::io::Error },
    /// Values still saying `TODO…` (as `cameo new-corpus` writes them), each as `key: text`.
    #[error("{manifest}: {} TODO(s) left to fill in: {}", todos.len(), todo_list(todos))]
    Todo { manifest: String, todos: Vec<String> },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Split name, e.g. `ravdess`.
    pub id: String,
    /// Display name, e.g. `RAVDESS`.
    pub name: String,
    /// English name of the language.
    pub language: String,
    /// ISO 639-1 code.
    pub language_code: String,
    /// Samples the corpus contributes to CAMEO.
    pub expected_count: usize,
    pub homepage: Option<String>,
    pub description: Option<String>,
    pub license: License,
    #[serde(default)]
    pub sources: Vec<Source>,
    /// Source label (as the adapter reports it) → CAMEO label.
    pub labels: BTreeMap<String, String>,
    /// Speaker facts not found in file names, keyed by original speaker id.
    #[serde(default)]
    pub speakers: BTreeMap<String, Speaker>,
    /// Whose annotation the `third_party_gender` values of `[speakers]` are (required with
    /// them). The corpus does not distribute them, so a build writes them only when asked to
    /// (`--third-party-genders`), and the card then names this source.
    pub third_party_genders: Option<String>,
    /// How `speaker_id` and `gender` are filled where the corpus does not simply give them
    /// (printed in the card's "Speakers and genders" section).
    pub speaker_note: Option<String>,
    /// Fixed sentence texts keyed by the corpus' sentence code.
    #[serde(default)]
    pub sentences: BTreeMap<String, String>,
    /// What the audio is expected to be; anything else is reported as a warning.
    #[serde(default)]
    pub audio: ExpectedAudio,
    /// Facts that could not be verified, reported by the audit.
    #[serde(default)]
    pub unverified: Vec<String>,
    /// Where the corpus' transcriptions come from (decides what `--transcribe` does with it).
    #[serde(default)]
    pub transcription: TranscriptionSpec,
    /// Source labels that deliberately share one CAMEO label, e.g. `[["HAP", "EXC"]]`; any
    /// other two labels mapped onto one CAMEO label are an error.
    #[serde(default)]
    pub merged_labels: Vec<Vec<String>>,
    /// Where the manifest was read from (`manifests/<id>.toml` for a built-in one, else the
    /// path given), for messages.
    #[serde(skip)]
    pub origin: String,
    /// How the raw tree becomes items: declaratively (see CONTRIBUTING.md), or why a Rust
    /// adapter is needed.
    pub adapter: Option<adapter::AdapterSpec>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranscriptionSpec {
    pub source: TranscriptionOrigin,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct License {
    /// SPDX identifier, or `LicenseRef-…` for licenses without one.
    pub spdx: String,
    /// Human form as the reference release writes it, e.g. `CC BY-NC-SA 4.0`.
    pub name: String,
    pub url: Option<String>,
    pub commercial_use: bool,
    pub derivatives: bool,
    pub share_alike: bool,
    pub attribution: String,
    pub citation: String,
    /// How the license was verified (DOC / VERIFIED / UNVERIFIED and where).
    pub verified: String,
    /// Other sources that state a different license, each as "source: what it says"
    /// (reported by the audit; the manifest's own choice is explained in `verified`).
    #[serde(default)]
    pub conflicts: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub file: String,
    pub url: Option<String>,
    pub size: Option<u64>,
    pub sha256: Option<String>,
    /// Instructions when the file sits behind a login.
    pub manual: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Speaker {
    pub gender: Option<Gender>,
    pub age: Option<u32>,
    /// A gender judged by a third party (see `Manifest::third_party_genders`), not published
    /// with the corpus: used only where `gender` is unknown and the build opts in.
    pub third_party_gender: Option<Gender>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedAudio {
    #[serde(default)]
    pub sample_rates: Vec<u32>,
    #[serde(default)]
    pub channels: Vec<u16>,
}

impl License {
    /// The permission flags as stated, with attribution as the license's terms require it
    /// (required when the terms are unknown).
    pub fn permissions(&self) -> crate::license_terms::Permissions {
        crate::license_terms::Permissions {
            commercial_use: self.commercial_use,
            derivatives: self.derivatives,
            share_alike: self.share_alike,
            attribution: crate::license_terms::known(&self.spdx).is_none_or(|terms| terms.permissions.attribution),
        }
    }
}

impl Manifest {
    /// Parses and validates manifest text; `name` is how errors refer to it. The `[adapter]`
    /// section is parsed here and checked by the corpora that read it, when the manifest joins
    /// a [`crate::corpora::Registry`].
    pub fn parse(text: &str, name: &str) -> Result<Manifest, ManifestError> {
        let parse_error = |error: toml::de::Error| ManifestError::Parse {
            manifest: name.to_string(),
            message: error.to_string().trim().replace('\n', " "),
        };
        let todos = todos_of(&toml::from_str::<toml::Value>(text).map_err(parse_error)?, "");
        if !todos.is_empty() {
            return Err(ManifestError::Todo { manifest: name.to_string(), todos });
        }
        let mut manifest: Manifest = toml::from_str(text).map_err(parse_error)?;
        manifest.validate(name)?;
        manifest.origin = name.to_string();
        Ok(manifest)
    }

    pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
        let name = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|source| ManifestError::Io { manifest: name.clone(), source })?;
        Self::parse(&text, &name)
    }

    fn validate(&self, name: &str) -> Result<(), ManifestError> {
        let invalid =
            |key: String, message: String| ManifestError::Invalid { manifest: name.to_string(), key, message };
        if self.id.is_empty() || !self.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            return Err(invalid("id".into(), format!("'{}' must be lower-case letters, digits and _", self.id)));
        }
        if self.labels.is_empty() {
            return Err(invalid("labels".into(), "no label map".into()));
        }
        for (source, target) in &self.labels {
            target.parse::<Emotion>().map_err(|message| invalid(format!("labels.\"{source}\""), message))?;
        }
        check_merged_labels(&self.labels, &self.merged_labels).map_err(|(key, message)| invalid(key, message))?;
        for (key, value) in [("license.spdx", &self.license.spdx), ("license.name", &self.license.name)] {
            if value.trim().is_empty() {
                return Err(invalid(key.into(), "missing license".into()));
            }
        }
        for (index, source) in self.sources.iter().enumerate() {
            if let Some(sha) = &source.sha256 {
                if sha.len() != 64 || !sha.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)) {
                    return Err(invalid(
                        format!("sources[{index}].sha256"),
                        format!("malformed checksum '{sha}' (64 lower-case hex digits expected)"),
                    ));
                }
            }
            if source.url.is_some() && !is_plain_file_name(&source.file) {
                return Err(invalid(
                    format!("sources[{index}].file"),
                    format!("'{}' must be a plain file name (it names the download in raw/.downloads/)", source.file),
                ));
            }
            if source.url.is_none() && source.manual.is_none() {
                return Err(invalid(format!("sources[{index}]"), "needs `url` or `manual` instructions".into()));
            }
        }
        let annotated = self.speakers.values().any(|speaker| speaker.third_party_gender.is_some());
        match (&self.third_party_genders, annotated) {
            (None, true) => {
                return Err(invalid(
                    "third_party_genders".into(),
                    "[speakers] has third_party_gender values: say whose annotation they are".into(),
                ))
            }
            (Some(_), false) => {
                return Err(invalid(
                    "third_party_genders".into(),
                    "no speaker of [speakers] has a third_party_gender to describe".into(),
                ))
            }
            _ => {}
        }
        Ok(())
    }

    /// The CAMEO label for a source label, if the manifest maps it.
    pub fn emotion_for(&self, source_label: &str) -> Option<Emotion> {
        self.labels.get(source_label).and_then(|target| target.parse().ok())
    }

    /// The labelling step scan and build share: an item's CAMEO label, or the reason it is a
    /// reject.
    pub fn label_for(&self, source_label: &str) -> Result<Emotion, String> {
        self.emotion_for(source_label)
            .ok_or_else(|| format!("unknown emotion code '{source_label}' (not in the [labels] of {})", self.origin))
    }
}

/// The TODOs (`key: text` each) for the error line: every key, each text cut short, so the
/// line stays readable (the file itself has every text in full).
fn todo_list(todos: &[String]) -> String {
    const SHOWN: usize = 40;
    const TEXT: usize = 36;
    let shorten = |todo: &String| match todo.char_indices().nth(TEXT) {
        Some((at, _)) => format!("{}…", &todo[..at]),
        None => todo.clone(),
    };
    let mut text = todos.iter().take(SHOWN).map(shorten).collect::<Vec<_>>().join("; ");
    if todos.len() > SHOWN {
        text.push_str(&format!("; and {} more", todos.len() - SHOWN));
    }
    text
}

/// Every string value starting with `TODO`, as `key: text`, in key order.
fn todos_of(value: &toml::Value, key: &str) -> Vec<String> {
    let join = |sub: &str| if key.is_empty() { sub.to_string() } else { format!("{key}.{sub}") };
    match value {
        toml::Value::String(text) if text.trim_start().starts_with("TODO") => vec![format!("`{key}`: {text}")],
        toml::Value::Table(table) => table
            .iter()
            .flat_map(|(sub, value)| {
                let sub = if sub.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    sub.clone()
                } else {
                    format!("\"{sub}\"")
                };
                todos_of(value, &join(&sub))
            })
            .collect(),
        toml::Value::Array(items) => {
            items.iter().enumerate().flat_map(|(i, item)| todos_of(item, &format!("{key}[{i}]"))).collect()
        }
        _ => Vec::new(),
    }
}

/// Two source labels mapped onto one CAMEO label must be declared in `merged_labels`, so that
/// a copy-paste slip in `[labels]` cannot silently merge two emotions; the error is (key,
/// message).
fn check_merged_labels(labels: &BTreeMap<String, String>, merged: &[Vec<String>]) -> Result<(), (String, String)> {
    for (index, group) in merged.iter().enumerate() {
        let key = format!("merged_labels[{index}]");
        if group.len() < 2 {
            return Err((key, "list at least two source labels that share one CAMEO label".into()));
        }
        let targets: BTreeSet<Option<&String>> = group.iter().map(|label| labels.get(label)).collect();
        if let Some(missing) = group.iter().find(|label| !labels.contains_key(*label)) {
            return Err((key, format!("'{missing}' is not a source label of [labels]")));
        }
        if targets.len() > 1 {
            return Err((key, format!("{group:?} map onto different CAMEO labels in [labels]")));
        }
    }
    let mut by_target: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (source, target) in labels {
        by_target.entry(target).or_default().push(source);
    }
    for (target, sources) in by_target.into_iter().filter(|(_, sources)| sources.len() > 1) {
        let declared = merged.iter().any(|group| sources.iter().all(|source| group.iter().any(|g| g == source)));
        if !declared {
            let quoted: Vec<String> = sources.iter().map(|s| format!("\"{s}\"")).collect();
            return Err((
                "labels".into(),
                format!(
                    "{} {} map onto '{target}'; if that is meant, declare it with merged_labels = [[{}]], \
                     otherwise correct the label that is wrong",
                    quoted.join(" and "),
                    if quoted.len() == 2 { "both" } else { "all" },
                    quoted.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// Whether `name` can name a file inside a folder: not empty, no separators, not `.` or `..`.
pub fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0'])
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id = "toy"
name = "Toy"
language = "English"
language_code = "en"
expected_count = 2
[license]
spdx = "CC-BY-4.0"
name = "CC BY 4.0"
commercial_use = true
derivatives = true
share_alike = false
attribution = "Toy authors"
citation = "Toy (2024)"
verified = "DOC"
[[sources]]
file = "toy.zip"
url = "https://example.org/toy.zip"
sha256 = "0000000000000000000000000000000000000000000000000000000000000000"
[labels]
"01" = "anger"
"#;

    #[test]
    fn a_valid_manifest_loads() {
        let manifest = Manifest::parse(GOOD, "toy.toml").unwrap();
        assert_eq!(manifest.emotion_for("01"), Some(Emotion::Anger));
        assert_eq!(manifest.emotion_for("02"), None);
    }

    #[test]
    fn unknown_target_label_names_the_key() {
        let text = GOOD.replace("\"01\" = \"anger\"", "\"01\" = \"angry\"");
        let error = Manifest::parse(&text, "toy.toml").unwrap_err().to_string();
        assert!(error.starts_with("toy.toml: key `labels.\"01\"`: unknown CAMEO label 'angry'"), "{error}");
    }

    #[test]
    fn missing_license_is_an_error() {
        let start = GOOD.find("[license]").unwrap();
        let end = GOOD.find("[[sources]]").unwrap();
        let text = format!("{}{}", &GOOD[..start], &GOOD[end..]);
        let error = Manifest::parse(&text, "toy.toml").unwrap_err().to_string();
        assert!(error.contains("toy.toml") && error.contains("license"), "{error}");
        let text = GOOD.replace("spdx = \"CC-BY-4.0\"", "spdx = \"\"");
        let error = Manifest::parse(&text, "toy.toml").unwrap_err().to_string();
        assert!(error.contains("`license.spdx`: missing license"), "{error}");
    }

    #[test]
    fn malformed_checksum_names_the_key() {
        let text = GOOD.replace(
            "sha256 = \"0000000000000000000000000000000000000000000000000000000000000000\"",
            "sha256 = \"abc\"",
        );
        let error = Manifest::parse(&text, "toy.toml").unwrap_err().to_string();
        assert!(error.contains("`sources[0].sha256`: malformed checksum 'abc'"), "{error}");
    }

    #[test]
    fn a_download_must_have_a_plain_file_name() {
        let text = GOOD.replace("file = \"toy.zip\"", "file = \"../toy.zip\"");
        let error = Manifest::parse(&text, "toy.toml").unwrap_err().to_string();
        assert!(error.contains("`sources[0].file`: '../toy.zip' must be a plain file name"), "{error}");
        assert!(is_plain_file_name("Mexican Emotional Speech Database (MESD).zip"));
        assert!(!is_plain_file_name("CREMA-D (git repository, AudioWAV/)"));
    }

    #[test]
    fn the_transcription_origin_defaults_to_the_corpus_and_is_checked() {
        assert_eq!(Manifest::parse(GOOD, "toy.toml").unwrap().transcription.source, TranscriptionOrigin::Corpus);
        let text = format!("{GOOD}[transcription]\nsource = \"sentence_list\"\n");
        let manifest = Manifest::parse(&text, "toy.toml").unwrap();
        assert_eq!(manifest.transcription.source, TranscriptionOrigin::SentenceList);
        let text = format!("{GOOD}[transcription]\nsource = \"whisper\"\n");
        let error = Manifest::parse(&text, "toy.toml").unwrap_err().to_string();
        assert!(error.contains("toy.toml") && error.contains("whisper"), "{error}");
    }

    #[test]
    fn third_party_genders_must_say_whose_they_are() {
        let speakers = "[speakers]\n\"1\" = { third_party_gender = \"female\" }\n";
        let error = Manifest::parse(&format!("{GOOD}{speakers}"), "toy.toml").unwrap_err().to_string();
        assert!(error.contains("`third_party_genders`: [speakers] has third_party_gender values"), "{error}");
        let described = format!("third_party_genders = \"a listing\"\n{GOOD}{speakers}");
        let manifest = Manifest::parse(&described, "toy.toml").unwrap();
        assert_eq!(manifest.speakers["1"].gender, None);
        assert_eq!(manifest.speakers["1"].third_party_gender, Some(Gender::Female));
        let error = Manifest::parse(&format!("third_party_genders = \"a listing\"\n{GOOD}"), "toy.toml")
            .unwrap_err()
            .to_string();
        assert!(error.contains("no speaker of [speakers] has a third_party_gender"), "{error}");
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let error = Manifest::parse(&format!("licence = 1\n{GOOD}"), "toy.toml").unwrap_err().to_string();
        assert!(error.contains("licence"), "{error}");
    }
}
