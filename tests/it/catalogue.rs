use std::collections::BTreeMap;

use xks_preflight::catalogue::{Section, CATALOGUE};
use xks_preflight::checks::registry;

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

/// Parses the reference catalogue the same way `data/catalogue.tsv` was made from it.
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
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect();
            Some((id.to_string(), names))
        })
        .collect()
}

#[test]
fn code_catalogue_has_exactly_the_ids_and_kms_names_of_the_derived_catalogue() {
    let code: BTreeMap<String, Vec<String>> =
        CATALOGUE.iter().map(|r| (r.id.to_string(), r.kms_says.iter().map(|s| s.to_string()).collect())).collect();
    assert_eq!(code, derived());
    assert_eq!(CATALOGUE.len(), code.len(), "an ID appears twice in the catalogue");
}

#[test]
fn every_config_and_vpc_requirement_has_a_check() {
    let checked: Vec<&str> = registry().iter().map(|(r, _)| r.id).collect();
    for requirement in CATALOGUE.iter().filter(|r| matches!(r.section, Section::Config | Section::Vpc)) {
        assert!(checked.contains(&requirement.id), "{} has no check", requirement.id);
    }
    for id in &checked {
        assert!(CATALOGUE.iter().any(|r| r.id == *id), "check {id} is not in the catalogue");
    }
}

#[test]
fn every_catalogue_id_starts_with_its_section() {
    for requirement in CATALOGUE {
        assert!(requirement.id.starts_with(&format!("{}.", requirement.section.prefix())), "{}", requirement.id);
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
        let mut out = String::from("# Derived from CHECKS.md of the XKS reference: check ID, then what KMS says.\n");
        for (id, names) in &parsed {
            out.push_str(&format!("{id}\t{}\n", names.join(",")));
        }
        std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/data/catalogue.tsv"), out).unwrap();
    }
    assert_eq!(parsed, derived(), "data/catalogue.tsv is out of date: rerun this test with XKS_UPDATE_DERIVED=1");
}
