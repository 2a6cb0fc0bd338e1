//! PAVOQUE, German expressive speech of one actor (GitHub marytts/pavoque-data, CC BY-NC-SA 4.0).
//!
//! Layout: a clone of the repository with the release FLACs next to the YAMLs (where its
//! `download` task puts them), at the top of the corpus folder or one folder down:
//! `pavoque-<style>.yaml` + `pavoque-<style>.flac` for the styles angry, happy, neutral, poker
//! and sad, plus `pavoque-outtakes.yaml` (maybe its FLAC), README.md, LICENSE.md and Gradle
//! helpers. Each FLAC is one long recording (44.1 kHz, 16-bit, mono) of the style's utterances
//! back to back; its YAML is a list of `{prompt, text, style, start, end, segments?}` with
//! `start`/`end` in seconds from the start of the recording and phone `segments` whose ends are
//! relative to the utterance (not needed here: cutting uses start/end only).
//!
//! An item is the span [start, end) of its style's recording. Label = the entry's `style`
//! field, which must be its file's style (never the prompt prefix: `poker_a*` prompts are
//! angry); transcription = `text`; the one speaker's facts come from the manifest. The entries
//! are checked before any audio is touched: keys and types, finite non-negative times with
//! start < end, no overlap with another entry of the same file. A bad entry is a reject named
//! `pavoque-<style>.yaml#<n>` (n = its 1-based place in the list). The outtakes (repeated
//! takes, overlapping times, duplicate prompts) are not in CAMEO's 5,442 and are skipped.
use super::walk::{extension, list_files, RawFile};
use super::{require_folder, AudioLocation, Corpus, Reject, Scan, ScanError, Skipped, SourceItem};
use crate::manifest::{Manifest, ManifestError, Speaker};
use serde::Deserialize;
use std::path::Path;

/// The five speaking styles CAMEO uses, each a YAML + FLAC pair.
pub const STYLES: [&str; 5] = ["angry", "happy", "neutral", "poker", "sad"];
/// The corpus has no speaker code; its one speaker is "1" in the manifest's `[speakers]`.
pub const SPEAKER: &str = "1";

const REPOSITORY: &str = "https://github.com/marytts/pavoque-data";
const OUTTAKES_REASON: &str =
    "outtakes (repeated takes with overlapping times and duplicate prompts): not part of CAMEO's 5,442";

/// One YAML entry as the corpus writes it (keys not listed here, such as `segments`, are ignored).
#[derive(Debug, Deserialize)]
struct Entry {
    prompt: String,
    #[serde(default)]
    text: Option<String>,
    style: String,
    start: f64,
    end: f64,
}

/// A checked entry: its 1-based place in the list and its content.
struct Checked {
    number: usize,
    entry: Entry,
}

/// What a file of the clone is.
enum Kind {
    StyleYaml(&'static str),
    StyleFlac,
    Skip(&'static str),
}

/// Sorts a file of the clone (path relative to the clone folder) by its name.
fn classify(relative: &str) -> Kind {
    if let Some((folder, _)) = relative.split_once('/') {
        return Kind::Skip(match folder {
            ".git" => "git metadata",
            "gradle" | "buildSrc" | ".gradle" | "build" => "Gradle build helper of the repository, not corpus data",
            _ => "not part of the PAVOQUE distribution (its YAML and FLAC files sit at the top of the clone)",
        });
    }
    if let Some(style) = relative.strip_prefix("pavoque-").and_then(|rest| rest.strip_suffix(".yaml")) {
        if let Some(style) = STYLES.iter().find(|known| **known == style) {
            return Kind::StyleYaml(style);
        }
    }
    if let Some(style) = relative.strip_prefix("pavoque-").and_then(|rest| rest.strip_suffix(".flac")) {
        if STYLES.contains(&style) {
            return Kind::StyleFlac;
        }
    }
    Kind::Skip(match relative {
        "pavoque-outtakes.yaml" | "pavoque-outtakes.flac" => OUTTAKES_REASON,
        "README.md" | "LICENSE.md" | "LICENSE.html" => "corpus documentation, not audio",
        "build.gradle" | "settings.gradle" | "gradlew" | "gradlew.bat" => {
            "Gradle build helper of the repository, not corpus data"
        }
        ".gitignore" | ".gitattributes" => "git metadata",
        _ => match extension(relative).as_deref() {
            Some("yaml") => "YAML annotation with no recording among the five styles; not read",
            Some("flac") => "recording not described by any of the five style YAMLs",
            _ => "not part of the PAVOQUE distribution",
        },
    })
}

/// The clone's folder: where the style YAMLs are (the corpus folder itself or one level down),
/// as a prefix ending in `/`, or empty.
fn clone_prefix(root: &Path, files: &[RawFile]) -> Result<String, ScanError> {
    let prefixes: std::collections::BTreeSet<&str> = files
        .iter()
        .filter(|file| matches!(classify(&file.name), Kind::StyleYaml(_)))
        .map(|file| &file.relative[..file.relative.len() - file.name.len()])
        .filter(|prefix| prefix.matches('/').count() <= 1)
        .collect();
    match Vec::from_iter(prefixes).as_slice() {
        [prefix] => Ok(prefix.to_string()),
        [] => Err(ScanError::Layout {
            path: root.join("pavoque-neutral.yaml"),
            message: format!(
                "missing: no pavoque-<style>.yaml found; clone {REPOSITORY} into the corpus folder and download the \
                 release FLACs next to the YAMLs"
            ),
        }),
        several => Err(ScanError::Layout {
            path: root.to_path_buf(),
            message: format!("PAVOQUE YAMLs in several folders ({several:?}); keep one clone of pavoque-data"),
        }),
    }
}

/// Checks that every style has its YAML and its FLAC; one error lists everything missing.
fn require_style_files(root: &Path, prefix: &str, files: &[RawFile], manifest: &Manifest) -> Result<(), ScanError> {
    let present = |name: &str| files.iter().any(|file| file.relative == format!("{prefix}{name}"));
    let mut missing = Vec::new();
    for style in STYLES {
        for name in [format!("pavoque-{style}.yaml"), format!("pavoque-{style}.flac")] {
            if !present(&name) {
                missing.push(name);
            }
        }
    }
    let Some(first) = missing.first() else { return Ok(()) };
    let where_from = |name: &String| {
        let url = manifest.sources.iter().find(|source| &source.file == name).and_then(|source| source.url.clone());
        match url {
            Some(url) => format!("{name} ({url})"),
            None => name.clone(),
        }
    };
    let listed: Vec<String> = missing.iter().map(where_from).collect();
    Err(ScanError::Layout {
        path: root.join(format!("{prefix}{first}")),
        message: format!(
            "missing: each style needs its YAML (from the repository) and its FLAC (release v0.2) side by side; \
             missing {}: {}",
            missing.len(),
            listed.join(", ")
        ),
    })
}

/// Reads a style YAML as a list of entries, still unchecked; a file that is not a YAML list,
/// or an empty one, is an error naming it (the whole style depends on it).
fn read_entries(path: &Path) -> Result<Vec<serde_yaml::Value>, ScanError> {
    let bytes = std::fs::read(path).map_err(|source| ScanError::Io { path: path.to_path_buf(), source })?;
    let layout = |message: String| ScanError::Layout { path: path.to_path_buf(), message };
    let entries: Vec<serde_yaml::Value> =
        serde_yaml::from_slice(&bytes).map_err(|error| layout(format!("not a YAML list of utterances: {error}")))?;
    if entries.is_empty() {
        return Err(layout("holds no utterances (an empty or truncated copy? fetch it again)".into()));
    }
    Ok(entries)
}

/// The entry's prompt, if it has a readable one (to name it in a reject).
fn prompt_of(value: &serde_yaml::Value) -> Option<&str> {
    value.get("prompt").and_then(serde_yaml::Value::as_str).filter(|prompt| !prompt.trim().is_empty())
}

/// Checks one entry on its own: schema, style, times.
fn check_entry(value: serde_yaml::Value, style: &str) -> Result<Entry, String> {
    let entry: Entry = serde_yaml::from_value(value).map_err(|error| error.to_string())?;
    if entry.prompt.trim().is_empty() {
        return Err("empty prompt".into());
    }
    if entry.style != style {
        return Err(format!("style is '{}' but pavoque-{style}.yaml holds the {style} style", entry.style));
    }
    if !entry.start.is_finite() || entry.start < 0.0 {
        return Err(format!("start {} is not a finite, non-negative time", entry.start));
    }
    if !entry.end.is_finite() {
        return Err(format!("end {} is not a finite time", entry.end));
    }
    if entry.start >= entry.end {
        return Err(format!("start {} s is not before end {} s", entry.start, entry.end));
    }
    Ok(entry)
}

/// Entries whose spans overlap another entry's, each with the entry it overlaps (the first one
/// found). Touching spans (end == next start, as the corpus writes them) do not overlap.
fn overlapping(entries: &[Checked]) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&entries[a].entry, &entries[b].entry);
        a.start.total_cmp(&b.start).then(a.end.total_cmp(&b.end))
    });
    let mut partner: Vec<Option<usize>> = vec![None; entries.len()];
    // The entry reaching furthest so far: any later start before its end overlaps it.
    let mut reach: Option<usize> = None;
    for index in order {
        if let Some(previous) = reach {
            if entries[index].entry.start < entries[previous].entry.end {
                partner[index].get_or_insert(previous);
                partner[previous].get_or_insert(index);
            }
        }
        if reach.is_none_or(|previous| entries[index].entry.end > entries[previous].entry.end) {
            reach = Some(index);
        }
    }
    partner.iter().enumerate().filter_map(|(index, other)| other.map(|other| (index, other))).collect()
}

/// Scans one style: its YAML's entries become items (cut from its FLAC) or rejects.
fn scan_style(
    root: &Path,
    prefix: &str,
    style: &'static str,
    speaker: &Speaker,
    scan: &mut Scan,
) -> Result<(), ScanError> {
    let yaml = format!("{prefix}pavoque-{style}.yaml");
    let recording = format!("{prefix}pavoque-{style}.flac");
    let reject = |number: usize, prompt: Option<&str>, problem: String| Reject {
        source: format!("{yaml}#{number}"),
        reason: match prompt {
            Some(prompt) => format!("prompt {prompt}: {problem}"),
            None => problem,
        },
    };
    let mut checked = Vec::new();
    for (index, value) in read_entries(&root.join(&yaml))?.into_iter().enumerate() {
        let number = index + 1;
        let prompt = prompt_of(&value).map(str::to_string);
        match check_entry(value, style) {
            Ok(entry) => checked.push(Checked { number, entry }),
            Err(problem) => scan.rejects.push(reject(number, prompt.as_deref(), problem)),
        }
    }
    let overlaps = overlapping(&checked);
    let mut overlapped = vec![false; checked.len()];
    for &(index, other) in &overlaps {
        overlapped[index] = true;
        let (this, other) = (&checked[index], &checked[other]);
        scan.rejects.push(reject(
            this.number,
            Some(&this.entry.prompt),
            format!(
                "times {}-{} s overlap entry {} (prompt {}, {}-{} s)",
                this.entry.start, this.entry.end, other.number, other.entry.prompt, other.entry.start, other.entry.end
            ),
        ));
    }
    for (Checked { entry, .. }, overlapped) in checked.into_iter().zip(overlapped) {
        if overlapped {
            continue;
        }
        scan.items.push(SourceItem {
            location: AudioLocation::Segment { file: recording.clone(), start: entry.start, end: entry.end },
            source_label: entry.style,
            speaker: Some(SPEAKER.to_string()),
            gender: speaker.gender,
            age: speaker.age.map(|age| age.to_string()),
            transcription: entry.text,
        });
    }
    Ok(())
}

#[derive(Debug)]
pub struct Pavoque;

impl Corpus for Pavoque {
    fn scan(&self, root: &Path, manifest: &Manifest) -> Result<Scan, ScanError> {
        require_folder(root, &format!("clone {REPOSITORY} into it and download the release FLACs next to the YAMLs"))?;
        let speaker = manifest.speakers.get(SPEAKER).ok_or_else(|| ManifestError::Invalid {
            manifest: manifest.origin.clone(),
            key: "speakers".into(),
            message: format!("needs the entry \"{SPEAKER}\" for the corpus' one speaker"),
        })?;
        let mut scan = Scan::default();
        let files = list_files(root, &mut scan.skipped)?;
        let prefix = clone_prefix(root, &files)?;
        require_style_files(root, &prefix, &files, manifest)?;
        for file in &files {
            let Some(relative) = file.relative.strip_prefix(&prefix) else {
                let reason = format!("outside the pavoque-data clone ({prefix})");
                scan.skipped.push(Skipped { source: file.relative.clone(), reason });
                continue;
            };
            match classify(relative) {
                Kind::StyleYaml(style) => scan.skipped.push(Skipped {
                    source: file.relative.clone(),
                    reason: format!("annotation of the {style} style (read for times, labels and texts)"),
                }),
                // The recordings are the items' audio.
                Kind::StyleFlac => {}
                Kind::Skip(reason) => {
                    scan.skipped.push(Skipped { source: file.relative.clone(), reason: reason.into() })
                }
            }
        }
        for style in STYLES {
            scan_style(root, &prefix, style, speaker, &mut scan)?;
        }
        Ok(scan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(yaml: &str, style: &str) -> Vec<Result<Entry, String>> {
        let values: Vec<serde_yaml::Value> = serde_yaml::from_str(yaml).unwrap();
        values.into_iter().map(|value| check_entry(value, style)).collect()
    }

    #[test]
    fn quoted_labels_and_texts_parse_and_segments_are_ignored() {
        let yaml = "- prompt: a0021\n  text: 'Der Begriff Variant bezeichnet:'\n  style: neutral\n  start: 0\n  \
                    end: 2.5\n  segments:\n  - {lab: H#, end: 0.3}\n  - {lab: '?', end: 0.4}\n  - {lab: '6', end: 9.0}\n";
        let parsed = entries(yaml, "neutral");
        let entry = parsed[0].as_ref().unwrap();
        assert_eq!(entry.text.as_deref(), Some("Der Begriff Variant bezeichnet:"));
        assert_eq!((entry.start, entry.end), (0.0, 2.5));
    }

    #[test]
    fn bad_entries_say_what_is_wrong() {
        let yaml = "- {prompt: m1, text: t, style: sad, start: 1.0, end: 2.0}\n\
                    - {prompt: m2, text: t, style: angry, start: -1.0, end: 2.0}\n\
                    - {prompt: m3, text: t, style: angry, start: .nan, end: 2.0}\n\
                    - {prompt: m4, text: t, style: angry, start: 2.0, end: .inf}\n\
                    - {prompt: m5, text: t, style: angry, start: 2.0, end: 2.0}\n\
                    - {prompt: m6, text: t, style: angry, start: 2.0}\n\
                    - {prompt: m7, style: angry, start: '1.0', end: 2.0}\n";
        let problems: Vec<String> = entries(yaml, "angry").into_iter().map(|r| r.err().unwrap()).collect();
        assert_eq!(problems[0], "style is 'sad' but pavoque-angry.yaml holds the angry style");
        assert_eq!(problems[1], "start -1 is not a finite, non-negative time");
        assert_eq!(problems[2], "start NaN is not a finite, non-negative time");
        assert_eq!(problems[3], "end inf is not a finite time");
        assert_eq!(problems[4], "start 2 s is not before end 2 s");
        assert!(problems[5].contains("missing field `end`"), "{}", problems[5]);
        assert!(problems[6].contains("invalid type: string \"1.0\", expected f64"), "{}", problems[6]);
    }

    #[test]
    fn overlaps_name_each_other_and_touching_spans_do_not_overlap() {
        let checked: Vec<Checked> = [(0.0, 1.0), (1.0, 2.0), (1.5, 3.0), (3.0, 4.0), (10.0, 20.0), (11.0, 12.0)]
            .into_iter()
            .enumerate()
            .map(|(index, (start, end))| Checked {
                number: index + 1,
                entry: Entry { prompt: format!("p{index}"), text: None, style: "sad".into(), start, end },
            })
            .collect();
        assert_eq!(overlapping(&checked), vec![(1, 2), (2, 1), (4, 5), (5, 4)]);
    }

    #[test]
    fn a_yaml_that_is_not_a_list_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pavoque-sad.yaml");
        for text in ["prompt: m0001\nstyle: sad\n", "- {prompt: m0001\n"] {
            std::fs::write(&path, text).unwrap();
            let error = read_entries(&path).err().unwrap().to_string();
            assert!(error.contains("pavoque-sad.yaml: not a YAML list of utterances"), "{text:?}: {error}");
        }
        for text in ["", "[]\n", "# nothing\n"] {
            std::fs::write(&path, text).unwrap();
            let error = read_entries(&path).err().unwrap().to_string();
            assert!(error.contains("pavoque-sad.yaml: holds no utterances"), "{text:?}: {error}");
        }
    }

    #[test]
    fn files_are_classified_by_name() {
        assert!(matches!(classify("pavoque-poker.yaml"), Kind::StyleYaml("poker")));
        assert!(matches!(classify("pavoque-poker.flac"), Kind::StyleFlac));
        assert!(matches!(classify("pavoque-outtakes.flac"), Kind::Skip(OUTTAKES_REASON)));
        assert!(matches!(classify("sub/pavoque-poker.flac"), Kind::Skip(_)));
        assert!(matches!(classify("pavoque-all.yaml"), Kind::Skip(r) if r.starts_with("YAML annotation")));
    }
}
