//! Renders rows of cells as an aligned plain-text table (for the terminal) or as Markdown.

/// A table: a header row and body rows. Columns whose cells are all numbers (or `–`) are
/// right-aligned, the others left-aligned.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Self {
        Self { header: header.into_iter().map(Into::into).collect(), rows: Vec::new() }
    }

    pub fn push<S: Into<String>>(&mut self, row: impl IntoIterator<Item = S>) {
        self.rows.push(row.into_iter().map(Into::into).collect());
    }

    fn widths(&self) -> Vec<usize> {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if i < widths.len() {
                    widths[i] = widths[i].max(cell.chars().count());
                }
            }
        }
        widths
    }

    /// Whether each column is numeric (right-aligned).
    fn numeric(&self) -> Vec<bool> {
        let is_number = |cell: &str| {
            let digits = cell.trim_start_matches(['+', '-']);
            cell == "–" || digits.starts_with(|c: char| c.is_ascii_digit())
        };
        (0..self.header.len())
            .map(|i| i > 0 && self.rows.iter().all(|row| row.get(i).is_none_or(|cell| is_number(cell))))
            .collect()
    }

    fn line(cells: &[String], widths: &[usize], numeric: &[bool], separator: &str) -> String {
        let padded: Vec<String> = widths
            .iter()
            .enumerate()
            .map(|(i, &width)| {
                let cell = cells.get(i).map(String::as_str).unwrap_or("");
                let pad = " ".repeat(width.saturating_sub(cell.chars().count()));
                if !numeric[i] {
                    format!("{cell}{pad}")
                } else {
                    format!("{pad}{cell}")
                }
            })
            .collect();
        padded.join(separator)
    }

    /// Aligned columns separated by two spaces, no trailing blanks.
    pub fn to_text(&self) -> String {
        let widths = self.widths();
        let numeric = self.numeric();
        let mut out = String::new();
        out.push_str(Self::line(&self.header, &widths, &numeric, "  ").trim_end());
        out.push('\n');
        for row in &self.rows {
            out.push_str(Self::line(row, &widths, &numeric, "  ").trim_end());
            out.push('\n');
        }
        out
    }

    /// A GitHub-flavoured Markdown table (first column left, others right-aligned).
    pub fn to_markdown(&self) -> String {
        let widths = self.widths();
        let numeric = self.numeric();
        let escape = |cells: &[String]| -> Vec<String> { cells.iter().map(|c| c.replace('|', "\\|")).collect() };
        let mut out = String::new();
        out.push_str(&format!("| {} |\n", Self::line(&escape(&self.header), &widths, &numeric, " | ")));
        let rule: Vec<String> = widths
            .iter()
            .enumerate()
            .map(|(i, &w)| {
                let dashes = "-".repeat(w.max(3).saturating_sub(1));
                if !numeric[i] {
                    format!("{dashes}-")
                } else {
                    format!("{dashes}:")
                }
            })
            .collect();
        out.push_str(&format!("| {} |\n", rule.join(" | ")));
        for row in &self.rows {
            out.push_str(&format!("| {} |\n", Self::line(&escape(row), &widths, &numeric, " | ")));
        }
        out
    }
}

/// A figure with four decimals, as the paper prints them.
pub fn figure(value: f64) -> String {
    format!("{value:.4}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_markdown_layouts() {
        let mut table = Table::new(["name", "score"]);
        table.push(["a", "0.5000"]);
        table.push(["longer", "1"]);
        let mut words = Table::new(["a", "b"]);
        words.push(["x", "yes"]);
        assert_eq!(words.to_text(), "a  b\nx  yes\n");
        assert_eq!(table.to_text(), "name     score\na       0.5000\nlonger       1\n");
        assert_eq!(
            table.to_markdown(),
            "| name   |  score |\n| ------ | -----: |\n| a      | 0.5000 |\n| longer |      1 |\n"
        );
    }
}
