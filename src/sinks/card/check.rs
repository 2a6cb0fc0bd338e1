//! Reads a card back: its YAML header must parse and agree with the build (a config
//! data_files entry and a dataset_info split with the right count for every split, and the
//! features of the parquet schema, in order). Used by `cameo verify`.
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
pub struct CardHeader {
    pub pretty_name: String,
    pub language: Vec<String>,
    pub license: Vec<String>,
    pub configs: Vec<Config>,
    pub dataset_info: DatasetInfo,
}

#[derive(Debug, Deserialize)]
pub struct Config {
    pub config_name: String,
    pub data_files: Vec<DataFiles>,
}

#[derive(Debug, Deserialize)]
pub struct DataFiles {
    pub split: String,
    pub path: String,
}

#[derive(Debug, Deserialize)]
pub struct DatasetInfo {
    pub features: Vec<Feature>,
    pub splits: Vec<SplitInfo>,
}

#[derive(Debug, Deserialize)]
pub struct Feature {
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct SplitInfo {
    pub name: String,
    pub num_examples: usize,
    pub num_bytes: u64,
}

/// The YAML between the leading `---` lines, parsed.
pub fn parse_header(card: &str) -> Result<CardHeader, String> {
    let rest = card.strip_prefix("---\n").ok_or("does not start with a `---` YAML header")?;
    let end = rest.find("\n---\n").ok_or("the YAML header has no closing `---` line")?;
    serde_yaml::from_str(&rest[..end + 1]).map_err(|e| format!("the YAML header does not parse: {e}"))
}

/// Checks a card against the samples per split of its build.
pub fn check_card(card: &str, per_split: &BTreeMap<String, usize>) -> Result<CardHeader, String> {
    let header = parse_header(card)?;
    let [config] = header.configs.as_slice() else {
        return Err(format!("{} configs, one expected", header.configs.len()));
    };
    let listed: Vec<&str> = config.data_files.iter().map(|d| d.split.as_str()).collect();
    let built: Vec<&str> = per_split.keys().map(String::as_str).collect();
    if listed != built {
        return Err(format!("configs list the splits {listed:?}, the build has {built:?}"));
    }
    for files in &config.data_files {
        let expected = crate::sinks::parquet::shard_glob(&files.split);
        if files.path != expected {
            return Err(format!("split {}: data_files path '{}', expected '{expected}'", files.split, files.path));
        }
    }
    let names: Vec<&str> = header.dataset_info.features.iter().map(|f| f.name.as_str()).collect();
    let schema = crate::sinks::parquet::schema();
    let columns: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    if names != columns {
        return Err(format!("dataset_info features {names:?} differ from the parquet columns {columns:?}"));
    }
    let infos: Vec<(&str, usize)> =
        header.dataset_info.splits.iter().map(|s| (s.name.as_str(), s.num_examples)).collect();
    let counts: Vec<(&str, usize)> = per_split.iter().map(|(s, n)| (s.as_str(), *n)).collect();
    if infos != counts {
        return Err(format!("dataset_info splits {infos:?}, the build has {counts:?}"));
    }
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_without_a_closing_line_or_with_bad_yaml_is_an_error() {
        assert_eq!(parse_header("# title").unwrap_err(), "does not start with a `---` YAML header");
        assert_eq!(parse_header("---\nlicense: [mit\n").unwrap_err(), "the YAML header has no closing `---` line");
        let error = parse_header("---\nlicense: [mit\n---\n").unwrap_err();
        assert!(error.starts_with("the YAML header does not parse"), "{error}");
    }
}
