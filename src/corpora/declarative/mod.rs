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
pub mod table;
pub mod template;

use super::{require_folder, AudioLocation, Corpus, Reject, Scan, ScanError, SourceItem};
use crate::manifest::{Manifest, ManifestError};
use crate::read_ahead::ListReadAhead;
use crate::record::Gender;
use compile::{Compiled, Condition};
use files::AudioFile;
use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use template::{RenderError, Scope, Template};

/// The adapter of every corpus described by its manifest.
#[derive(Debug)]
pub struct Declarative;

impl Corpus for Declarative {
    fn scan(&self, root: &Path, manifest: &Manifest) -> Result<Scan, ScanError> {
        let manifest_file = manifest.origin.clone();
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
    let entries = crate::corpora::walk::files_below(root)?;
    let paths: Vec<String> = entries.iter().map(|entry| entry.relative.clone()).collect();
    let mut tables = BTreeMap::new();
    let mut rows = match &adapter.table {
        Some(table) => {
            let relative = table::locate(root, "", &table.format, &paths)?;
            tables.insert(relative.to_string(), table.format.skip.clone());
            Some(table::read_files(root, relative, table)?)
        }
        None => None,
    };
    let speakers = match &adapter.speaker_table {
        Some(speakers) => {
            let base = rows.as_ref().map_or("", |rows| rows.folder());
            let relative = table::locate(root, base, &speakers.format, &paths)?;
            tables.insert(relative.to_string(), speakers.format.skip.clone());
            Some(table::read_speakers(root, relative, &speakers.format, &speakers.key)?)
        }
        None => None,
    };
    let listing = files::classify(entries, adapter, &tables)?;
    let mut scan = Scan { skipped: listing.skipped, rejects: listing.unmatched, ..Scan::default() };
    // A garbled table row is a reject of its own, named by table and row.
    for table in rows.iter().chain(speakers.iter()) {
        for (number, fault) in &table.garbled {
            let source = format!("{}#{number}", table.relative);
            scan.rejects.push(Reject { source, reason: format!("row {number} of {}: {fault}", table.file_name) });
        }
    }
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
    // Files that reached the grammar, and those it matched: none of many is a manifest mistake.
    let (mut tried, mut named) = (0, 0);
    let mut example = None;
    // The sidecars are read one at a time below: in a cold tree each would be a wait for the
    // disk, so they are asked for ahead, several at once.
    let sidecars = listing.audio.iter().filter_map(|file| sidecar_of(root, adapter, file).map(|(_, path)| path));
    let _sidecars_ahead = ListReadAhead::start(sidecars.collect());
    for file in &listing.audio {
        let row = match rows.as_mut() {
            Some(rows) => match rows.by_key.remove(&file.relative) {
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
        tried += 1;
        example.get_or_insert(file.name.as_str());
        let outcome = match groups_of(adapter, &file.name) {
            Some(groups) => {
                named += 1;
                scope.groups = groups;
                match speakers.as_ref().map(|speakers| join_speaker(&mut scope, speakers)) {
                    Some(Err(reason)) => Outcome::Reject(reason),
                    _ => outcome_of(&scope),
                }
            }
            None => Outcome::Reject(adapter.name_mismatch.render_text(&scope)),
        };
        match outcome {
            Outcome::Item(item) => scan.items.push(item),
            Outcome::Reject(reason) => scan.rejects.push(Reject { source: file.relative.clone(), reason }),
            Outcome::Skip(reason) => scan.skipped.push(super::Skipped { source: file.relative.clone(), reason }),
        }
    }
    if let (false, 0, Some(example)) = (adapter.names.is_empty(), named, example) {
        return Err(ScanError::Layout {
            path: root.to_path_buf(),
            message: format!(
                "adapter.names of {}: no regular expression matches any of the {tried} audio file names (e.g. \
                 '{example}'); check each part of it against the real names",
                adapter.manifest_file,
            ),
        });
    }
    if let Some(rows) = rows {
        for (file, row) in rows.by_key {
            let reason = format!("listed in {} row {} but the file is missing", rows.file_name, row.number);
            scan.rejects.push(Reject { source: file, reason });
        }
    }
    Ok(scan)
}

/// Finds the speaker table's row for the file's speaker (none when the file has no speaker);
/// the error is the reject reason.
fn join_speaker<'a>(scope: &mut FileScope<'a>, speakers: &'a table::Rows) -> Result<(), String> {
    let Some(template) = &scope.adapter.fields.speaker else { return Ok(()) };
    let key = match template.render(scope) {
        Ok(Some(key)) if !key.trim().is_empty() => key,
        Ok(_) => return Ok(()),
        Err(error) => return Err(scope.explain(error, "adapter.fields.speaker")),
    };
    scope.speaker_table_file = &speakers.file_name;
    match speakers.by_key.get(&key) {
        Some(row) => {
            scope.speaker_row = Some(row);
            Ok(())
        }
        None => Err(match scope.adapter.speaker_table.as_ref().and_then(|table| table.unknown.as_ref()) {
            Some(message) => message.render_text(scope),
            None => format!("speaker {key} not in {}", speakers.file_name),
        }),
    }
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

/// The name of a file's sidecar and its path (in the file's folder), when the adapter has one.
fn sidecar_of(root: &Path, adapter: &Compiled, file: &AudioFile) -> Option<(String, PathBuf)> {
    let name = format!("{}.{}", file.stem, adapter.sidecar.as_ref()?.extension);
    let path = root.join(&file.folder_path).join(&name);
    Some((name, path))
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
    speaker_row: Option<&'a table::Row>,
    speaker_table_file: &'a str,
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
            speaker_row: None,
            speaker_table_file: "",
            sidecar_text: OnceCell::new(),
        }
    }

    fn sidecar_file(&self) -> Option<String> {
        sidecar_of(self.root, self.adapter, self.file).map(|(name, _)| name)
    }

    /// The sidecar's text, BOM removed and white space collapsed; the error is the reject reason.
    fn read_sidecar(&self) -> Result<String, String> {
        let (Some(sidecar), Some((name, path))) =
            (&self.adapter.sidecar, sidecar_of(self.root, self.adapter, self.file))
        else {
            return Err("no [adapter.sidecar]".into());
        };
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

impl<'a> Scope for FileScope<'a> {
    fn value(&self, name: &str) -> Result<Option<Cow<'_, str>>, RenderError> {
        let borrowed = |text: &'_ str| Some(Cow::Owned(text.to_string()));
        Ok(match name {
            "file.path" => borrowed(&self.file.relative),
            "file.name" => borrowed(&self.file.name),
            "file.stem" => borrowed(&self.file.stem),
            "file.folder" => borrowed(&self.file.folder),
            "table.row" => self.row.map(|row| Cow::Owned(row.number.to_string())),
            "table.file" => self.row.map(|_| Cow::Borrowed(self.table_file)),
            "speaker_table.row" => self.speaker_row.map(|row| Cow::Owned(row.number.to_string())),
            "speaker_table.file" => self.speaker_row.map(|_| Cow::Borrowed(self.speaker_table_file)),
            "sidecar.file" => self.sidecar_file().map(Cow::Owned),
            "sidecar.text" => match self.sidecar_text.get_or_init(|| self.read_sidecar()) {
                Ok(text) => Some(Cow::Borrowed(text.as_str())),
                Err(reason) => return Err(RenderError::Value(reason.clone())),
            },
            _ => {
                let column = |row: Option<&'a table::Row>, column: &str| {
                    row.and_then(|row| row.values.get(column)).map(|v| Cow::Borrowed(v.as_str()))
                };
                if let Some(name) = name.strip_prefix("row.") {
                    column(self.row, name)
                } else if let Some(name) = name.strip_prefix("speaker.") {
                    column(self.speaker_row, name)
                } else {
                    self.groups.get(name).map(|v| Cow::Borrowed(v.as_str()))
                }
            }
        })
    }

    fn lookup(&self, filter: &str, key: &str) -> Option<Option<String>> {
        match filter {
            "sentences" => Some(self.manifest.sentences.get(key).cloned()),
            map => self.adapter.maps.get(map).map(|entries| entries.get(key).cloned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpora::{Registry, RUST_ADAPTERS};

    fn compiled(id: &str) -> (Manifest, Compiled) {
        let manifest = crate::corpora::find(id).unwrap().manifest.clone();
        let adapter = compile::compile(manifest.adapter.as_ref().unwrap(), &manifest, "test").unwrap();
        (manifest, adapter)
    }

    /// The named groups a corpus' grammar finds in `name`, as `group=value` in group order.
    fn parts(adapter: &Compiled, name: &str) -> Option<Vec<String>> {
        groups_of(adapter, name).map(|groups| groups.into_iter().map(|(k, v)| format!("{k}={v}")).collect())
    }

    #[test]
    fn every_registered_manifest_says_how_its_corpus_is_read() {
        for entry in Registry::builtin() {
            let spec = entry.manifest.adapter.as_ref().unwrap_or_else(|| panic!("{}: no [adapter]", entry.id));
            assert_eq!(entry.adapter.is_declarative(), spec.rust.is_none(), "{}", entry.id);
        }
        // Every Rust adapter serves a built-in corpus of its own name (no dead adapter).
        for (name, _) in RUST_ADAPTERS {
            let entry = crate::corpora::find(name).unwrap_or_else(|| panic!("adapter {name} has no manifest"));
            assert_eq!(entry.manifest.adapter.as_ref().unwrap().rust.as_deref(), Some(*name));
        }
    }

    #[test]
    fn a_rust_manifest_is_not_read_declaratively() {
        let manifest = crate::corpora::find("oreau").unwrap().manifest.clone();
        let error = Declarative.scan(Path::new("/nonexistent"), &manifest).unwrap_err().to_string();
        assert!(error.contains("manifests/oreau.toml") && error.contains("[adapter]"), "{error}");
    }

    #[test]
    fn cafe_grammar() {
        let (_, cafe) = compiled("cafe");
        assert_eq!(parts(&cafe, "12-P-2-5.wav").unwrap(), ["actor=12", "emotion=P", "intensity=2", "sentence=5"]);
        assert_eq!(parts(&cafe, "03-N-1.wav").unwrap(), ["actor=03", "emotion=N", "sentence=1"]);
        assert!(parts(&cafe, "03-C-1.wav").is_none(), "only neutral has the three-field form");
        for bad in ["12-P-2.wav", "1-P-2-5.wav", "12-p-2-5.wav", "12-P-2-5.aiff", "12-PP-2-5.wav", "12-P-2-5-1.wav"] {
            assert!(parts(&cafe, bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn crema_d_grammar() {
        let (_, crema_d) = compiled("crema_d");
        let fields = parts(&crema_d, "1065_IEO_DIS_HI.wav").unwrap();
        assert_eq!(fields, ["actor=1065", "emotion=DIS", "level=HI", "sentence=IEO"]);
        for bad in [
            "1065_IEO_DIS.wav",
            "106_IEO_DIS_HI.wav",
            "1065_ieo_DIS_HI.wav",
            "1065_IEO_DIS_HI.mp3",
            "1065-IEO-DIS-HI.wav",
        ] {
            assert!(parts(&crema_d, bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn ravdess_grammar() {
        let (_, ravdess) = compiled("ravdess");
        let fields = parts(&ravdess, "03-01-05-02-01-02-18.wav").unwrap();
        let expected =
            ["actor=18", "emotion=05", "intensity=02", "modality=03", "repetition=02", "statement=01", "vocal=01"];
        assert_eq!(fields, expected);
        for bad in
            ["03-01-05-02-01-02.wav", "03-01-05-02-01-02-1a.wav", "03-01-05-02-01-02-18.mp4", "3-1-5-2-1-2-18.wav"]
        {
            assert!(parts(&ravdess, bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn mesd_grammar_splits_on_the_first_three_underscores() {
        let (_, mesd) = compiled("mesd");
        let fields = parts(&mesd, "Anger_C_A_basta_ya.wav").unwrap();
        assert_eq!(fields, ["emotion=Anger", "list=A", "voice=C", "word=basta_ya"]);
        assert_eq!(parts(&mesd, "Sadness_M_B_amenazado.wav").unwrap()[3], "word=amenazado");
        assert_eq!(parts(&mesd, "Fear_F_A_sueño.wav").unwrap()[3], "word=sueño");
        for bad in
            ["Anger_C_A.wav", "Anger_CC_A_abajo.wav", "anger_C_A_abajo.wav", "Anger_C_A_abajo.mp3", "Anger_C_A__.wav"]
        {
            assert!(parts(&mesd, bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn nemo_grammar() {
        let (_, nemo) = compiled("nemo");
        let fields = parts(&nemo, "WR0_surprised_64.wav").unwrap();
        assert_eq!(fields, ["name_emotion=surprised", "name_sentence=64", "name_speaker=WR0"]);
        for bad in ["WR0_surprised.wav", "WR0_surprised_6a.wav", "WR0_surprised_64_1.wav", "WR0_surprised_64.flac"] {
            assert!(parts(&nemo, bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn subesco_grammar_ignores_a_stray_bracket() {
        let (_, subesco) = compiled("subesco");
        let fields = parts(&subesco, "F_10_FAHMEE_S_6_FEAR_5.wav").unwrap();
        let expected = ["emotion=FEAR", "gender=F", "name=FAHMEE", "sentence=6", "speaker=F_10", "take=5"];
        assert_eq!(fields, expected);
        let bracket = parts(&subesco, "F_02_MONIKA_S_2_SURPRISE_3].wav").unwrap();
        assert_eq!(bracket, ["emotion=SURPRISE", "gender=F", "name=MONIKA", "sentence=2", "speaker=F_02", "take=3"]);
        for bad in [
            "F_1_OISHI_S_1_ANGRY_1.wav",
            "X_01_OISHI_S_1_ANGRY_1.wav",
            "F_01_Oishi_S_1_ANGRY_1.wav",
            "F_01_OISHI_T_1_ANGRY_1.wav",
            "F_01_OISHI_S_01_ANGRY_1.wav",
            "F_01_OISHI_S_1_ANGRY.wav",
            "F_01_OISHI_S_1_ANGRY_1_2.wav",
            "F_01_OISHI_S1_ANGRY_1.wav",
            "F_01_OISHI_S_1_ANGRY_1.mp3",
        ] {
            assert!(parts(&subesco, bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn jl_corpus_grammar() {
        let (_, jl) = compiled("jl_corpus");
        let fields = parts(&jl, "female1_apologetic_15b_2.wav").unwrap();
        let expected =
            ["emotion=apologetic", "gender=female", "number=1", "sentence=15", "session=2", "speaker=female1"];
        assert_eq!(fields, expected);
        let male = parts(&jl, "male2_concerned_6b_1.wav").unwrap();
        assert_eq!(
            (male[1].as_str(), male[3].as_str(), male[5].as_str()),
            ("gender=male", "sentence=6", "speaker=male2")
        );
        for bad in [
            "male2_concerned_6b.wav",
            "male2_concerned_6c_1.wav",
            "male_concerned_6b_1.wav",
            "Male2_concerned_6b_1.wav",
            "male2_Concerned_6b_1.wav",
            "male2_concerned_6b_1.txt",
            "male2_concerned_b_1.wav",
            "male2_concerned_6b_1_x.wav",
            "person2_concerned_6b_1.wav",
        ] {
            assert!(parts(&jl, bad).is_none(), "{bad}");
        }
    }
}
