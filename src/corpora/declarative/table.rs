//! Reading the metadata tables: `[adapter.table]` (one row per audio file, joined to the file
//! its `file` template names) and `[adapter.speaker_table]` (one row per speaker, keyed by a
//! column). Columns are found by header name. A missing or ambiguous table, or one whose
//! header is garbled, stops the scan naming the file; a garbled row (wrong number of fields,
//! bytes that are not text, a file name that cannot be formed) is kept aside so the scan
//! records it as a reject and goes on with the other rows.
use super::compile::{Table, TableFormat};
use super::template::{RenderError, Scope};
use crate::corpora::ScanError;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

/// Rows that could not be read: (row number, why).
pub type Garbled = Vec<(usize, String)>;

/// One data row: its number (the header is row 0) and the used columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub number: usize,
    pub values: BTreeMap<String, String>,
}

/// The rows of a table keyed by their audio file (relative to the corpus folder) or speaker.
#[derive(Debug, Default)]
pub struct Rows {
    /// The table's path relative to the corpus folder.
    pub relative: String,
    /// The table's file name, as messages name it.
    pub file_name: String,
    pub by_key: BTreeMap<String, Row>,
    /// Rows that could not be read.
    pub garbled: Garbled,
}

impl Rows {
    /// The folder holding the table, relative to the corpus folder.
    pub fn folder(&self) -> &str {
        self.relative.rsplit_once('/').map_or("", |(folder, _)| folder)
    }
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

/// Finds the one table of `format` among `files` (paths relative to the corpus folder), its
/// glob taken relative to `base` (a folder relative to the corpus folder, `""` for the top).
pub fn locate<'a>(root: &Path, base: &str, format: &TableFormat, files: &'a [String]) -> Result<&'a str, ScanError> {
    let below_base = |file: &'a String| -> Option<&'a str> {
        match base {
            "" => Some(file.as_str()),
            base => file.strip_prefix(base).and_then(|rest| rest.strip_prefix('/')),
        }
    };
    let found: Vec<&String> =
        files.iter().filter(|file| below_base(file).is_some_and(|inside| format.glob.is_match(inside))).collect();
    match found.as_slice() {
        [one] => Ok(one.as_str()),
        [] => Err(ScanError::Layout { path: root.join(base).join(&format.shown_as), message: format.missing.clone() }),
        several => {
            let list: Vec<&str> = several.iter().map(|file| file.as_str()).collect();
            Err(ScanError::Layout {
                path: root.join(base),
                message: format!(
                    "several {} files ({}); keep one copy of the corpus",
                    format.shown_as,
                    list.join(", ")
                ),
            })
        }
    }
}

/// Reads every row of the table at `relative` below `root`: the good rows, and the number and
/// fault of each garbled one.
fn read_rows(root: &Path, relative: &str, format: &TableFormat) -> Result<(Vec<Row>, Garbled), ScanError> {
    let path = root.join(relative);
    let layout = |message: String| ScanError::Layout { path: path.clone(), message };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(format.delimiter)
        .quoting(format.quoting)
        .trim(if format.trim { csv::Trim::All } else { csv::Trim::None })
        // Rows with another number of fields are read and reported below, not a stop.
        .flexible(true)
        .from_path(&path)
        .map_err(|error| layout(format!("cannot read the table: {error}")))?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|error| layout(format!("garbled header: {error}")))?
        .iter()
        .map(|name| name.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    let mut positions = Vec::new();
    for column in &format.columns {
        let position = header.iter().position(|name| name == column).ok_or_else(|| {
            layout(format!("no `{column}` column (header is {header:?}); fix the manifest's columns or delimiter"))
        })?;
        positions.push((column.clone(), position));
    }
    let (mut rows, mut garbled) = (Vec::new(), Vec::new());
    for (index, record) in reader.records().enumerate() {
        let number = index + 1;
        let record = match record {
            Ok(record) if record.len() == header.len() => record,
            Ok(record) => {
                garbled.push((number, format!("{} fields where the header has {}", record.len(), header.len())));
                continue;
            }
            Err(error) if matches!(error.kind(), csv::ErrorKind::Io(_)) => {
                return Err(layout(format!("cannot read row {number}: {error}")))
            }
            Err(error) => {
                garbled.push((number, format!("garbled: {error}")));
                continue;
            }
        };
        let values = positions
            .iter()
            .map(|(column, position)| (column.clone(), record.get(*position).unwrap_or_default().to_string()))
            .collect();
        rows.push(Row { number, values });
    }
    Ok((rows, garbled))
}

fn file_name(relative: &str) -> String {
    relative.rsplit('/').next().unwrap_or(relative).to_string()
}

/// Reads the file table at `relative`, keying each row by the audio file it describes.
pub fn read_files(root: &Path, relative: &str, table: &Table) -> Result<Rows, ScanError> {
    let layout = |message: String| ScanError::Layout { path: root.join(relative), message };
    let (good, garbled) = read_rows(root, relative, &table.format)?;
    let mut rows = Rows { relative: relative.to_string(), file_name: file_name(relative), garbled, ..Rows::default() };
    for row in good {
        let number = row.number;
        let file = match table.file.render(&RowScope(&row)) {
            Ok(Some(file)) => file,
            _ => {
                rows.garbled.push((number, "adapter.table.file cannot be formed from it".into()));
                continue;
            }
        };
        let Some(joined) = join(rows.folder(), &file) else {
            rows.garbled.push((number, format!("file '{file}' leaves the corpus folder or names no file")));
            continue;
        };
        if let Some(previous) = rows.by_key.insert(joined.clone(), row) {
            return Err(layout(format!("rows {} and {number} both describe {joined}", previous.number)));
        }
    }
    Ok(rows)
}

/// Reads the speaker table at `relative`, keying each row by its `key` column.
pub fn read_speakers(root: &Path, relative: &str, format: &TableFormat, key: &str) -> Result<Rows, ScanError> {
    let (good, garbled) = read_rows(root, relative, format)?;
    let mut rows = Rows { relative: relative.to_string(), file_name: file_name(relative), garbled, ..Rows::default() };
    for row in good {
        let id = row.values.get(key).cloned().unwrap_or_default();
        let number = row.number;
        if let Some(previous) = rows.by_key.insert(id.clone(), row) {
            return Err(ScanError::Layout {
                path: root.join(relative),
                message: format!("{key} {id} on rows {} and {number}", previous.number),
            });
        }
    }
    Ok(rows)
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
