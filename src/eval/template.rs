//! The instruction sent with every clip: one versioned template with a `{labels}` slot.

/// Bump whenever [`TEMPLATE`] changes; recorded in every result line and report.
pub const TEMPLATE_VERSION: &str = "cameo-v1";

/// The instruction text. `{labels}` becomes the candidate labels, comma-separated, in
/// alphabetical order. Nothing else about the sample (speaker, language, dataset) is given.
pub const TEMPLATE: &str = "Which emotion does the speaker express in this recording? \
Choose exactly one of these labels: {labels}. Answer with the label only, in one word.";

/// The instruction for one sample with the given candidate labels (already sorted).
pub fn render(labels: &[String]) -> String {
    TEMPLATE.replace("{labels}", &labels.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_lists_the_labels_in_the_slot() {
        let labels = vec!["anger".to_string(), "fear".to_string()];
        let text = render(&labels);
        assert!(text.contains("labels: anger, fear."));
        assert!(!text.contains("{labels}"));
    }
}
