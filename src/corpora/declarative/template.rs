//! Templates: text with `{value}` or `{value|filter|filter}` parts, as manifests write record
//! fields, checks and messages. A value is a named group of the file name, a table column
//! (`row.<column>`) or a fact of the file (`file.name`, ...); filters normalise it (`trim`,
//! `nfc`, ...) or look it up (`sentences`, a named map). `{{` and `}}` stand for braces.
use std::borrow::Cow;
use unicode_normalization::UnicodeNormalization;

/// Filters every manifest can use, besides `sentences` and its own maps.
pub const BUILTIN_FILTERS: [(&str, &str); 7] = [
    ("trim", "removes spaces at both ends"),
    ("nfc", "composes accents (Unicode NFC)"),
    ("lower", "lower-cases"),
    ("upper", "upper-cases"),
    ("spaces", "turns `_` into spaces"),
    ("squash", "collapses runs of white space into one space and trims"),
    ("parity", "turns a whole number into `odd` or `even`"),
];

/// A parsed template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Value { name: String, filters: Vec<String> },
}

/// Why a template could not be rendered for one file.
#[derive(Debug, Clone, PartialEq)]
pub enum RenderError {
    /// A lookup filter has no entry for the value.
    NoEntry { filter: String, key: String },
    /// `parity` of something that is not a whole number.
    NotANumber { filter: String, value: String },
    /// Reading a value failed (e.g. a sidecar file); the text is the reject reason.
    Value(String),
}

/// Where a template finds its values and lookups.
pub trait Scope {
    /// The value of `name`: `Ok(None)` when the file has none (a group the name did not fill).
    fn value(&self, name: &str) -> Result<Option<Cow<'_, str>>, RenderError>;
    /// The entry of `key` in the lookup `filter` (`sentences` or a map); `None` when `filter`
    /// is not a lookup.
    fn lookup(&self, filter: &str, key: &str) -> Option<Option<String>>;
}

impl Template {
    /// Parses `text`; the error says what is wrong (the caller names the manifest key).
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '}' => return Err("a lone `}` (write `}}` for a brace)".into()),
                '{' => {
                    let mut inner = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some('{') | None => {
                                return Err(format!("`{{{inner}` is not closed (write `{{{{` for a brace)"))
                            }
                            Some(c) => inner.push(c),
                        }
                    }
                    let mut pieces = inner.split('|').map(str::trim);
                    let name = pieces.next().unwrap_or_default().to_string();
                    let filters: Vec<String> = pieces.map(str::to_string).collect();
                    let word =
                        |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "_.".contains(c));
                    if !word(&name) || filters.iter().any(|f| !word(f)) {
                        return Err(format!("`{{{inner}}}` is not `{{value}}` or `{{value|filter}}`"));
                    }
                    if !literal.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut literal)));
                    }
                    parts.push(Part::Value { name, filters });
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Template { parts })
    }

    /// The value names the template uses.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            Part::Value { name, .. } => Some(name.as_str()),
            Part::Text(_) => None,
        })
    }

    /// The filters the template uses.
    pub fn filters(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().flat_map(|part| match part {
            Part::Value { filters, .. } => filters.iter().map(String::as_str).collect::<Vec<_>>(),
            Part::Text(_) => Vec::new(),
        })
    }

    /// The text for one file; `Ok(None)` when a value it uses is absent.
    pub fn render(&self, scope: &dyn Scope) -> Result<Option<String>, RenderError> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Value { name, filters } => {
                    let Some(value) = scope.value(name)? else { return Ok(None) };
                    let mut value = value.into_owned();
                    for filter in filters {
                        value = apply(filter, value, scope)?;
                    }
                    out.push_str(&value);
                }
            }
        }
        Ok(Some(out))
    }
}

impl Template {
    /// The text for a message: an absent value reads as nothing, one that cannot be formed as
    /// `?`, so that a message is always shown.
    pub fn render_text(&self, scope: &dyn Scope) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Value { name, filters } => {
                    let mut value = match scope.value(name) {
                        Ok(Some(value)) => value.into_owned(),
                        Ok(None) => String::new(),
                        Err(_) => "?".into(),
                    };
                    for filter in filters {
                        value = apply(filter, value, scope).unwrap_or_else(|_| "?".into());
                    }
                    out.push_str(&value);
                }
            }
        }
        out
    }
}

fn apply(filter: &str, value: String, scope: &dyn Scope) -> Result<String, RenderError> {
    Ok(match filter {
        "trim" => value.trim().to_string(),
        "nfc" => value.nfc().collect(),
        "lower" => value.to_lowercase(),
        "upper" => value.to_uppercase(),
        "spaces" => value.replace('_', " "),
        "squash" => value.split_whitespace().collect::<Vec<_>>().join(" "),
        "parity" => match value.trim().parse::<u64>() {
            Ok(number) if number % 2 == 1 => "odd".into(),
            Ok(_) => "even".into(),
            Err(_) => return Err(RenderError::NotANumber { filter: filter.into(), value }),
        },
        lookup => match scope.lookup(lookup, &value) {
            Some(Some(entry)) => entry,
            Some(None) => return Err(RenderError::NoEntry { filter: lookup.into(), key: value }),
            // Unknown filters are refused when the manifest is read; this is a safe fallback.
            None => return Err(RenderError::NoEntry { filter: lookup.into(), key: value }),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    struct Values(BTreeMap<&'static str, &'static str>);

    impl Scope for Values {
        fn value(&self, name: &str) -> Result<Option<Cow<'_, str>>, RenderError> {
            Ok(self.0.get(name).map(|v| Cow::Borrowed(*v)))
        }
        fn lookup(&self, filter: &str, key: &str) -> Option<Option<String>> {
            (filter == "genders").then(|| match key {
                "F" => Some("female".into()),
                _ => None,
            })
        }
    }

    fn render(text: &str) -> Result<Option<String>, RenderError> {
        let values = Values(BTreeMap::from([("actor", "07"), ("word", "basta_ya"), ("g", "F"), ("text", "  a \n b ")]));
        Template::parse(text).unwrap().render(&values)
    }

    #[test]
    fn values_filters_and_braces() {
        assert_eq!(render("actor {actor}").unwrap().as_deref(), Some("actor 07"));
        assert_eq!(render("{word|spaces|upper}").unwrap().as_deref(), Some("BASTA YA"));
        assert_eq!(render("{actor|parity}").unwrap().as_deref(), Some("odd"));
        assert_eq!(render("{text|squash}").unwrap().as_deref(), Some("a b"));
        assert_eq!(render("{g|genders}").unwrap().as_deref(), Some("female"));
        assert_eq!(render("{{literal}}").unwrap().as_deref(), Some("{literal}"));
        assert_eq!(render("{missing} and {actor}").unwrap(), None);
    }

    #[test]
    fn failed_lookups_and_numbers_are_errors() {
        assert_eq!(render("{actor|genders}"), Err(RenderError::NoEntry { filter: "genders".into(), key: "07".into() }));
        assert_eq!(
            render("{word|parity}"),
            Err(RenderError::NotANumber { filter: "parity".into(), value: "basta_ya".into() })
        );
    }

    #[test]
    fn malformed_templates_say_what_is_wrong() {
        assert!(Template::parse("{actor").unwrap_err().contains("not closed"));
        assert!(Template::parse("actor}").unwrap_err().contains("lone `}`"));
        assert!(Template::parse("{a b}").unwrap_err().contains("is not `{value}`"));
        assert!(Template::parse("{}").is_err());
        let template = Template::parse("{a|x|y}-{b}").unwrap();
        assert_eq!(template.names().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(template.filters().collect::<Vec<_>>(), ["x", "y"]);
    }
}
