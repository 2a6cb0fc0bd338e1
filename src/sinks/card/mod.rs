//! The dataset card `README.md` of a build: the YAML header the Hugging Face hub and
//! `datasets` read (configs with one data_files entry per split, features, split sizes,
//! languages, licenses, tasks) and a body for people (per-corpus table, emotion distribution,
//! licenses and the uses they allow, citations, build provenance, how to load it). `check`
//! reads a card back for `cameo verify`.
mod body;
pub mod check;
mod header;

use super::parquet;
use crate::collection::split::SplitState;
use crate::fsutil::StagedWrites;
use crate::manifest::Manifest;
use crate::record::Record;

/// A split's size as the hub counts it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SplitSizes {
    /// The parquet shards on disk (the download size).
    pub parquet_bytes: u64,
    /// The split as an Arrow table in memory (`num_bytes`, what `datasets` records).
    pub arrow_bytes: u64,
}

/// What the card is made from.
pub struct CardInput<'a> {
    pub states: &'a [SplitState],
    pub manifests: &'a [Manifest],
    pub sizes: &'a dyn Fn(&str) -> SplitSizes,
}

impl CardInput<'_> {
    fn manifest(&self, split: &str) -> Option<&Manifest> {
        self.manifests.iter().find(|m| m.id == split)
    }
}

/// The dataset card sink, `README.md`.
#[derive(Debug)]
pub struct Card;

impl super::Sink for Card {
    fn write(&self, collection: &super::Collection, staged: &mut StagedWrites) -> Result<(), super::SinkError> {
        let out = collection.out;
        let mut sizes = std::collections::BTreeMap::new();
        for state in collection.states {
            let records: Vec<&Record> = state.records.iter().collect();
            let audio = parquet::audio_sizes(out, &records)
                .map_err(|source| super::SinkError::Parquet { path: out.join("audio"), source })?;
            let split = state.report.split.clone();
            let parquet_bytes = parquet::split_shard_bytes(out, &split, staged);
            sizes.insert(split, SplitSizes { parquet_bytes, arrow_bytes: parquet::arrow_bytes(&records, &audio) });
        }
        let input = CardInput {
            states: collection.states,
            manifests: collection.manifests,
            sizes: &|split| sizes.get(split).copied().unwrap_or_default(),
        };
        let path = out.join("README.md");
        let card = render_card(&input).map_err(|message| super::SinkError::Card { path: path.clone(), message })?;
        staged.write(&path, card.as_bytes()).map_err(super::SinkError::io(&path))
    }
}

/// Renders the card; an error names the manifest whose facts cannot go into a card.
pub fn render_card(input: &CardInput) -> Result<String, String> {
    Ok(format!("{}\n{}", header::yaml_header(input)?, body::markdown_body(input)))
}

/// Quotes a YAML scalar (double-quoted style; JSON escaping is valid YAML).
fn yaml_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string serialises")
}

// By hand: the size function has no Debug.
impl std::fmt::Debug for CardInput<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardInput")
            .field("states", &self.states.len())
            .field("manifests", &self.manifests.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collection::split::SplitReport;

    fn toy_manifest(language_code: &str) -> Manifest {
        let text = format!(
            "id = \"toy\"\nname = \"Toy\"\nlanguage = \"English\"\nlanguage_code = \"{language_code}\"\n\
             expected_count = 0\n[license]\nspdx = \"LicenseRef-toy-research\"\nname = \"Toy research terms\"\n\
             commercial_use = false\nderivatives = false\nshare_alike = false\nattribution = \"Toy\"\n\
             citation = \"Toy (2024)\"\nverified = \"UNVERIFIED: made up\"\n[labels]\n\"a\" = \"anger\"\n"
        );
        Manifest::parse(&text, "manifests/toy.toml").unwrap()
    }

    fn toy_state() -> SplitState {
        SplitState {
            flac_sha256: Default::default(),
            report: SplitReport { split: "toy".into(), dataset: "Toy".into(), ..Default::default() },
            records: Vec::new(),
            transcription: None,
        }
    }

    #[test]
    fn a_card_reads_back_and_a_license_without_hub_id_is_other_with_a_name() {
        let (states, manifests) = ([toy_state()], [toy_manifest("en")]);
        let sizes = |_: &str| SplitSizes { parquet_bytes: 7, arrow_bytes: 5 };
        let card = render_card(&CardInput { states: &states, manifests: &manifests, sizes: &sizes }).unwrap();
        let header = check::check_card(&card, &[("toy".to_string(), 0)].into()).unwrap();
        assert_eq!(header.license, ["other"]);
        assert_eq!(header.language, ["en"]);
        assert!(card.contains("license_name: cameo-corpus-licenses\nlicense_link: LICENSES/ATTRIBUTION.md\n"));
        assert!(card.contains("  - name: toy\n    num_bytes: 5\n    num_examples: 0\n"));
        assert!(card.contains("  download_size: 7\n  dataset_size: 5\n"));
    }

    #[test]
    fn a_language_code_that_is_not_iso_639_1_names_the_manifest() {
        let (states, manifests) = ([toy_state()], [toy_manifest("eng")]);
        let sizes = |_: &str| SplitSizes::default();
        let error = render_card(&CardInput { states: &states, manifests: &manifests, sizes: &sizes }).unwrap_err();
        assert_eq!(
            error,
            "manifests/toy.toml: key `language_code`: 'eng' is not an ISO 639-1 code (two lower-case letters)"
        );
    }
}
