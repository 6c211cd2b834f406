//! The typed catalogue against the team's reference catalogue, and the shape of its blocking graph.

use std::collections::BTreeMap;

use xks_preflight::catalogue::{CheckId, Section, CATALOGUE};

/// `data/catalogue.tsv`: ID → KMS names, derived from the shared CHECKS.md.
fn derived() -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/catalogue.tsv")).unwrap();
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (id, says) = line.split_once('\t').unwrap_or((line, ""));
            (id.to_string(), says.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect())
        })
        .collect()
}

/// The connection error codes of the troubleshooting guide (`data/kms-errors.tsv`): what CHECKS.md means
/// by "ConnectionErrorCode".
fn connection_error_codes() -> Vec<String> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/kms-errors.tsv")).unwrap();
    text.lines().filter_map(|line| line.strip_prefix("code\t")).map(str::to_string).collect()
}

/// Parses the reference catalogue the same way `data/catalogue.tsv` was made from it. Where a row says
/// KMS reports a `ConnectionErrorCode`, the codes themselves are listed.
fn from_checks_md(text: &str) -> BTreeMap<String, Vec<String>> {
    text.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let id = *cells.get(1)?;
            let (section, name) = id.split_once('.')?;
            let is_id = !section.is_empty()
                && section.chars().all(|c| c.is_ascii_lowercase())
                && !name.is_empty()
                && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !is_id {
                return None;
            }
            let says = cells.get(3).copied().unwrap_or("");
            let names = says
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|w| is_kms_name(w))
                .flat_map(|w| if w == "ConnectionErrorCode" { connection_error_codes() } else { vec![w.to_string()] })
                .collect();
            Some((id.to_string(), names))
        })
        .collect()
}

/// A word of the "KMS says" column that is a name KMS gives, not prose around it: a connection error code
/// (`XKS_PROXY_TIMED_OUT`) or an exception name (`ThrottlingException`, `CustomKeyStoreQuotaExceeded`).
fn is_kms_name(word: &str) -> bool {
    let code = word.contains('_') && word.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    let capitals = word.chars().filter(char::is_ascii_uppercase).count();
    let exception = word.starts_with(|c: char| c.is_ascii_uppercase())
        && capitals >= 2
        && word.chars().any(|c| c.is_ascii_lowercase());
    code || exception
}

/// Requirements the reference catalogue lists that the tool does not judge yet, each with the issue that
/// adds it. A requirement is declared in the code only with its check, so until then it is listed here,
/// and the test below fails as soon as one is declared without being taken off this list.
const NOT_YET_JUDGED: &[(&str, u32)] = &[];

#[test]
fn code_catalogue_has_exactly_the_ids_and_kms_names_of_the_derived_catalogue_but_those_not_yet_judged() {
    let code: BTreeMap<String, Vec<String>> = CATALOGUE
        .iter()
        .map(|r| (r.id.as_str().to_string(), r.kms_says.iter().map(|s| s.to_string()).collect()))
        .collect();
    let mut expected = derived();
    for (id, _issue) in NOT_YET_JUDGED {
        assert!(expected.remove(*id).is_some(), "{id} is not in data/catalogue.tsv: take it off NOT_YET_JUDGED");
        assert!(!code.contains_key(*id), "{id} is declared: take it off NOT_YET_JUDGED");
    }
    assert_eq!(code, expected);
    assert_eq!(CATALOGUE.len(), code.len(), "an ID appears twice in the catalogue");
}

#[test]
fn catalogue_table_is_in_id_order_and_every_id_starts_with_its_section() {
    assert_eq!(CATALOGUE.len(), CheckId::ALL.len());
    for (index, requirement) in CATALOGUE.iter().enumerate() {
        assert_eq!(requirement.id as usize, index, "{} is out of place", requirement.id);
        assert_eq!(CheckId::ALL[index], requirement.id);
        assert!(
            requirement.id.as_str().starts_with(&format!("{}.", requirement.section.prefix())),
            "{}",
            requirement.id
        );
        assert_eq!(CheckId::parse(requirement.id.as_str()), Some(requirement.id));
    }
    let sections: Vec<Section> = CATALOGUE.iter().map(|r| r.section).collect();
    assert!(sections.windows(2).all(|w| w[0] <= w[1]), "the catalogue is grouped by section, in section order");
}

#[test]
fn kms_connection_error_codes_are_listed_as_codes_not_as_the_field_name() {
    let says = CheckId::ConfigConnectionState.requirement().kms_says;
    assert!(!says.contains(&"ConnectionErrorCode"));
    assert!(says.contains(&"XKS_PROXY_INVALID_TLS_CONFIGURATION") && says.len() == connection_error_codes().len());
}

/// Kahn's algorithm over the declared blockers: every check can be put after all of its blockers.
#[test]
fn blocking_rules_form_an_acyclic_graph() {
    let mut remaining: Vec<CheckId> = CheckId::ALL.to_vec();
    let mut placed: Vec<CheckId> = Vec::new();
    while !remaining.is_empty() {
        let ready: Vec<CheckId> = remaining
            .iter()
            .copied()
            .filter(|id| id.requirement().blocked_by.iter().all(|blocker| placed.contains(blocker)))
            .collect();
        assert!(
            !ready.is_empty(),
            "the blocking rules have a cycle among {:?}",
            remaining.iter().map(|id| id.as_str()).collect::<Vec<_>>()
        );
        placed.extend(&ready);
        remaining.retain(|id| !ready.contains(id));
    }
    for requirement in CATALOGUE {
        assert!(!requirement.blocked_by.contains(&requirement.id), "{} blocks itself", requirement.id);
    }
}

/// Needs the reference beside the repository (`../shared/xks`); CI runs it with --include-ignored.
/// `XKS_UPDATE_DERIVED=1` rewrites `data/catalogue.tsv` from it.
#[test]
#[ignore = "reads ../shared/xks/CHECKS.md, which only CI and the team have"]
fn derived_catalogue_matches_the_shared_checks_md() {
    let shared = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/xks/CHECKS.md");
    let text = std::fs::read_to_string(shared).expect("../shared/xks/CHECKS.md beside the repository");
    let parsed = from_checks_md(&text);
    if std::env::var("XKS_UPDATE_DERIVED").is_ok() {
        let mut out = String::from(
            "# Derived from CHECKS.md of the XKS reference: check ID, then what KMS says (a ConnectionErrorCode as \
             the guide's codes).\n",
        );
        for (id, names) in &parsed {
            out.push_str(&format!("{id}\t{}\n", names.join(",")));
        }
        std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/data/catalogue.tsv"), out).unwrap();
    }
    assert_eq!(parsed, derived(), "data/catalogue.tsv is out of date: rerun this test with XKS_UPDATE_DERIVED=1");
}
