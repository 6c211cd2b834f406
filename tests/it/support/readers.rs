//! The readers that are not ours, which the tests read the tool's outputs with: prometheus_client's
//! parser, jsonschema's validator, junitparser, cfn-lint and the aws CLI, in the Python venv
//! scripts/with-services sets up.

use std::path::PathBuf;

use serde_json::Value;

/// The JSON report's schema, kept in docs/ for the report's consumers.
pub const REPORT_SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/report.schema.json");

/// Runs the test venv's Python (scripts/with-services names it) with `args`, `input` on its standard
/// input.
pub fn python(args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write;
    let python = std::env::var("XKS_TEST_PYTHON").expect("XKS_TEST_PYTHON: run the tests through scripts/test");
    let mut child = std::process::Command::new(python)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// A JUnit report as junitparser (a reader that is not ours) reads it: the suites with their counts and
/// time, and each case's name, class, result (`failure`, `error`, `skipped`, or none) and message.
pub fn junit_parsed(xml: &str) -> Value {
    let script = "import sys, json\nfrom junitparser import JUnitXml, Failure, Error, Skipped\n\
                  report = JUnitXml.fromstring(sys.stdin.read())\n\
                  kinds = {Failure: 'failure', Error: 'error', Skipped: 'skipped'}\n\
                  suites = []\n\
                  for suite in report:\n\
                  \x20   cases = [{'name': c.name, 'classname': c.classname,\n\
                  \x20             'result': [kinds[type(r)] for r in c.result],\n\
                  \x20             'message': [r.message for r in c.result], 'out': c.system_out} for c in suite]\n\
                  \x20   suites.append({'name': suite.name, 'tests': suite.tests, 'failures': suite.failures,\n\
                  \x20                  'errors': suite.errors, 'skipped': suite.skipped, 'time': suite.time, 'cases': cases})\n\
                  print(json.dumps({'failures': report.failures, 'errors': report.errors, 'tests': report.tests,\n\
                  \x20                 'suites': suites}))\n";
    let output = python(&["-c", script], xml);
    assert!(output.status.success(), "junitparser refused it: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The samples of a Prometheus text exposition as prometheus_client's parser reads them, one
/// `name{labels} value` line each: a parser that is not ours.
pub fn prometheus_parsed(exposition: &str) -> String {
    let script = "import sys\nfrom prometheus_client.parser import text_string_to_metric_families\n\
                  for family in text_string_to_metric_families(sys.stdin.read()):\n\
                  \x20   assert family.type == 'gauge', family\n\
                  \x20   for s in family.samples:\n\
                  \x20       labels = ','.join(f'{k}={v}' for k, v in sorted(s.labels.items()))\n\
                  \x20       print(f'{s.name}{{{labels}}} {s.value}')\n";
    let output = python(&["-c", script], exposition);
    assert!(output.status.success(), "prometheus_client refused it: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// Validates `report` with Python's jsonschema against the kept schema; the validator's complaint if any.
pub fn schema_errors(report: &str) -> Result<(), String> {
    let script = "import json, sys, jsonschema\n\
                  schema = json.load(open(sys.argv[1]))\n\
                  jsonschema.Draft202012Validator.check_schema(schema)\n\
                  jsonschema.validate(json.load(sys.stdin), schema, cls=jsonschema.Draft202012Validator)\n";
    let output = python(&["-c", script, REPORT_SCHEMA], report);
    match output.status.success() {
        true => Ok(()),
        false => Err(String::from_utf8_lossy(&output.stderr).into_owned()),
    }
}

/// A command the test venv installed, such as `cfn-lint` or `aws`: beside its Python.
pub fn venv_tool(name: &str) -> PathBuf {
    let python = std::env::var("XKS_TEST_PYTHON").expect("XKS_TEST_PYTHON: run the tests through scripts/test");
    let tool = PathBuf::from(python).with_file_name(name);
    assert!(tool.exists(), "{} is missing: scripts/with-services installs it into the test venv", tool.display());
    tool
}
