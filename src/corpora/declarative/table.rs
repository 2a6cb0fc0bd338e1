//! Reading the metadata table of `[adapter.table]`: its columns found by header name, each row
//! joined to the audio file its `file` template names. A missing, garbled or ambiguous table
//! stops the scan naming the file.
use super::compile::Table;
use super::template::{RenderError, Scope};
use crate::corpora::ScanError;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

/// One data row: its number (the header is row 0) and the used columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub number: usize,
    pub values: BTreeMap<String, String>,
}

/// The rows keyed by the path of their audio file relative to the corpus folder.
#[derive(Debug, Default)]
pub struct Rows {
    /// The table's file name, as messages name it.
    pub file_name: String,
    pub by_file: BTreeMap<String, Row>,
}

struct RowScope<'a>(&'a Row);

impl Scope for RowScope<'_> {
    fn value(&self, name: &str) -> Result<Option<Cow<'_, str>>, RenderError> {
        Ok(match name {
            "table.row" => Some(Cow::Owned(self.0.number.to_string())),
            _ => name
                .strip_prefix("row.")
                .and_then(|column| self.0.values.get(column))
                .map(|v| Cow::Borrowed(v.as_str())),
        })
    }
    fn lookup(&self, _filter: &str, _key: &str) -> Option<Option<String>> {
        None
    }
}

/// Finds the one table below `root` among `candidates` (paths matching the table glob).
pub fn locate<'a>(root: &Path, table: &Table, candidates: &'a [String]) -> Result<&'a str, ScanError> {
    match candidates {
        [one] => Ok(one),
        [] => Err(ScanError::Layout { path: root.join(&table.shown_as), message: table.missing.clone() }),
        several => Err(ScanError::Layout {
            path: root.to_path_buf(),
            message: format!("several tables ({}); keep one copy of the corpus", several.join(", ")),
        }),
    }
}

/// Reads the table at `relative` below `root`.
pub fn read(root: &Path, relative: &str, table: &Table) -> Result<Rows, ScanError> {
    let path = root.join(relative);
    let layout = |message: String| ScanError::Layout { path: path.clone(), message };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(table.delimiter)
        .quoting(table.quoting)
        .trim(if table.trim { csv::Trim::All } else { csv::Trim::None })
        .from_path(&path)
        .map_err(|error| layout(format!("cannot read the table: {error}")))?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|error| layout(format!("garbled header: {error}")))?
        .iter()
        .map(|name| name.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    let mut positions = Vec::new();
    for column in &table.columns {
        let position = header.iter().position(|name| name == column).ok_or_else(|| {
            layout(format!("no `{column}` column (header is {header:?}); fix adapter.table.columns or the delimiter"))
        })?;
        positions.push((column.clone(), position));
    }
    let folder = relative.rsplit_once('/').map_or("", |(folder, _)| folder);
    let file_name = relative.rsplit('/').next().unwrap_or(relative).to_string();
    let mut by_file: BTreeMap<String, Row> = BTreeMap::new();
    for (index, record) in reader.records().enumerate() {
        let number = index + 1;
        let record = record.map_err(|error| layout(format!("garbled row {number}: {error}")))?;
        let values = positions
            .iter()
            .map(|(column, position)| (column.clone(), record.get(*position).unwrap_or_default().to_string()))
            .collect();
        let row = Row { number, values };
        let file = match table.file.render(&RowScope(&row)) {
            Ok(Some(file)) => file,
            _ => return Err(layout(format!("row {number}: adapter.table.file cannot be formed"))),
        };
        let joined = join(folder, &file)
            .ok_or_else(|| layout(format!("row {number}: file '{file}' leaves the corpus folder or names no file")))?;
        if let Some(previous) = by_file.insert(joined.clone(), row) {
            return Err(layout(format!("rows {} and {number} both describe {joined}", previous.number)));
        }
    }
    Ok(Rows { file_name, by_file })
}

/// `file` relative to `folder`, both inside the corpus folder, as one clean relative path;
/// `None` when it climbs out of the corpus folder or names no file.
fn join(folder: &str, file: &str) -> Option<String> {
    let mut parts: Vec<&str> = folder.split('/').filter(|p| !p.is_empty()).collect();
    let file = file.replace('\\', "/");
    if file.starts_with('/') || file.ends_with('/') || file.trim().is_empty() {
        return None;
    }
    for part in file.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_files_are_joined_inside_the_corpus_folder() {
        assert_eq!(join("nEMO", "samples/a.wav").as_deref(), Some("nEMO/samples/a.wav"));
        assert_eq!(join("", "samples/a.wav").as_deref(), Some("samples/a.wav"));
        assert_eq!(join("x/metadata", "../audio/1.wav").as_deref(), Some("x/audio/1.wav"));
        assert_eq!(join("metadata", "../../secret.wav"), None);
        assert_eq!(join("", "/etc/passwd"), None);
        assert_eq!(join("", "samples/"), None);
    }
}
