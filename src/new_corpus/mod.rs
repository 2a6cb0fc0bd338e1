//! `cameo new-corpus`: looks at the raw tree of a corpus cameo does not know yet (extensions,
//! WAV sample rates and channels from the headers only, the file-name grammar, any CSV/TSV and
//! its header) and writes a starting manifest with what it could infer and a `TODO` wherever a
//! person must decide, plus a test stub. Every value still saying `TODO` stops `cameo scan` and
//! `cameo build` with the list of what is left (see [`crate::manifest::ManifestError::Todo`]).
pub mod infer;

use crate::corpora::walk::junk_reason;
use crate::record::Emotion;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Extensions of audio files cameo can read or may meet.
const AUDIO_EXTENSIONS: [&str; 10] = ["wav", "flac", "mp3", "ogg", "opus", "webm", "aif", "aiff", "m4a", "avi"];

#[derive(Debug, thiserror::Error)]
pub enum NewCorpusError {
    /// The command line is wrong (a bad or known --id): exit code 2.
    #[error("{0}")]
    Usage(String),
    /// An input or output path is missing or in the way.
    #[error("{0}")]
    Input(String),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

#[derive(Debug, Clone)]
pub struct NewCorpusOptions {
    /// The corpus folder (`raw/<id>/`), or the folder holding it.
    pub raw: PathBuf,
    pub id: String,
    /// Where the manifest goes (default `manifests/<id>.toml`).
    pub out: Option<PathBuf>,
    /// Where the test stub goes (default `tests/<id>.rs`).
    pub test: Option<PathBuf>,
}

/// What `new-corpus` found and wrote.
#[derive(Debug)]
pub struct NewCorpusOutcome {
    pub corpus_folder: PathBuf,
    pub manifest: PathBuf,
    pub test: PathBuf,
    pub audio_files: usize,
    pub todos: usize,
}

/// What the raw tree holds.
struct Survey {
    /// Relative path of every file that is not junk.
    files: Vec<String>,
    extensions: BTreeMap<String, usize>,
    /// The audio extension (lower case) and its spellings as found.
    audio_extension: Option<(String, BTreeSet<String>)>,
    audio: Vec<String>,
    formats: BTreeMap<(u32, u16), usize>,
    unreadable_headers: usize,
}

fn survey(root: &Path) -> Result<Survey, NewCorpusError> {
    // Names as the build will see them (decoded, see corpora::names), with their paths on disk.
    let found = crate::corpora::walk::files_below(root).map_err(|error| match error {
        crate::corpora::ScanError::Io { path, source } => NewCorpusError::Io { path, source },
        other => NewCorpusError::Input(other.to_string()),
    })?;
    let on_disk: BTreeMap<String, std::path::PathBuf> = found
        .into_iter()
        .filter(|file| junk_reason(&file.relative).is_none())
        .map(|file| (file.relative, file.path))
        .collect();
    let mut files: Vec<String> = on_disk.keys().cloned().collect();
    files.sort();
    let extension_of = |path: &str| {
        let name = path.rsplit('/').next().unwrap_or(path);
        name.rsplit_once('.').map(|(_, ext)| ext.to_string())
    };
    let mut extensions: BTreeMap<String, usize> = BTreeMap::new();
    for file in &files {
        *extensions.entry(extension_of(file).unwrap_or_default().to_lowercase()).or_default() += 1;
    }
    let audio_extension = extensions
        .iter()
        .filter(|(ext, _)| AUDIO_EXTENSIONS.contains(&ext.as_str()))
        .max_by_key(|(_, count)| **count)
        .map(|(ext, _)| ext.clone());
    let audio: Vec<String> =
        files.iter().filter(|file| extension_of(file).map(|e| e.to_lowercase()) == audio_extension).cloned().collect();
    let spellings: BTreeSet<String> = audio.iter().filter_map(|file| extension_of(file)).collect();
    let mut formats = BTreeMap::new();
    let mut unreadable_headers = 0;
    if audio_extension.as_deref() == Some("wav") {
        for file in &audio {
            let header = std::fs::File::open(&on_disk[file])
                .map_err(crate::audio::AudioError::from)
                .and_then(|f| crate::audio::wav::WavReader::new(std::io::BufReader::new(f)));
            match header {
                Ok(reader) => {
                    let format = reader.format();
                    *formats.entry((format.sample_rate, format.channels)).or_default() += 1;
                }
                Err(_) => unreadable_headers += 1,
            }
        }
    }
    Ok(Survey {
        files,
        extensions,
        audio_extension: audio_extension.map(|ext| (ext, spellings)),
        audio,
        formats,
        unreadable_headers,
    })
}

/// A TOML string literal.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// A TOML string for a regular expression: a literal string when it can be one.
fn literal(text: &str) -> String {
    if text.contains('\'') || text.contains('\n') {
        quoted(text)
    } else {
        format!("'{text}'")
    }
}

fn values_line(group: &infer::Group) -> String {
    let shown: Vec<String> = group.values.iter().take(15).map(|(value, count)| format!("{value} ({count})")).collect();
    let more = if group.values.len() > 15 { format!(", … {} more", group.values.len() - 15) } else { String::new() };
    format!("# {} ({}): {} values: {}{more}", group.name, group.description, group.values.len(), shown.join(", "))
}

/// The starting manifest for `id` from what the survey found.
fn manifest_text(id: &str, raw: &Path, found: &Survey, tables: &[infer::TableGuess]) -> String {
    let cameo_labels: Vec<&str> = Emotion::ALL.iter().map(|e| e.as_str()).collect();
    let label_todo = format!("TODO: one of {}", cameo_labels.join(", "));
    let mut m = String::new();
    let _ = writeln!(
        m,
        "# {id}: a starting manifest written by `cameo new-corpus` from {}.\n# Every value that starts with TODO must be \
         filled in (see CONTRIBUTING.md); `cameo scan` lists the ones left.",
        raw.display()
    );
    let _ = writeln!(m, "id = {}", quoted(id));
    let _ = writeln!(m, "name = \"TODO: the display name, e.g. EmoDB\"");
    let _ = writeln!(m, "language = \"TODO: the English name of the language, e.g. German\"");
    let _ = writeln!(m, "language_code = \"TODO: the ISO 639-1 code, e.g. de\"");
    let _ = writeln!(m, "# {} audio files were found: check against the corpus documentation.", found.audio.len());
    let _ = writeln!(m, "expected_count = {}", found.audio.len());
    let _ = writeln!(m, "homepage = \"TODO: the corpus' page\"");
    let _ = writeln!(m, "description = \"TODO: one sentence: who speaks what, in which emotions\"");
    let _ = writeln!(m, "# What could not be verified, one sentence each (the audit reports them).");
    let _ = writeln!(m, "unverified = []");
    let _ = writeln!(m, "\n[license]");
    let _ = writeln!(m, "spdx = \"TODO: the SPDX id, e.g. CC-BY-4.0, or LicenseRef-<name> when there is none\"");
    let _ = writeln!(m, "name = \"TODO: the human form, e.g. CC BY 4.0\"");
    let _ = writeln!(m, "url = \"TODO: the license text's address\"");
    for key in ["commercial_use", "derivatives", "share_alike"] {
        let _ = writeln!(m, "{key} = \"TODO: true or false (without quotes)\"");
    }
    let _ = writeln!(m, "attribution = \"TODO: the authors and the corpus name\"");
    let _ = writeln!(m, "citation = \"TODO: the paper to cite\"");
    let _ = writeln!(m, "verified = \"TODO: how the license was checked: VERIFIED, DOC or UNVERIFIED, and where\"");
    let _ = writeln!(m, "\n[[sources]]");
    let _ = writeln!(m, "file = \"TODO: the download's file name\"");
    let _ = writeln!(m, "manual = \"TODO: where to download it and how to extract it into raw/{id}/\"");

    if !found.formats.is_empty() {
        let rates: BTreeSet<u32> = found.formats.keys().map(|(rate, _)| *rate).collect();
        let channels: BTreeSet<u16> = found.formats.keys().map(|(_, channels)| *channels).collect();
        let _ = writeln!(m, "\n# From the WAV headers: {}.", {
            let seen: Vec<String> =
                found.formats.iter().map(|((rate, ch), n)| format!("{n} at {rate} Hz, {ch} channel(s)")).collect();
            seen.join("; ")
        });
        if found.unreadable_headers > 0 {
            let _ = writeln!(m, "# {} WAV headers could not be read: look at those files.", found.unreadable_headers);
        }
        let _ = writeln!(m, "[audio]");
        let list = |items: Vec<String>| items.join(", ");
        let _ = writeln!(m, "sample_rates = [{}]", list(rates.iter().map(u32::to_string).collect()));
        let _ = writeln!(m, "channels = [{}]", list(channels.iter().map(u16::to_string).collect()));
    }

    let _ = writeln!(
        m,
        "\n# Where the texts come from (README, Transcriptions): \"sentence_list\" when each text is one of a\n\
         # fixed list ([sentences], a word of the file name, a sidecar), \"corpus\" for a transcript of each\n\
         # recording, \"none\" without text. `cameo build --transcribe` checks a sentence list against the\n\
         # speech and fills in \"none\" with recognised text."
    );
    let _ = writeln!(m, "[transcription]\nsource = \"corpus\"");

    let names: Vec<String> =
        found.audio.iter().map(|path| path.rsplit('/').next().unwrap_or(path).to_string()).collect();
    let extension_as_written = found
        .audio_extension
        .as_ref()
        .and_then(|(_, spellings)| spellings.iter().next().cloned())
        .unwrap_or_else(|| "wav".into());
    let grammar = infer::grammar(&names, &extension_as_written);
    let emotion = grammar.as_ref().and_then(|g| infer::emotion_group(&g.groups));

    let _ = writeln!(m, "\n# The source labels (the emotion codes of the file names or table) → CAMEO labels.");
    let _ = writeln!(m, "[labels]");
    match emotion {
        Some(group) => {
            let _ = writeln!(
                m,
                "# From {} of adapter.names ({}): check that it is the emotion.",
                group.name, group.description
            );
            for value in group.values.keys() {
                let target = infer::known_label(value).map_or(label_todo.clone(), str::to_string);
                let _ = writeln!(m, "{} = {}", quoted(value), quoted(&target));
            }
        }
        None => {
            let _ = writeln!(m, "\"TODO\" = {}", quoted(&format!("{label_todo}; one line per source label")));
        }
    }

    let _ = writeln!(m, "\n# How cameo reads raw/{id}/ (the keys are explained in CONTRIBUTING.md).");
    let _ = writeln!(m, "[adapter]");
    let _ = writeln!(m, "files = [");
    match &found.audio_extension {
        Some((_, spellings)) => {
            let pattern = if spellings.len() == 1 {
                format!("**/*.{extension_as_written}")
            } else {
                format!("**/*.{{{}}}", spellings.iter().cloned().collect::<Vec<_>>().join(","))
            };
            let _ = writeln!(m, "  {{ glob = {}, take = true }},", quoted(&pattern));
        }
        None => {
            let _ = writeln!(m, "  {{ glob = \"TODO: where the audio files are, e.g. **/*.wav\", take = true }},");
        }
    }
    let audio_ext = found.audio_extension.as_ref().map(|(ext, _)| ext.as_str());
    let table_paths: BTreeSet<&str> = tables.iter().map(|t| t.relative.as_str()).collect();
    for (ext, count) in &found.extensions {
        if Some(ext.as_str()) == audio_ext || ext.is_empty() {
            continue;
        }
        let reason = format!("TODO: why the {count} .{ext} files are not audio, e.g. corpus documentation");
        let _ = writeln!(m, "  {{ glob = {}, skip = {} }},", quoted(&format!("**/*.{ext}")), quoted(&reason));
    }
    let without_extension = |file: &&String| !file.rsplit('/').next().unwrap_or(file).contains('.');
    if found.files.iter().filter(|f| !table_paths.contains(f.as_str())).any(|f| without_extension(&f)) {
        let _ = writeln!(m, "  {{ glob = \"**\", skip = \"TODO: why any other file is not audio\" }},");
    }
    let _ = writeln!(m, "]");

    match &grammar {
        Some(grammar) => {
            let _ = writeln!(m, "# The file names split into runs of digits and letters, one named group per run:");
            for group in &grammar.groups {
                let _ = writeln!(m, "{}", values_line(group));
            }
            if grammar.other_count > 0 {
                let _ = writeln!(
                    m,
                    "# {} names have another shape (e.g. {}): widen the expression, add a second one, or skip them.",
                    grammar.other_count,
                    grammar.others.join(", ")
                );
            }
            let _ = writeln!(m, "# Rename the groups after what they hold (speaker, sentence, emotion ...).");
            let _ = writeln!(m, "names = [{}]", literal(&grammar.regex));
        }
        None => {
            let _ = writeln!(m, "# No audio file names were found to infer a grammar from.");
        }
    }
    let _ = writeln!(m, "# Reject or skip files with the corpus' own reasons, e.g.");
    let _ = writeln!(
        m,
        "# checks = [{{ value = \"{{g1}}\", in = \"speakers\", reject = \"speaker {{g1}} is not in the corpus\" }}]"
    );

    for table in tables {
        let _ = writeln!(
            m,
            "\n# A table: {} ({} rows, delimiter {}, columns {}).",
            table.relative,
            table.rows,
            quoted(table.delimiter),
            table.columns.join(", ")
        );
        match &table.file_column {
            Some(column) => {
                let _ = writeln!(
                    m,
                    "# Its column `{column}` names audio files; to take labels or texts from it, uncomment:"
                );
            }
            None => {
                let _ =
                    writeln!(m, "# No column names an audio file; if it describes them anyway, uncomment and adapt:");
            }
        }
        let _ = writeln!(m, "# [adapter.table]");
        let _ = writeln!(m, "# path = {}", quoted(&table.relative));
        let _ = writeln!(m, "# delimiter = {}", quoted(table.delimiter));
        let columns: Vec<String> = table.columns.iter().map(|c| quoted(c)).collect();
        let _ = writeln!(m, "# columns = [{}]", columns.join(", "));
        let column = table.file_column.clone().unwrap_or_else(|| "file".into());
        let _ = writeln!(m, "# file = \"{{row.{column}}}\"   # the audio file, relative to the table's folder");
    }

    let _ = writeln!(m, "\n[adapter.fields]");
    match emotion {
        Some(group) => {
            let _ = writeln!(m, "label = \"{{{}}}\"", group.name);
        }
        None => {
            let _ = writeln!(m, "label = \"TODO: the group or column holding the emotion, e.g. {{g1}}\"");
        }
    }
    let _ = writeln!(m, "speaker = \"TODO: the group holding the speaker id, e.g. {{g1}} (or delete this line)\"");
    let _ = writeln!(m, "# gender = \"{{g1|genders}}\" with [adapter.maps.genders], or a [speakers] table below.");
    let _ = writeln!(m, "# transcription = \"{{g2|sentences}}\" with a [sentences] table below.");
    m
}

/// The test stub: a raw tree of real names with tiny audio, built from the manifest.
fn test_text(id: &str, found: &Survey) -> String {
    let rate = found.formats.iter().max_by_key(|(_, n)| **n).map_or(16_000, |((rate, _), _)| *rate);
    let names: Vec<String> = found.audio.iter().take(12).map(|name| format!("    {},", quoted(name))).collect();
    let wav = found.audio_extension.as_ref().is_some_and(|(ext, _)| ext == "wav");
    let mut t = String::new();
    let _ = writeln!(
        t,
        "//! {id} end to end: a raw tree of real file names (tiny generated audio) is built from\n\
         //! manifests/{id}.toml and the records are checked field by field. A stub written by\n\
         //! `cameo new-corpus`: add the traps of the real download (junk, odd names, bad codes) with\n\
         //! their exact reject and skip reasons, and a test of the complete file population.\n\
         mod common;\n\n\
         use cameo::fixtures::signal::{{seed_of, speechlike}};\n\
         use cameo::fixtures::wav::{{encode, WavSpec}};\n\
         use cameo::fixtures::write_file;\n\
         use common::*;\n\
         use std::path::{{Path, PathBuf}};\n\n\
         /// Real file names of the corpus (a sample of what new-corpus found).\n\
         const NAMES: [&str; {}] = [\n{}\n];\n",
        names.len(),
        names.join("\n")
    );
    if !wav {
        let _ = writeln!(t, "// TODO: the corpus audio is not WAV: write files in its own format below.");
    }
    let _ = writeln!(
        t,
        "fn manifest() -> PathBuf {{\n    Path::new(env!(\"CARGO_MANIFEST_DIR\")).join(\"manifests/{id}.toml\")\n}}\n\n\
         fn raw_tree(raw: &Path) {{\n    for name in NAMES {{\n        let audio = speechlike(seed_of(name), {rate}, 0.05);\n        \
         let bytes = encode(&WavSpec::int(16, 1, {rate}), &Default::default(), &[audio]);\n        \
         write_file(&raw.join(\"{id}\"), name, &bytes).unwrap();\n    }}\n}}\n\n\
         #[test]\n#[ignore = \"TODO: fill in manifests/{id}.toml, then delete this line\"]\n\
         fn records_carry_every_field() {{\n    let dir = tempfile::tempdir().unwrap();\n    \
         let (raw, out) = (dir.path().join(\"raw\"), dir.path().join(\"out\"));\n    raw_tree(&raw);\n    \
         let mut options = options(&raw, &out, 2);\n    options.manifests = Some(manifest());\n    \
         let outcome = cameo::build::run_build(&options).expect(\"build succeeds\");\n    \
         let report = &outcome.splits[0].report;\n    assert_eq!((report.found, report.built), (NAMES.len(), NAMES.len()));\n    \
         assert!(report.rejects.is_empty(), \"{{:?}}\", report.rejects);\n    let records = records(&out);\n    \
         let first = &by_source(&records)[NAMES[0]];\n    \
         // TODO: every field of a few records, as the corpus documentation gives them, e.g.\n    \
         // assert_eq!(first.emotion, cameo::record::Emotion::Happiness);\n    \
         // assert_eq!(first.speaker_id.as_deref(), Some(\"{id}_03\"));\n    \
         assert_eq!(first.source, NAMES[0]);\n}}"
    );
    t
}

fn write_new(path: &Path, text: &str) -> Result<(), NewCorpusError> {
    if path.exists() {
        return Err(NewCorpusError::Input(format!(
            "{}: exists; move it away or choose another path (new-corpus never overwrites)",
            path.display()
        )));
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| NewCorpusError::Io { path: parent.to_path_buf(), source })?;
    }
    std::fs::write(path, text).map_err(|source| NewCorpusError::Io { path: path.to_path_buf(), source })
}

/// Runs `cameo new-corpus`.
pub fn run_new_corpus(options: &NewCorpusOptions) -> Result<NewCorpusOutcome, NewCorpusError> {
    let id = &options.id;
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err(NewCorpusError::Usage(format!("--id '{id}': use lower-case letters, digits and _ (e.g. emodb)")));
    }
    if crate::corpora::Registry::is_builtin(id) {
        return Err(NewCorpusError::Usage(format!("--id '{id}': cameo already knows this corpus")));
    }
    let corpus_folder = match options.raw.join(id) {
        inside if inside.is_dir() => inside,
        _ => options.raw.clone(),
    };
    if !corpus_folder.is_dir() {
        return Err(NewCorpusError::Input(format!("{}: raw folder not found", options.raw.display())));
    }
    let found = survey(&corpus_folder)?;
    let audio_names: BTreeSet<String> =
        found.audio.iter().map(|path| path.rsplit('/').next().unwrap_or(path).to_string()).collect();
    let tables: Vec<infer::TableGuess> = found
        .files
        .iter()
        .filter(|file| {
            let lower = file.to_lowercase();
            lower.ends_with(".csv") || lower.ends_with(".tsv")
        })
        .filter_map(|file| infer::table(&corpus_folder.join(file), file, &audio_names))
        .collect();
    let manifest = options.out.clone().unwrap_or_else(|| PathBuf::from(format!("manifests/{id}.toml")));
    let test = options.test.clone().unwrap_or_else(|| PathBuf::from(format!("tests/{id}.rs")));
    let text = manifest_text(id, &corpus_folder, &found, &tables);
    let todos = match crate::manifest::Manifest::parse(&text, &manifest.display().to_string()) {
        Err(crate::manifest::ManifestError::Todo { todos, .. }) => todos.len(),
        _ => 0,
    };
    write_new(&manifest, &text)?;
    write_new(&test, &test_text(id, &found))?;
    Ok(NewCorpusOutcome { corpus_folder, manifest, test, audio_files: found.audio.len(), todos })
}
