//! The fuzz targets' bodies (cargo-fuzz, `fuzz/`), here so that the stable test build replays every
//! target's seeds and the inputs that once failed (tests/it/fuzz_corpus.rs) through the very code the
//! fuzzer runs. Not an API; hidden from the documentation. A target takes the fuzzer's bytes and the
//! healthy facts (`fixtures/examples/healthy-stores.json`, first scope and target) as JSON, for the
//! targets that put their input into facts; any panic is the finding.

use std::path::Path;

use base64::Engine;
use serde_json::{Map, Value};

use crate::facts::{to_file, Facts, PlannedSettings, Subject, VPC_ENDPOINT_SERVICE};
use crate::iac::{plan_from, template_from, IacFile};
use crate::load::LoadReport;
use crate::report::{self, Detail, Layout};
use crate::trusted_cas::{by_fingerprint, fingerprint, rows};
use crate::user_input::{ca_file_from, facts_from, forget_read_secrets, proxy_config_from};
use crate::verdict::{self, Options};

/// A target: its name (its file in `fuzz/fuzz_targets/`, its seeds in `fuzz/seeds/`) and its body.
pub type Target = (&'static str, fn(&[u8], &Value));

/// Every target. Adding one: a function here, a line in this list, a three-line file and a `[[bin]]`
/// in `fuzz/`, its seeds in `fuzz/make-seeds`; tests/it/fuzz_corpus.rs checks that all of them agree.
pub const TARGETS: &[Target] = &[
    ("explain", explain),
    ("proxy_config", proxy_config),
    ("facts_file", facts_file),
    ("trusted_ca_table", trusted_ca_table),
    ("ca_file", ca_file),
    ("certificates", certificates),
    ("proxy_answers", proxy_answers),
    ("terraform_plan", terraform_plan),
    ("cloudformation", cloudformation),
    ("load_reports", load_reports),
];

/// `explain`'s recogniser: any pasted text gets an answer.
pub fn explain(data: &[u8], _: &Value) {
    let _ = crate::explain::explain(&String::from_utf8_lossy(data));
}

/// `load merge`: any JSON array of load reports is added up or refused, and what is added up renders as
/// a table, in Markdown and as a plot.
pub fn load_reports(data: &[u8], _: &Value) {
    let Ok(reports) = serde_json::from_slice::<Vec<LoadReport>>(data) else { return };
    let Ok(merged) = crate::load::merge(reports) else { return };
    let _ = crate::load::render::table(&merged, 80);
    let _ = crate::load::render::markdown(&merged);
    let _ = crate::load::plot::svg(&merged);
}

/// `--proxy-config`: any text is read or refused, and a refusal never quotes the file's secret.
pub fn proxy_config(data: &[u8], _: &Value) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let outcome = proxy_config_from(text, Path::new("proxy.json"));
    forget_read_secrets();
    let Err(error) = outcome else { return };
    let secret = serde_json::from_str::<Value>(text).ok().and_then(|value| {
        value.pointer("/XksProxyAuthenticationCredential/RawSecretAccessKey")?.as_str().map(str::to_owned)
    });
    // A short secret ("a", "is") can be in any sentence by chance; a real one cannot.
    if let Some(secret) = secret.filter(|s| s.len() >= 8) {
        assert!(!error.to_string().contains(&secret), "the refusal quotes the secret");
    }
}

/// `--terraform-plan`: any bytes are read or refused; the stores read are judged and rendered in every
/// format. Neither a refusal nor any report quotes a secret the plan holds (`raw_secret_access_key`).
pub fn terraform_plan(data: &[u8], healthy: &Value) {
    let outcome = plan_from(data, Path::new("plan.json"));
    forget_read_secrets();
    let said = match outcome {
        Ok(file) => judge_and_render(&[iac_facts(&file, healthy)]),
        Err(error) => vec![error.to_string()],
    };
    let Ok(document) = serde_json::from_slice::<Value>(data) else { return };
    for secret in secrets_only_where_they_belong(&document) {
        assert!(!said.iter().any(|text| text.contains(&secret)), "a refusal or a report quotes the plan's secret");
    }
}

/// `--cloudformation`: any text, JSON or YAML, is read or refused; the endpoint services read are judged
/// against planned settings and rendered in every format. The first byte chooses what the command line
/// would give: bit 0 a Region (what `AWS::Region` stands for), bit 1 the endpoint service's name.
pub fn cloudformation(data: &[u8], healthy: &Value) {
    let Some((&flags, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let planned = PlannedSettings {
        connectivity: Some(VPC_ENDPOINT_SERVICE.into()),
        uri_endpoint: Some("https://xks.example.com".into()),
        uri_path: Some("/kms/xks/v1".into()),
        vpc_endpoint_service_name: (flags & 2 == 2).then(|| "com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789".into()),
        vpc_endpoint_service_owner: None,
        access_key_id: Some("AKIAIOSFODNN7EXAMPLE".into()),
    };
    let region = (flags & 1 == 1).then_some("eu-west-1");
    if let Ok(file) = template_from(text, Path::new("template.yaml"), &planned, region) {
        judge_and_render(&[iac_facts(&file, healthy)]);
    }
}

/// The healthy facts with a target for each of the file's, as gathering makes them: the first healthy
/// target's network and proxy facts, and the file's settings, endpoint service and place.
fn iac_facts(file: &IacFile, healthy: &Value) -> Facts {
    let mut facts = facts(healthy.clone());
    let base = facts.targets.remove(0);
    facts.targets = file
        .targets
        .iter()
        .map(|declared| crate::facts::TargetFacts {
            subject: Subject::Planned(declared.planned.clone()),
            secret: declared.secret.as_ref().map(|(shape, _)| shape.clone()).or_else(|| base.secret.clone()),
            vpc: declared.vpc.clone(),
            iac: Some(declared.iac.clone()),
            ..base.clone()
        })
        .collect();
    facts
}

/// The secrets of a plan that no other text of it holds, and long enough that no sentence holds them by
/// chance: a refusal may name what a plan holds (its resource types), and then quotes a secret only if
/// the secret is that name.
fn secrets_only_where_they_belong(document: &Value) -> Vec<String> {
    let mut secrets = Vec::new();
    let mut others = Vec::new();
    texts(document, false, &mut secrets, &mut others);
    secrets.retain(|secret| secret.len() >= 20 && !others.iter().any(|other| other.contains(secret.as_str())));
    secrets
}

fn texts(value: &Value, is_secret: bool, secrets: &mut Vec<String>, others: &mut Vec<String>) {
    match value {
        Value::String(text) if is_secret => secrets.push(text.clone()),
        Value::String(text) => others.push(text.clone()),
        Value::Array(items) => items.iter().for_each(|item| texts(item, false, secrets, others)),
        Value::Object(object) => {
            for (key, field) in object {
                others.push(key.clone());
                texts(field, key == "raw_secret_access_key", secrets, others);
            }
        }
        _ => {}
    }
}

/// `--facts`: any text is read or refused; facts read are judged and rendered, and read back when written.
pub fn facts_file(data: &[u8], _: &Value) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = Path::new("facts.json");
    if let Ok(scopes) = facts_from(text, path) {
        judge_and_render(&scopes);
        facts_from(&to_file(&scopes), path).expect("facts written out read back");
    }
}

/// The trusted-CA table's reader, and the look-up by fingerprint the TLS checks make.
pub fn trusted_ca_table(data: &[u8], _: &Value) {
    let text = String::from_utf8_lossy(data);
    if let Ok(rows) = rows(&text) {
        for [_, sha256, _, _] in rows {
            let _ = by_fingerprint(sha256);
        }
    }
    let _ = by_fingerprint(&text);
    let _ = by_fingerprint(&fingerprint(data));
}

/// `--ca-file`: any bytes are read as PEM or refused; the certificates read become the extra roots the
/// TLS checks follow the recorded chain with.
pub fn ca_file(data: &[u8], healthy: &Value) {
    let Ok(roots) = ca_file_from(data, Path::new("ca.pem")) else { return };
    for der in &roots {
        let _ = by_fingerprint(&fingerprint(der));
    }
    let mut value = healthy.clone();
    set_all(&mut value, "extra_roots", Value::Array(roots.iter().map(|der| base64(der)).collect()));
    judge_and_render(&[facts(value)]);
}

/// Certificate inspection and chain judgement: each part of the input (`parts`) one DER certificate,
/// leaf first, as every completed handshake's chain; parsed, verified to KMS's roots and every other
/// anchor, matched to the host and dated by the TLS checks. With the first byte odd, the last
/// certificate is also a `--ca-file` root.
pub fn certificates(data: &[u8], healthy: &Value) {
    let Some((&flags, rest)) = data.split_first() else { return };
    let certificates = parts(rest);
    let mut value = healthy.clone();
    set_all(&mut value, "chain", Value::Array(certificates.iter().map(|der| base64(der)).collect()));
    if let Some(last) = certificates.last().filter(|_| flags & 1 == 1) {
        set_all(&mut value, "extra_roots", Value::Array(vec![base64(last)]));
    }
    judge_and_render(&[facts(value)]);
}

/// The proxy's answers (health, errors, key metadata, Encrypt, Decrypt), as gathering keeps the bytes.
/// The first part of the input sets what every answer shares (a 2-byte status; a third byte odd: the
/// body was cut at the read limit); each later part is the body of one call, in the order `objects_mut`
/// finds them, so that a seed of the recorded bodies starts from a healthy proxy.
pub fn proxy_answers(data: &[u8], healthy: &Value) {
    let parts = parts(data);
    let Some((control, bodies)) = parts.split_first() else { return };
    let status = (control.len() >= 2).then(|| u16::from_be_bytes([control[0], control[1]]));
    let too_large = control.get(2).is_some_and(|flags| flags & 1 == 1);
    let mut value = healthy.clone();
    let mut exchanges = Vec::new();
    objects_mut(&mut value, &|object| object.contains_key("kms_request_id"), &mut exchanges);
    for (exchange, bytes) in exchanges.into_iter().zip(bodies) {
        let (body, problem) = crate::proxy_body::body_text(bytes, too_large);
        exchange.insert("body".into(), body.into());
        exchange.insert("body_problem".into(), serde_json::to_value(problem).expect("plain data"));
        if let Some(status) = status {
            exchange.insert("status".into(), status.into());
        }
    }
    judge_and_render(&[facts(value)]);
}

/// The healthy facts the targets start from: the first scope of a facts file, cut to its first target
/// so that each run is quick.
pub fn baseline(facts_file_text: &str) -> Value {
    let mut facts = facts_from(facts_file_text, Path::new("baseline.json")).expect("the baseline reads").remove(0);
    facts.targets.truncate(1);
    serde_json::to_value(facts).expect("facts serialise")
}

/// Judges the facts and renders the verdict in every format and detail; the texts rendered.
fn judge_and_render(scopes: &[Facts]) -> Vec<String> {
    let verdict = verdict::judge(scopes, &Options::default());
    let mut texts: Vec<String> = [(Detail::Quiet, 60), (Detail::Normal, 120), (Detail::Verbose, 80)]
        .into_iter()
        .map(|(detail, width)| report::render_table(&verdict, &Layout { width, detail }))
        .collect();
    texts.extend([
        report::render_json(&verdict),
        report::render_junit(&verdict),
        report::render_prometheus(&verdict),
        report::render_markdown(&verdict),
        report::render_github(&verdict),
    ]);
    texts
}

/// Facts a target changed: it puts in only values of the right types.
fn facts(value: Value) -> Facts {
    serde_json::from_value(value).expect("the changed facts are still facts")
}

fn base64(der: &[u8]) -> Value {
    base64::engine::general_purpose::STANDARD.encode(der).into()
}

/// Sets `field` to `to` in every object that has it.
fn set_all(value: &mut Value, field: &str, to: Value) {
    let mut found = Vec::new();
    objects_mut(value, &|object| object.contains_key(field), &mut found);
    for object in found {
        object.insert(field.into(), to.clone());
    }
}

/// Splits input into parts, each a 2-byte big-endian length and that many bytes (the last part takes
/// what is left): how a target that needs several values takes them.
pub fn parts(mut data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    while data.len() >= 2 {
        let length = usize::from(u16::from_be_bytes([data[0], data[1]]));
        let (part, after) = data[2..].split_at(length.min(data.len() - 2));
        parts.push(part);
        data = after;
    }
    parts
}

/// Every object in `value` that `is` picks (not looking inside it), depth first, each object's fields in
/// name order: a fixed order, so that the n-th part of an input always lands in the same place.
pub fn objects_mut<'a>(
    value: &'a mut Value,
    is: &dyn Fn(&Map<String, Value>) -> bool,
    found: &mut Vec<&'a mut Map<String, Value>>,
) {
    match value {
        Value::Object(object) => {
            if is(object) {
                found.push(object);
                return;
            }
            let mut fields: Vec<(&String, &mut Value)> = object.iter_mut().collect();
            fields.sort_by(|a, b| a.0.cmp(b.0));
            for (_, field) in fields {
                objects_mut(field, is, found);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| objects_mut(item, is, found)),
        _ => {}
    }
}
