//! Sorting the files of a corpus folder by the manifest's rules: junk, the metadata table,
//! sidecar texts, audio (`take`), set aside (`skip`), or matched by no rule. Names are matched
//! as [`crate::corpora::names`] decodes them.
use super::compile::Compiled;
use crate::corpora::walk::{junk_reason, FoundFile};
use crate::corpora::{Reject, ScanError, Skipped};
use std::collections::{BTreeMap, BTreeSet};

/// An audio file below the corpus folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioFile {
    /// `/`-separated path relative to the corpus folder.
    pub relative: String,
    pub name: String,
    /// The file name without its last extension.
    pub stem: String,
    /// The name of the folder holding it (empty at the corpus folder itself).
    pub folder: String,
    /// The path of that folder relative to the corpus folder (empty at the top).
    pub folder_path: String,
}

impl AudioFile {
    fn new(relative: String) -> AudioFile {
        let (folder_path, name) = match relative.rsplit_once('/') {
            Some((folder, name)) => (folder.to_string(), name.to_string()),
            None => (String::new(), relative.clone()),
        };
        let folder = folder_path.rsplit('/').next().unwrap_or_default().to_string();
        let stem = name.rsplit_once('.').map_or(name.as_str(), |(stem, _)| stem).to_string();
        AudioFile { relative, name, stem, folder, folder_path }
    }
}

/// What the rules made of a corpus folder.
#[derive(Debug, Default)]
pub struct Listing {
    pub audio: Vec<AudioFile>,
    pub skipped: Vec<Skipped>,
    /// Files no rule matched.
    pub unmatched: Vec<Reject>,
}

/// Sorts `entries` by the rules of `adapter`; `tables` are the metadata tables read (path →
/// why they are not items).
pub fn classify(
    entries: Vec<FoundFile>,
    adapter: &Compiled,
    tables: &BTreeMap<String, String>,
) -> Result<Listing, ScanError> {
    let mut listing = Listing::default();
    let mut rest = Vec::new();
    for entry in entries {
        if let Some(reason) = junk_reason(&entry.relative) {
            listing.skipped.push(Skipped { source: entry.relative, reason: reason.into() });
        } else if let Some(reason) = tables.get(&entry.relative) {
            listing.skipped.push(Skipped { source: entry.relative, reason: reason.clone() });
        } else {
            let rule = adapter.files.iter().find(|rule| rule.glob.is_match(&entry.relative));
            match rule {
                Some(rule) if rule.skip.is_none() => listing.audio.push(AudioFile::new(entry.relative)),
                _ => rest.push((entry, rule.and_then(|rule| rule.skip.clone()))),
            }
        }
    }

    // A sidecar is `<stem>.<extension>` beside an audio file, whatever rule it would match.
    let sidecar_of_audio: BTreeSet<(String, String)> = match &adapter.sidecar {
        Some(sidecar) => listing
            .audio
            .iter()
            .map(|file| (file.folder_path.clone(), format!("{}.{}", file.stem, sidecar.extension)))
            .collect(),
        None => BTreeSet::new(),
    };
    for (entry, reason) in rest {
        let file = AudioFile::new(entry.relative.clone());
        if let Some(sidecar) = &adapter.sidecar {
            if sidecar_of_audio.contains(&(file.folder_path, file.name)) {
                listing.skipped.push(Skipped { source: entry.relative, reason: sidecar.skip.clone() });
                continue;
            }
        }
        match reason {
            Some(reason) => listing.skipped.push(Skipped { source: entry.relative, reason }),
            None => listing.unmatched.push(Reject {
                reason: format!(
                    "matches no rule of adapter.files in {}: add a rule for it (take = true if it is audio, else \
                     skip = \"why it is not\")",
                    adapter.manifest_file
                ),
                source: entry.relative,
            }),
        }
    }
    Ok(listing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_knows_its_name_stem_and_folder() {
        let file = AudioFile::new("a/JL(wav+txt)/male1_sad_1a_1.wav".into());
        assert_eq!((file.name.as_str(), file.stem.as_str()), ("male1_sad_1a_1.wav", "male1_sad_1a_1"));
        assert_eq!((file.folder.as_str(), file.folder_path.as_str()), ("JL(wav+txt)", "a/JL(wav+txt)"));
        let top = AudioFile::new("x.tar.wav".into());
        assert_eq!((top.stem.as_str(), top.folder.as_str(), top.folder_path.as_str()), ("x.tar", "", ""));
    }
}
