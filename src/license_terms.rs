//! What the licenses of the corpora allow, by SPDX id, and the identifier the Hugging Face hub
//! uses for each: the facts the audit checks a manifest's permission flags against, and that
//! the dataset card's `license:` list is written from; and the full texts shipped with cameo,
//! which a build puts into `LICENSES/`.
//!
//! The permissions are read off the licenses' own summaries (creativecommons.org deeds,
//! opendatacommons.org summaries, the MIT/Apache texts); the hub ids come from
//! huggingface.co/docs/hub/repositories-licenses. A license not listed here is audited from
//! its manifest alone (and the audit says its flags could not be checked).

/// License texts shipped with cameo, by SPDX id.
pub static LICENSE_TEXTS: &[(&str, &str)] = &[
    ("CC-BY-4.0", include_str!("../licenses/CC-BY-4.0.txt")),
    ("CC-BY-NC-SA-4.0", include_str!("../licenses/CC-BY-NC-SA-4.0.txt")),
    ("MIT", include_str!("../licenses/MIT.txt")),
    ("ODC-By-1.0", include_str!("../licenses/ODC-By-1.0.txt")),
    ("ODbL-1.0", include_str!("../licenses/ODbL-1.0.txt")),
];

pub fn license_text(spdx: &str) -> Option<&'static str> {
    LICENSE_TEXTS.iter().find(|(id, _)| *id == spdx).map(|(_, text)| *text)
}

/// What a license lets a user of the data do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Permissions {
    pub commercial_use: bool,
    pub derivatives: bool,
    /// Modified versions must carry the same license.
    pub share_alike: bool,
    /// Users must credit the authors.
    pub attribution: bool,
}

#[derive(Debug)]
pub struct LicenseTerms {
    pub spdx: &'static str,
    /// The `license:` identifier of a hub card.
    pub hub_id: &'static str,
    pub permissions: Permissions,
}

const fn terms(
    spdx: &'static str,
    hub_id: &'static str,
    commercial_use: bool,
    derivatives: bool,
    share_alike: bool,
    attribution: bool,
) -> LicenseTerms {
    LicenseTerms { spdx, hub_id, permissions: Permissions { commercial_use, derivatives, share_alike, attribution } }
}

/// Licenses whose terms are known, by SPDX id.
pub static KNOWN: &[LicenseTerms] = &[
    terms("CC0-1.0", "cc0-1.0", true, true, false, false),
    terms("CC-BY-3.0", "cc-by-3.0", true, true, false, true),
    terms("CC-BY-4.0", "cc-by-4.0", true, true, false, true),
    terms("CC-BY-SA-3.0", "cc-by-sa-3.0", true, true, true, true),
    terms("CC-BY-SA-4.0", "cc-by-sa-4.0", true, true, true, true),
    terms("CC-BY-NC-3.0", "cc-by-nc-3.0", false, true, false, true),
    terms("CC-BY-NC-4.0", "cc-by-nc-4.0", false, true, false, true),
    terms("CC-BY-ND-4.0", "cc-by-nd-4.0", true, false, false, true),
    terms("CC-BY-NC-ND-3.0", "cc-by-nc-nd-3.0", false, false, false, true),
    terms("CC-BY-NC-ND-4.0", "cc-by-nc-nd-4.0", false, false, false, true),
    terms("CC-BY-NC-SA-3.0", "cc-by-nc-sa-3.0", false, true, true, true),
    terms("CC-BY-NC-SA-4.0", "cc-by-nc-sa-4.0", false, true, true, true),
    terms("ODbL-1.0", "odbl", true, true, true, true),
    terms("ODC-By-1.0", "odc-by", true, true, false, true),
    terms("PDDL-1.0", "pddl", true, true, false, false),
    terms("MIT", "mit", true, true, false, true),
    terms("Apache-2.0", "apache-2.0", true, true, false, true),
    terms("BSD-3-Clause", "bsd-3-clause", true, true, false, true),
];

pub fn known(spdx: &str) -> Option<&'static LicenseTerms> {
    KNOWN.iter().find(|terms| terms.spdx == spdx)
}

/// The hub's identifier for an SPDX id; `other` for licenses the hub does not list
/// (e.g. `LicenseRef-…` research terms).
pub fn hub_id(spdx: &str) -> &'static str {
    known(spdx).map_or("other", |terms| terms.hub_id)
}

/// Where a manifest's permission flags say something its license does not.
pub fn contradictions(spdx: &str, stated: &Permissions) -> Vec<String> {
    let Some(terms) = known(spdx) else { return Vec::new() };
    let actual = terms.permissions;
    let mut found = Vec::new();
    for (flag, says, is) in [
        ("commercial_use", stated.commercial_use, actual.commercial_use),
        ("derivatives", stated.derivatives, actual.derivatives),
        ("share_alike", stated.share_alike, actual.share_alike),
    ] {
        if says != is {
            found.push(format!("the manifest says {flag} = {says}, but {spdx} means {flag} = {is}"));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hub_ids_follow_the_hub_list_and_unknown_licenses_are_other() {
        assert_eq!(hub_id("ODbL-1.0"), "odbl");
        assert_eq!(hub_id("ODC-By-1.0"), "odc-by");
        assert_eq!(hub_id("CC-BY-NC-SA-4.0"), "cc-by-nc-sa-4.0");
        assert_eq!(hub_id("LicenseRef-eNTERFACE05-research"), "other");
    }

    #[test]
    fn a_flag_the_license_does_not_grant_is_a_contradiction() {
        let stated = Permissions { commercial_use: true, derivatives: true, share_alike: true, attribution: true };
        assert_eq!(
            contradictions("CC-BY-NC-SA-4.0", &stated),
            ["the manifest says commercial_use = true, but CC-BY-NC-SA-4.0 means commercial_use = false"]
        );
        assert!(contradictions("ODbL-1.0", &stated).is_empty());
        assert!(contradictions("LicenseRef-x", &stated).is_empty());
    }
}
