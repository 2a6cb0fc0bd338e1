//! The declarative adapter: builds a file-per-utterance corpus from its manifest's `[adapter]`
//! section alone, with no Rust code. Per file, in this order: the rules of `files` decide
//! whether it is audio; the metadata table's row for it is joined; the file-name grammar
//! (`names`) gives named groups; `checks` reject or skip it with the manifest's message; the
//! templates of `fields` form its label, speaker, gender, age and transcription (speaker facts
//! from `[speakers]`, sentences from `[sentences]`). A manifest mistake that only shows on real
//! files (a grammar that matches no file name, a file no rule covers, a code missing from a
//! map) is reported naming the manifest key and what to change. CONTRIBUTING.md documents the
//! keys with a worked example.
pub mod compile;
pub mod files;
pub mod schema;
pub mod table;
pub mod template;

use super::{require_folder, AudioLocation, Corpus, Reject, Scan, ScanError, SourceItem};
use crate::manifest::{Manifest, ManifestError};
use crate::record::Gender;
use compile::{Compiled, Condition};
use files::AudioFile;
use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::path::Path;
use template::{RenderError, Scope, Template};

/// The adapter of every corpus described by its manifest.
pub struct Declarative;

impl Corpus for Declarative {
    fn scan(&self, root: &Path, manifest: &Manifest) -> Result<Scan, ScanError> {
        let manifest_file = format!("manifests/{}.toml", manifest.id);
        let spec =
            manifest.adapter.as_ref().filter(|spec| spec.rust.is_none()).ok_or_else(|| ManifestError::Invalid {
                manifest: manifest_file.clone(),
                key: "adapter".into(),
                message: "missing: describe the corpus files in an [adapter] section (see CONTRIBUTING.md)".into(),
            })?;
        let adapter = compile::compile(spec, manifest, &manifest_file)?;
        require_folder(root, &adapter.missing_folder)?;
        scan_with(root, manifest, &adapter)
    }

    fn is_declarative(&self) -> bool {
        true
    }
}

/// What happens to one audio file.
enum Outcome {
    Item(SourceItem),
    Reject(String),
    Skip(String),
}

fn scan_with(root: &Path, manifest: &Manifest, adapter: &Compiled) -> Result<Scan, ScanError> {
    let listing = files::list(root, adapter)?;
    let mut scan = Scan { skipped: listing.skipped, rejects: listing.unmatched, ..Scan::default() };
    if listing.audio.is_empty() {
        if let Some(message) = &adapter.no_audio {
            return Err(ScanError::Layout { path: root.to_path_buf(), message: message.clone() });
        }
    }
    if let Some(message) = &adapter.several_folders {
        let folders: std::collections::BTreeSet<&str> =
            listing.audio.iter().map(|file| file.folder_path.as_str()).collect();
        if folders.len() > 1 {
            let list: Vec<&str> = folders.into_iter().collect();
            return Err(ScanError::Layout {
                path: root.to_path_buf(),
                message: format!("{message}: {}", list.join(", ")),
            });
        }
    }
    let mut rows = match &adapter.table {
        Some(table) => {
            let relative = table::locate(root, table, &listing.tables)?;
            Some(table::read(root, relative, table)?)
        }
        None => None,
    };
    let mut named = 0;
    for file in &listing.audio {
        let row = match rows.as_mut() {
            Some(rows) => match rows.by_file.remove(&file.relative) {
                Some(row) => Some((row, rows.file_name.as_str())),
                None => {
                    let reason = format!("not listed in {}", rows.file_name);
                    scan.rejects.push(Reject { source: file.relative.clone(), reason });
                    continue;
                }
            },
            None => None,
        };
        let mut scope = FileScope::new(root, manifest, adapter, file);
        if let Some((row, table_file)) = &row {
            scope.row = Some(row);
            scope.table_file = table_file;
        }
        let outcome = match groups_of(adapter, &file.name) {
            Some(groups) => {
                named += 1;
                scope.groups = groups;
                outcome_of(&scope)
            }
            None => Outcome::Reject(adapter.name_mismatch.render_text(&scope)),
        };
        match outcome {
            Outcome::Item(item) => scan.items.push(item),
            Outcome::Reject(reason) => scan.rejects.push(Reject { source: file.relative.clone(), reason }),
            Outcome::Skip(reason) => scan.skipped.push(super::Skipped { source: file.relative.clone(), reason }),
        }
    }
    if !adapter.names.is_empty() && named == 0 {
        if let Some(example) = listing.audio.first() {
            return Err(ScanError::Layout {
                path: root.to_path_buf(),
                message: format!(
                    "adapter.names of {}: no regular expression matches any of the {} audio file names (e.g. \
                     '{}'); check each part of it against the real names",
                    adapter.manifest_file,
                    listing.audio.len(),
                    example.name
                ),
            });
        }
    }
    if let Some(rows) = rows {
        for (file, row) in rows.by_file {
            let reason = format!("listed in {} row {} but the file is missing", rows.file_name, row.number);
            scan.rejects.push(Reject { source: file, reason });
        }
    }
    Ok(scan)
}

/// The named groups of the first regular expression of `names` that matches; an empty set
/// when there is no grammar; `None` when no expression matches.
fn groups_of(adapter: &Compiled, name: &str) -> Option<BTreeMap<String, String>> {
    if adapter.names.is_empty() {
        return Some(BTreeMap::new());
    }
    adapter.names.iter().find_map(|regex| {
        let captures = regex.captures(name)?;
        Some(
            regex
                .capture_names()
                .flatten()
                .filter_map(|group| captures.name(group).map(|m| (group.to_string(), m.as_str().to_string())))
                .collect(),
        )
    })
}

/// Runs the checks, then forms the item.
fn outcome_of(scope: &FileScope) -> Outcome {
    let adapter = scope.adapter;
    for check in &adapter.checks {
        match check_fails(check, scope) {
            Ok(false) => {}
            Ok(true) => {
                let message = check.message.render_text(scope);
                return if check.skip { Outcome::Skip(message) } else { Outcome::Reject(message) };
            }
            Err(error) => return Outcome::Reject(scope.explain(error, &check.key)),
        }
    }
    match item_of(scope) {
        Ok(item) => Outcome::Item(item),
        Err(reason) => Outcome::Reject(reason),
    }
}

/// Whether a check applies to the file and its value fails the condition.
fn check_fails(check: &compile::CompiledCheck, scope: &FileScope) -> Result<bool, RenderError> {
    for (name, regex) in &check.when {
        match scope.value(name)? {
            Some(value) if regex.is_match(&value) => {}
            _ => return Ok(false),
        }
    }
    let (Some(value), Some(condition)) = (&check.value, &check.condition) else { return Ok(true) };
    let Some(value) = value.render(scope)? else { return Ok(false) };
    let holds = match condition {
        Condition::OneOf(list) => list.contains(&value),
        Condition::Regex(regex) => regex.is_match(&value),
        Condition::Range(low, high) => value.parse::<u64>().is_ok_and(|n| (*low..=*high).contains(&n)),
        Condition::Equals(other) => match other.render(scope)? {
            Some(other) => other == value,
            None => true,
        },
        Condition::In(table) => match table.as_str() {
            "speakers" => scope.manifest.speakers.contains_key(&value),
            "sentences" => scope.manifest.sentences.contains_key(&value),
            map => scope.adapter.maps.get(map).is_some_and(|entries| entries.contains_key(&value)),
        },
    };
    Ok(!holds)
}

/// Forms the record fields; the error is the reject reason.
fn item_of(scope: &FileScope) -> Result<SourceItem, String> {
    let fields = &scope.adapter.fields;
    let render = |template: &Option<Template>, key: &str| -> Result<Option<String>, String> {
        match template {
            None => Ok(None),
            Some(template) => template
                .render(scope)
                .map(|text| text.filter(|text| !text.trim().is_empty()))
                .map_err(|error| scope.explain(error, &format!("adapter.fields.{key}"))),
        }
    };
    let manifest_file = &scope.adapter.manifest_file;
    let label =
        fields.label.render(scope).map_err(|error| scope.explain(error, "adapter.fields.label"))?.ok_or_else(|| {
            format!(
                "adapter.fields.label of {manifest_file} gives no label: it uses a group this file name does not fill"
            )
        })?;
    let speaker = render(&fields.speaker, "speaker")?;
    let facts = if fields.gender_from_table || fields.age_from_table {
        let key = speaker.as_deref().unwrap_or_default();
        Some(scope.manifest.speakers.get(key).ok_or_else(|| {
            format!(
                "speaker '{key}' is not in the [speakers] of {manifest_file}: add it, or reject such files first with \
                 a check (in = \"speakers\")"
            )
        })?)
    } else {
        None
    };
    let gender = match (fields.gender_from_table, facts) {
        (true, Some(facts)) => facts.gender,
        _ => match render(&fields.gender, "gender")? {
            None => None,
            Some(text) => Some(match text.trim().to_lowercase().as_str() {
                "female" => Gender::Female,
                "male" => Gender::Male,
                _ => {
                    return Err(format!(
                        "gender '{text}' (adapter.fields.gender of {manifest_file}) is neither female nor male: map \
                         the corpus' codes with [adapter.maps], e.g. {{code|genders}}"
                    ))
                }
            }),
        },
    };
    let age = match (fields.age_from_table, facts) {
        (true, Some(facts)) => facts.age.map(|age| age.to_string()),
        _ => match render(&fields.age, "age")? {
            None => None,
            Some(text) if text.trim().bytes().all(|b| b.is_ascii_digit()) => Some(text.trim().to_string()),
            Some(text) => {
                return Err(format!(
                    "age '{text}' (adapter.fields.age of {manifest_file}) is not a whole number of years"
                ))
            }
        },
    };
    Ok(SourceItem {
        location: AudioLocation::File(scope.file.relative.clone()),
        source_label: label,
        speaker,
        gender,
        age,
        transcription: render(&fields.transcription, "transcription")?,
    })
}

/// The values of one file: its path, the groups of its name, its table row, its sidecar.
struct FileScope<'a> {
    root: &'a Path,
    manifest: &'a Manifest,
    adapter: &'a Compiled,
    file: &'a AudioFile,
    groups: BTreeMap<String, String>,
    row: Option<&'a table::Row>,
    table_file: &'a str,
    /// The sidecar's text, read once when a template asks for it.
    sidecar_text: OnceCell<Result<String, String>>,
}

impl<'a> FileScope<'a> {
    fn new(root: &'a Path, manifest: &'a Manifest, adapter: &'a Compiled, file: &'a AudioFile) -> Self {
        FileScope {
            root,
            manifest,
            adapter,
            file,
            groups: BTreeMap::new(),
            row: None,
            table_file: "",
            sidecar_text: OnceCell::new(),
        }
    }

    fn sidecar_file(&self) -> Option<String> {
        self.adapter.sidecar.as_ref().map(|sidecar| format!("{}.{}", self.file.stem, sidecar.extension))
    }

    /// The sidecar's text, BOM removed and white space collapsed; the error is the reject reason.
    fn read_sidecar(&self) -> Result<String, String> {
        let (Some(sidecar), Some(name)) = (&self.adapter.sidecar, self.sidecar_file()) else {
            return Err("no [adapter.sidecar]".into());
        };
        let path = self.root.join(&self.file.folder_path).join(&name);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(sidecar.missing.render_text(self));
            }
            Err(error) => return Err(format!("transcript {name} unreadable: {error}")),
        };
        let text = String::from_utf8(bytes).map_err(|_| format!("transcript {name} is not UTF-8 text"))?;
        let text = text.trim_start_matches('\u{feff}').split_whitespace().collect::<Vec<_>>().join(" ");
        if text.is_empty() {
            return Err(format!("transcript {name} is empty"));
        }
        Ok(text)
    }

    /// A contributor's message for a value that could not be formed under `key`.
    fn explain(&self, error: RenderError, key: &str) -> String {
        let manifest_file = &self.adapter.manifest_file;
        match error {
            RenderError::NoEntry { filter, key: code } => {
                let table =
                    if filter == "sentences" { "[sentences]".to_string() } else { format!("[adapter.maps.{filter}]") };
                format!(
                    "no entry '{code}' in {table} of {manifest_file} (used by {key}): add it, or reject such files \
                     first with a check (in = \"{filter}\")"
                )
            }
            RenderError::NotANumber { filter, value } => {
                format!("'{value}' is not a whole number (filter `{filter}` in {key} of {manifest_file})")
            }
            RenderError::Value(reason) => reason,
        }
    }
}

impl Scope for FileScope<'_> {
    fn value(&self, name: &str) -> Result<Option<Cow<'_, str>>, RenderError> {
        let borrowed = |text: &'_ str| Some(Cow::Owned(text.to_string()));
        Ok(match name {
            "file.path" => borrowed(&self.file.relative),
            "file.name" => borrowed(&self.file.name),
            "file.stem" => borrowed(&self.file.stem),
            "file.folder" => borrowed(&self.file.folder),
            "table.row" => self.row.map(|row| Cow::Owned(row.number.to_string())),
            "table.file" => self.row.map(|_| Cow::Borrowed(self.table_file)),
            "sidecar.file" => self.sidecar_file().map(Cow::Owned),
            "sidecar.text" => match self.sidecar_text.get_or_init(|| self.read_sidecar()) {
                Ok(text) => Some(Cow::Borrowed(text.as_str())),
                Err(reason) => return Err(RenderError::Value(reason.clone())),
            },
            _ => match name.strip_prefix("row.") {
                Some(column) => self.row.and_then(|row| row.values.get(column)).map(|v| Cow::Borrowed(v.as_str())),
                None => self.groups.get(name).map(|v| Cow::Borrowed(v.as_str())),
            },
        })
    }

    fn lookup(&self, filter: &str, key: &str) -> Option<Option<String>> {
        match filter {
            "sentences" => Some(self.manifest.sentences.get(key).cloned()),
            map => self.adapter.maps.get(map).map(|entries| entries.get(key).cloned()),
        }
    }
}
