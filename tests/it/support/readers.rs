//! The readers that are not ours, which the tests read the tool's outputs with: prometheus_client's
//! parser, jsonschema's validator and junitparser; botocore and cbor2, which read the CloudWatch and
//! CloudTrail stand-in's answers; cfn-lint and the aws CLI, which read what `alarms` prints; all in the
//! Python venv scripts/with-services sets up. Beside it, GitHub's own toolkit (@actions/core), which
//! writes the workflow commands `--output github` is compared with.

use std::path::PathBuf;

use serde_json::{json, Value};

use super::fake_monitor::Answer;

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

/// The workflow commands GitHub's own toolkit, npm's `@actions/core`, writes for `annotations`: each an
/// object with `level` (`error`, `warning` or `notice`), `message`, `title` and, when it has one, `file`.
/// scripts/with-services installs the toolkit from its lock file and names it in XKS_TEST_ACTIONS_CORE.
pub fn actions_core_commands(annotations: &[Value]) -> String {
    use std::io::Write;
    let toolkit =
        std::env::var("XKS_TEST_ACTIONS_CORE").expect("XKS_TEST_ACTIONS_CORE: run the tests through scripts/test");
    let script = "import * as core from '@actions/core';\n\
                  let input = '';\n\
                  for await (const chunk of process.stdin) input += chunk;\n\
                  for (const a of JSON.parse(input)) {\n\
                  \x20 const properties = a.file === undefined ? { title: a.title } : { title: a.title, file: a.file };\n\
                  \x20 core[a.level](a.message, properties);\n\
                  }\n";
    let mut child = std::process::Command::new("node")
        .args(["--input-type=module", "-e", script])
        .current_dir(&toolkit)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("node: scripts/with-services needs it for @actions/core");
    child.stdin.take().unwrap().write_all(Value::from(annotations.to_vec()).to_string().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "@actions/core refused them: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// A command the test venv installed, such as `cfn-lint` or `aws`: beside its Python.
pub fn venv_tool(name: &str) -> PathBuf {
    let python = std::env::var("XKS_TEST_PYTHON").expect("XKS_TEST_PYTHON: run the tests through scripts/test");
    let tool = PathBuf::from(python).with_file_name(name);
    assert!(tool.exists(), "{} is missing: scripts/with-services installs it into the test venv", tool.display());
    tool
}

/// Answers of the CloudWatch and CloudTrail stand-in as botocore's own parser for their protocol
/// (`smithy-rpc-v2-cbor` or `json`) reads them, against each operation's output shape in botocore's model:
/// the output, or `{"Error": {"Code", "Message", …}}`; times as epoch seconds. One Python for them all.
pub fn botocore_parsed(answers: &[Answer]) -> Vec<Value> {
    let script = "import sys, json, botocore.session, botocore.parsers\n\
                  session = botocore.session.get_session()\n\
                  for a in json.load(sys.stdin):\n\
                  \x20   shape = session.get_service_model(a['service']).operation_model(a['operation']).output_shape\n\
                  \x20   response = {'status_code': a['status'], 'headers': a['headers'], 'body': bytes.fromhex(a['body'])}\n\
                  \x20   parsed = botocore.parsers.create_parser(a['protocol']).parse(response, shape)\n\
                  \x20   parsed.pop('ResponseMetadata', None)\n\
                  \x20   print(json.dumps(parsed, default=lambda time: time.timestamp()))\n";
    let input: Vec<Value> = answers
        .iter()
        .map(|answer| {
            let headers: serde_json::Map<String, Value> =
                answer.headers.iter().map(|(n, v)| (n.to_string(), json!(v))).collect();
            json!({
                "service": answer.service,
                "operation": answer.operation,
                "protocol": answer.protocol.botocore_name(),
                "status": answer.status,
                "headers": headers,
                "body": hex(&answer.body),
            })
        })
        .collect();
    let output = python(&["-c", script], &Value::Array(input).to_string());
    assert!(output.status.success(), "botocore refused it: {}", String::from_utf8_lossy(&output.stderr));
    let lines = String::from_utf8(output.stdout).unwrap();
    lines.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

/// A CBOR body as cbor2's decoder reads it, as one data item that fills the body: tag-1 times as
/// `{"epoch": seconds}`, floats (`1.0`) apart from integers (`1`).
pub fn cbor2_decoded(body: &[u8]) -> Value {
    let script = "import sys, io, json, datetime, cbor2\n\
                  def plain(item):\n\
                  \x20   if isinstance(item, datetime.datetime): return {'epoch': item.timestamp()}\n\
                  \x20   if isinstance(item, dict): return {k: plain(v) for k, v in item.items()}\n\
                  \x20   if isinstance(item, list): return [plain(v) for v in item]\n\
                  \x20   return item\n\
                  stream = io.BytesIO(bytes.fromhex(sys.stdin.read()))\n\
                  item = cbor2.CBORDecoder(stream).decode()\n\
                  assert stream.read() == b'', 'bytes after the data item'\n\
                  print(json.dumps(plain(item)))\n";
    let output = python(&["-c", script], &hex(body));
    assert!(output.status.success(), "cbor2 refused it: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Calls `operation` of `service` at `url` with botocore's own client, in the protocol it prefers (the
/// one the aws CLI sends), with dummy credentials and no AWS configuration: the parsed output.
pub fn botocore_call(url: &str, service: &str, operation: &str, parameters: &Value) -> Value {
    let script = "import sys, os, json, botocore.session\n\
                  from botocore import xform_name\n\
                  a = json.load(sys.stdin)\n\
                  os.environ.pop('AWS_PROFILE', None)\n\
                  os.environ.update(AWS_CONFIG_FILE='/nonexistent/aws-config', AWS_SHARED_CREDENTIALS_FILE='/nonexistent/aws-credentials')\n\
                  client = botocore.session.get_session().create_client(a['service'], region_name='us-east-1',\n\
                  \x20   endpoint_url=a['url'], aws_access_key_id='testing', aws_secret_access_key='testing')\n\
                  answer = getattr(client, xform_name(a['operation']))(**a['parameters'])\n\
                  answer.pop('ResponseMetadata', None)\n\
                  print(json.dumps(answer, default=lambda time: time.timestamp()))\n";
    let input = json!({"url": url, "service": service, "operation": operation, "parameters": parameters});
    let output = python(&["-c", script], &input.to_string());
    assert!(output.status.success(), "botocore's client failed: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
