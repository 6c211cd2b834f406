//! docs/report.schema.json describes the JSON report: generated from the report's types (schemars), kept
//! in the repository for consumers, and real reports (a FAILED store, healthy stores, a proxy probed
//! over the network) validated against it by jsonschema, a validator that is not ours.

use crate::proxy_checks::{check, proxy, PATH};
use crate::replay::EXAMPLE;
use crate::support::readers::{kept_schema_is_derived, schema_errors as validate, REPORT_SCHEMA as SCHEMA};
use crate::support::xks_proxy::{Variant, SECRET};
use crate::support::{command, run};

/// `XKS_UPDATE_DERIVED=1` rewrites the file from the types.
#[test]
fn report_schema_in_docs_is_the_one_the_types_give() {
    kept_schema_is_derived::<xks_preflight::verdict::Verdict>(SCHEMA);
}

#[test]
fn real_reports_follow_the_schema_and_a_broken_one_does_not() {
    let healthy = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/examples/healthy-stores.json");
    for facts in [EXAMPLE, healthy] {
        let out = run(command(None), &["check", "--facts", facts, "--output", "json"]);
        validate(&out.stdout).unwrap_or_else(|e| panic!("{facts}: {e}"));
    }
    let setup = proxy(Variant::Faithful);
    let probed = check(&setup, Some(SECRET), PATH);
    validate(&probed.stdout).unwrap_or_else(|e| panic!("a probed proxy: {e}"));
    // The validator does judge: a report with a status the schema does not allow is refused.
    let broken = probed.stdout.replacen("\"status\": \"pass\"", "\"status\": \"fine\"", 1);
    assert!(broken != probed.stdout && validate(&broken).is_err());
}
