//! `--terraform-plan` and `--cloudformation`: plans recorded with the real Terraform and templates
//! synthesised with the real CDK (fixtures/iac, re-recorded by scripts/record-iac-fixtures), checked
//! with no AWS. The secrets in the plans are canaries that must never appear in anything written.

use serde_json::Value;

use crate::support::{command, run, Run};

const TF: &str = "fixtures/iac/terraform";
const CANARY: &str = "CANARY";

fn plan(case: &str, extra: &[&str]) -> Run {
    let file = format!("{TF}/{case}/plan.json");
    let mut args = vec!["check", "--output", "json", "--no-aws", "--terraform-plan", &file];
    args.extend_from_slice(extra);
    let out = run(command(None), &args);
    assert_no_canary(&out);
    out
}

fn assert_no_canary(out: &Run) {
    assert!(!out.stdout.contains(CANARY), "a plan's secret reached standard output:\n{}", out.stdout);
    assert!(!out.stderr.contains(CANARY), "a plan's secret reached standard error:\n{}", out.stderr);
}

fn target<'a>(report: &'a Value, label: &str) -> &'a Value {
    report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["label"] == label)
        .unwrap_or_else(|| panic!("no target {label} in the report"))
}

fn check<'a>(target: &'a Value, id: &str) -> &'a Value {
    target["checks"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap()
}

/// The checks of a target that fail or warn, leaving out the warnings every created store gets.
fn problems(target: &Value) -> Vec<String> {
    let mut ids: Vec<String> = target["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail" || c["status"] == "warn" || c["status"] == "error")
        .map(|c| c["id"].as_str().unwrap().to_string())
        .filter(|id| id != "iac.store_connected" && id != "iac.secret_in_plan")
        .collect();
    ids.sort();
    ids
}

#[test]
fn correct_store_with_its_endpoint_service_in_the_plan_passes_every_vpc_check_it_can_judge() {
    let out = plan("good", &[]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let report = out.json();
    let store = target(&report, "module.good.aws_kms_custom_key_store.this");
    assert_eq!(store["declared_in"]["address"], "module.good.aws_kms_custom_key_store.this");
    assert_eq!(problems(store), Vec::<String>::new(), "{store:#}");
    for id in [
        "vpc.service_found",
        "vpc.service_type",
        "vpc.load_balancer_type",
        "vpc.availability_zones",
        "vpc.nlb_scheme",
        "vpc.nlb_listener",
        "vpc.acceptance_required",
        "vpc.allowed_principal",
        "vpc.private_dns_name",
        "vpc.ip_address_type",
        "config.endpoint_format",
        "config.path_format",
        "config.access_key_id_format",
        "config.secret_format",
        "iac.service_resolved",
        "iac.key_settings",
    ] {
        assert_eq!(check(store, id)["status"], "pass", "{id}: {:#}", check(store, id));
    }
    // What exists only once applied is said to be so, never guessed.
    for id in ["vpc.service_state", "vpc.targets_healthy", "vpc.private_dns_verified", "vpc.subnets_private"] {
        let outcome = check(store, id);
        assert_eq!(outcome["status"], "skipped", "{id}: {outcome:#}");
        assert!(outcome["evidence"].as_str().unwrap().contains("known only after"), "{id}: {outcome:#}");
    }
    let zones = check(store, "vpc.availability_zones")["evidence"].as_str().unwrap().to_string();
    assert!(zones.contains("eu-west-1a") && zones.contains("eu-west-1b"), "{zones}");
    // The plan never connects the store, and holds its secret in clear: both warned, neither quoted.
    let connected = check(store, "iac.store_connected");
    assert_eq!(connected["status"], "warn");
    let connect = connected["commands"][0].as_str().unwrap();
    assert!(!connect.contains('<'), "a placeholder bash would read as a redirection: {connect}");
    assert!(connect.starts_with("aws kms connect-custom-key-store --custom-key-store-id"), "{connected:#}");
    let secret = check(store, "iac.secret_in_plan");
    assert_eq!(secret["status"], "warn");
    assert!(secret["evidence"].as_str().unwrap().contains("resource_changes"), "{secret:#}");
}

#[test]
fn each_mistake_made_in_hcl_fails_its_own_check_with_the_terraform_address() {
    let out = plan("mistakes", &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report = out.json();
    let expected: &[(&str, &[&str])] = &[
        ("module.acceptance", &["vpc.acceptance_required"]),
        ("module.gateway", &["vpc.load_balancer_type", "vpc.service_type"]),
        ("module.one_zone", &["vpc.availability_zones"]),
        ("module.internet_facing", &["vpc.nlb_scheme"]),
        ("module.port_8443", &["vpc.nlb_listener"]),
        ("module.wrong_region_principal", &["vpc.allowed_principal"]),
        ("module.dns_name_mismatch", &["vpc.private_dns_name"]),
        ("module.ipv6_only", &["vpc.ip_address_type"]),
        ("module.path_without_version", &["config.path_format"]),
        ("module.endpoint_with_port", &["config.endpoint_format", "vpc.private_dns_name"]),
        ("module.lowercase_key_id", &["config.access_key_id_format"]),
        ("module.short_secret", &["config.secret_format"]),
    ];
    for (module, checks) in expected {
        let label = format!("{module}.aws_kms_custom_key_store.this");
        let store = target(&report, &label);
        assert_eq!(problems(store), checks.to_vec(), "{label}: {store:#}");
    }
    // The store that names an existing service of another Region, and its key that no store takes.
    let other = target(&report, "aws_kms_custom_key_store.other_region_service");
    assert_eq!(problems(other), ["iac.key_settings", "vpc.service_region"], "{other:#}");
    let keys = check(other, "iac.key_settings")["evidence"].as_str().unwrap().to_string();
    for word in ["aws_kms_key.asymmetric", "SIGN_VERIFY", "RSA_2048", "multi-Region", "external key 1"] {
        assert!(keys.contains(word), "{word} not in {keys}");
    }
    // One report for every store of the plan.
    assert_eq!(report["targets"].as_array().unwrap().len(), expected.len() + 1);
}

/// The facts of a plan keep the secret's shape (its length, its characters' classes), never the secret;
/// replayed, they give the same verdict.
#[test]
fn facts_saved_from_a_plan_hold_no_secret_and_replay_to_the_same_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("facts.json");
    let saved = saved.to_str().unwrap();
    let first = plan("good", &["--save-facts", saved]);
    let facts = std::fs::read_to_string(saved).unwrap();
    assert!(!facts.contains(CANARY), "the plan's secret reached the facts file");
    assert!(facts.contains("module.good.aws_kms_custom_key_store.this"), "{facts}");
    let replayed = run(command(None), &["check", "--output", "json", "--facts", saved]);
    assert_no_canary(&replayed);
    assert_eq!(replayed.code, first.code);
    let statuses = |report: &Value| -> Vec<(String, String)> {
        let store = target(report, "module.good.aws_kms_custom_key_store.this");
        store["checks"].as_array().unwrap().iter().map(|c| (c["id"].to_string(), c["status"].to_string())).collect()
    };
    assert_eq!(statuses(&replayed.json()), statuses(&first.json()));
}

#[test]
fn a_plan_that_only_rotates_the_credential_is_an_update_of_a_connected_store() {
    let out = plan("credential_update", &[]);
    let report = out.json();
    let store = target(&report, "aws_kms_custom_key_store.rotated");
    assert_eq!(check(store, "iac.store_connected")["status"], "pass", "{store:#}");
    assert!(check(store, "iac.store_connected")["evidence"].as_str().unwrap().contains("updated in place"));
    assert_eq!(
        check(store, "config.access_key_id_format")["evidence"],
        "ROTATEDKEYIDABCDEFGH (20 characters of A-Z and 2-7)"
    );
    assert_eq!(check(store, "config.secret_format")["status"], "pass");
    assert_eq!(check(store, "iac.secret_in_plan")["status"], "warn");
    assert_eq!(check(store, "iac.service_resolved")["status"], "skipped");
}

#[test]
fn values_known_only_after_apply_are_reported_as_such() {
    let out = plan("after_apply", &[]);
    let report = out.json();
    let store = target(&report, "aws_kms_custom_key_store.generated");
    for (id, attribute) in [
        ("config.endpoint_format", "xks_proxy_uri_endpoint"),
        ("config.access_key_id_format", "xks_proxy_authentication_credential.access_key_id"),
        ("config.secret_format", "xks_proxy_authentication_credential.raw_secret_access_key"),
    ] {
        let outcome = check(store, id);
        assert_eq!(outcome["status"], "skipped", "{id}: {outcome:#}");
        let evidence = outcome["evidence"].as_str().unwrap();
        assert!(
            evidence.contains(attribute) && evidence.contains("known only after aws_kms_custom_key_store.generated"),
            "{id}: {evidence}"
        );
    }
    // With no secret in the plan, the plan holds none in clear.
    assert_eq!(check(store, "iac.secret_in_plan")["status"], "pass");
    assert_eq!(check(store, "config.path_format")["status"], "pass");
}

#[test]
fn the_plans_own_secret_signs_the_proxy_calls() {
    let setup = crate::proxy_checks::proxy(crate::support::xks_proxy::Variant::Faithful);
    let dns = crate::support::dns_server();
    let file = format!("{TF}/signs/plan.json");
    let mut args = vec!["check", "--output", "json", "--no-aws", "--terraform-plan", &file, "--region", "us-east-1"];
    args.extend(setup.probe_flags(&dns));
    let out = run(command(None), &args);
    let report = out.json();
    let store = target(&report, "aws_kms_custom_key_store.signed");
    assert_eq!(check(store, "proxy.credential_accepted")["status"], "pass", "{store:#}");
    assert!(!out.stdout.contains(crate::support::xks_proxy::SECRET));
}

/// The recorded plan whose store `other_region_service` names a service it does not create, with that
/// name replaced by `name`, checked in us-east-1 against moto (EC2, load balancing) and the KMS stand-in.
fn plan_naming_an_existing_service(name: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let recorded = std::fs::read_to_string(format!("{TF}/mistakes/plan.json")).unwrap();
    let named = recorded.replace("com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0", name);
    let file = crate::support::write(dir.path(), "plan.json", &named);
    let aws = crate::support::fake_aws::FakeAws::start(Some(&crate::support::moto::url()));
    let args = ["check", "--output", "json", "--no-monitor", "--region", "us-east-1", "--terraform-plan", &file];
    let out = run(command(Some(&aws.url)), &args);
    assert_no_canary(&out);
    out.json()
}

#[tokio::test]
async fn a_service_the_plan_names_but_does_not_create_is_read_from_aws() {
    let built = crate::support::moto::build(crate::support::moto::VpcSpec::default()).await;
    let report = plan_naming_an_existing_service(&built.service_name);
    let store = target(&report, "aws_kms_custom_key_store.other_region_service");
    for id in ["iac.service_resolved", "vpc.service_found", "vpc.acceptance_required", "vpc.targets_healthy"] {
        assert_eq!(check(store, id)["status"], "pass", "{id}: {:#}", check(store, id));
    }
    assert!(check(store, "vpc.service_found")["evidence"].as_str().unwrap().contains(&built.service_id));
    assert!(check(store, "iac.service_resolved")["evidence"].as_str().unwrap().contains("exists in AWS"));
}

#[test]
fn a_service_the_plan_names_that_aws_does_not_have_fails_iac_service_resolved() {
    let report = plan_naming_an_existing_service("com.amazonaws.vpce.us-east-1.vpce-svc-0fedcba9876543210");
    let store = target(&report, "aws_kms_custom_key_store.other_region_service");
    let resolved = check(store, "iac.service_resolved");
    assert_eq!(resolved["status"], "fail", "{resolved:#}");
    assert!(resolved["evidence"].as_str().unwrap().contains("nor found in AWS in us-east-1"), "{resolved:#}");
    assert_eq!(report["exit_code"], 1);
}

const EXISTING_LB: &str =
    "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/net/xks-proxy/0123456789abcdef";

#[test]
fn a_load_balancer_the_plan_names_by_arn_is_not_read_with_no_aws() {
    let report = plan("existing_lb", &[]).json();
    let store = target(&report, "aws_kms_custom_key_store.existing_lb");
    for id in ["vpc.acceptance_required", "vpc.service_type", "vpc.allowed_principal", "vpc.private_dns_name"] {
        assert_eq!(check(store, id)["status"], "pass", "{id}: {:#}", check(store, id));
    }
    // What the plan cannot say about a load balancer that exists already is not guessed.
    for id in ["vpc.load_balancer_type", "vpc.availability_zones", "vpc.nlb_listener"] {
        let outcome = check(store, id);
        assert_eq!(outcome["status"], "skipped", "{id}: {outcome:#}");
        assert!(outcome["evidence"].as_str().unwrap().contains("--no-aws"), "{id}: {outcome:#}");
    }
}

#[tokio::test]
async fn a_load_balancer_the_plan_names_by_arn_is_read_from_aws() {
    let built = crate::support::moto::build(crate::support::moto::VpcSpec::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let recorded = std::fs::read_to_string(format!("{TF}/existing_lb/plan.json")).unwrap();
    let file = crate::support::write(dir.path(), "plan.json", &recorded.replace(EXISTING_LB, &built.nlb_arn));
    let aws = crate::support::fake_aws::FakeAws::start(Some(&crate::support::moto::url()));
    let args = ["check", "--output", "json", "--no-monitor", "--region", "us-east-1", "--terraform-plan", &file];
    let out = run(command(Some(&aws.url)), &args);
    assert_no_canary(&out);
    let report = out.json();
    let store = target(&report, "aws_kms_custom_key_store.existing_lb");
    for id in ["vpc.load_balancer_type", "vpc.availability_zones", "vpc.nlb_scheme", "vpc.nlb_listener"] {
        assert_eq!(check(store, id)["status"], "pass", "{id}: {:#}", check(store, id));
    }
    let zones = check(store, "vpc.availability_zones")["evidence"].as_str().unwrap().to_string();
    assert!(zones.contains("us-east-1a") && zones.contains("us-east-1b"), "{zones}");
}

fn refused(file: &str) -> Run {
    let out = run(command(None), &["check", "--no-aws", "--terraform-plan", file]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert_eq!(out.stderr.trim().lines().count(), 1, "not one line: {}", out.stderr);
    assert_no_canary(&out);
    out
}

#[test]
fn a_malformed_plan_is_refused_on_one_line_without_its_secret() {
    let dir = tempfile::tempdir().unwrap();
    let whole = std::fs::read_to_string(format!("{TF}/good/plan.json")).unwrap();
    // Cut just after the secret, so that the parser stops inside the document that holds it.
    let cut = whole.find(CANARY).unwrap() + 60;
    let truncated = crate::support::write(dir.path(), "truncated.json", &whole[..cut]);
    let out = refused(&truncated);
    assert!(out.stderr.contains("is not JSON") && out.stderr.contains("terraform show -json"), "{}", out.stderr);
    // Well-formed JSON of the wrong shape, with the secret where a list belongs.
    let mut document: Value = serde_json::from_str(&whole).unwrap();
    document["resource_changes"] = Value::String(format!("{CANARY}secretNEVERprintME0123456789abcdefghijk"));
    let shaped = crate::support::write(dir.path(), "shaped.json", &document.to_string());
    let out = refused(&shaped);
    assert!(out.stderr.contains("resource_changes as a string"), "{}", out.stderr);
}

#[test]
fn a_plan_from_another_provider_is_refused_naming_what_it_plans() {
    let out = refused(&format!("{TF}/other_provider/plan.json"));
    assert!(out.stderr.contains("no aws_kms_custom_key_store of type EXTERNAL_KEY_STORE"), "{}", out.stderr);
    assert!(out.stderr.contains("terraform_data"), "{}", out.stderr);
}

/// `--output github`: an annotation per problem, on the plan file, titled with the address; the
/// properties and message encoded as the Actions runner decodes them.
#[test]
fn github_annotations_point_at_the_plan_and_the_terraform_address() {
    let file = format!("{TF}/mistakes/plan.json");
    let out = run(command(None), &["check", "--output", "github", "--no-aws", "--terraform-plan", &file]);
    assert_eq!(out.code, 1);
    assert_no_canary(&out);
    let line = out
        .stdout
        .lines()
        .find(|l| l.contains("module.acceptance.aws_kms_custom_key_store.this vpc.acceptance_required"))
        .unwrap_or_else(|| panic!("no annotation for the acceptance mistake:\n{}", out.stdout));
    let (properties, message) = line.strip_prefix("::error ").unwrap().split_once("::").unwrap();
    let properties: Vec<(&str, &str)> = properties.split(',').map(|p| p.split_once('=').unwrap()).collect();
    let decode = |text: &str| {
        text.replace("%3A", ":").replace("%2C", ",").replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")
    };
    assert_eq!(properties[1], ("file", file.as_str()));
    assert_eq!(
        decode(properties[0].1),
        "module.acceptance.aws_kms_custom_key_store.this vpc.acceptance_required: No manual acceptance"
    );
    let message = decode(message);
    assert!(message.starts_with("module.acceptance.aws_kms_custom_key_store.this: AcceptanceRequired is true"));
    assert!(message.contains("\nFix: "), "{message}");
    assert!(!out.stdout.lines().any(|l| l.contains("vpc.nlb_scheme") && l.contains("module.acceptance")));
    assert!(out.stdout.lines().last().unwrap().starts_with("::notice title=xks-preflight::13 target(s)"));
}

/// What `--output github` must write for a report, as GitHub's own toolkit writes it: an `error` for
/// each check that fails the run, a `warning` for each other warning, none for a blocked check; titled
/// with the target and the check, on the file that declares the target; then the summary as a notice.
fn annotations_of(report: &Value) -> Vec<Value> {
    let mut annotations = Vec::new();
    for target in report["targets"].as_array().unwrap() {
        let label = target["label"].as_str().unwrap();
        for check in target["checks"].as_array().unwrap() {
            let level = match (check["status"].as_str().unwrap(), check["fails_run"].as_bool().unwrap()) {
                _ if !check["blocked_by"].is_null() => continue,
                ("fail" | "error", _) | ("warn", true) => "error",
                ("warn", false) => "warning",
                _ => continue,
            };
            let mut message = format!("{label}: {}", check["evidence"].as_str().unwrap());
            if let Some(remedy) = check["remedy"].as_str() {
                message.push_str(&format!("\nFix: {remedy}"));
            }
            for command in check["commands"].as_array().into_iter().flatten() {
                message.push_str(&format!("\n  {}", command.as_str().unwrap()));
            }
            let mut annotation = serde_json::json!({
                "level": level,
                "title": format!("{label} {}: {}", check["id"].as_str().unwrap(), check["title"].as_str().unwrap()),
                "message": message,
            });
            if let Some(file) = target["declared_in"]["file"].as_str() {
                annotation["file"] = file.into();
            }
            annotations.push(annotation);
        }
    }
    let s = &report["summary"];
    let summary = format!(
        "{} target(s): {} pass, {} warn, {} fail, {} skipped, {} error, {} blocked; exit {}",
        report["targets"].as_array().unwrap().len(),
        s["pass"],
        s["warn"],
        s["fail"],
        s["skipped"],
        s["error"],
        s["blocked"],
        report["exit_code"]
    );
    annotations.push(serde_json::json!({"level": "notice", "title": "xks-preflight", "message": summary}));
    annotations
}

/// The annotations of a plan and of a CDK template, byte for byte as GitHub's toolkit (npm's
/// @actions/core) writes the same commands: its property and message encoding, its property order.
#[test]
fn github_annotations_are_written_as_githubs_own_toolkit_writes_them() {
    let dir = tempfile::tempdir().unwrap();
    let plan = format!("{TF}/mistakes/plan.json");
    let cdk = "fixtures/iac/cdk/vpc-service.template.json";
    let runs: [Vec<&str>; 2] = [
        vec!["--terraform-plan", &plan],
        vec![
            "--region",
            "eu-west-1",
            "--cloudformation",
            cdk,
            "--endpoint",
            "https://xks.example.com",
            "--path",
            "/kms/xks/v1",
        ],
    ];
    for (index, way_in) in runs.iter().enumerate() {
        let json = dir.path().join(format!("report-{index}.json"));
        let json = json.to_str().unwrap();
        let mut args = vec!["check", "--output", "github", "--no-aws", "--json", json];
        args.extend(way_in);
        let out = run(command(None), &args);
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert_no_canary(&out);
        let kept = std::fs::read_to_string(json).unwrap();
        // The JSON report of a plan or template is still the documented report (jsonschema reads it).
        crate::support::readers::schema_errors(&kept).unwrap();
        let report: Value = serde_json::from_str(&kept).unwrap();
        let expected = annotations_of(&report);
        assert!(expected.len() >= 3, "too few annotations to prove anything: {expected:#?}");
        // The cases the encoding matters for: a colon and a comma in a title, a line break in a message.
        assert!(expected.iter().any(|a| a["title"].as_str().unwrap().contains(':')));
        assert!(expected.iter().any(|a| a["message"].as_str().unwrap().contains('\n')));
        assert_eq!(out.stdout, crate::support::readers::actions_core_commands(&expected), "{}", way_in.join(" "));
    }
}

fn template(file: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "check",
        "--output",
        "json",
        "--no-aws",
        "--region",
        "eu-west-1",
        "--cloudformation",
        file,
        "--endpoint",
        "https://xks.example.com",
        "--path",
        "/kms/xks/v1",
        "--access-key-id",
        "BETWEEN2TENAND3TWENTY",
    ];
    args.extend_from_slice(extra);
    run(command(None), &args)
}

#[test]
fn a_cdk_endpoint_service_with_the_default_acceptance_fails_it() {
    let out = template("fixtures/iac/cdk/vpc-service.template.json", &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report = out.json();
    let service = target(&report, "XksService188C07F7");
    let acceptance = check(service, "vpc.acceptance_required");
    assert_eq!(acceptance["status"], "fail");
    // Fixed in the code that declares it: the logical ID is no service ID to give the aws CLI.
    let remedy = acceptance["remedy"].as_str().unwrap();
    assert!(remedy.contains("acceptanceRequired: false") && !remedy.contains("--service-id"), "{remedy}");
    for id in [
        "vpc.load_balancer_type",
        "vpc.availability_zones",
        "vpc.nlb_scheme",
        "vpc.nlb_listener",
        "vpc.allowed_principal",
        "iac.service_resolved",
    ] {
        assert_eq!(check(service, id)["status"], "pass", "{id}: {:#}", check(service, id));
    }
    assert_eq!(check(service, "vpc.allowed_principal")["evidence"], "cks.kms.eu-west-1.amazonaws.com is allowed");
    for id in ["iac.store_connected", "iac.secret_in_plan", "iac.key_settings"] {
        assert_eq!(check(service, id)["status"], "skipped", "{id}");
    }
}

#[test]
fn a_yaml_template_with_parameters_is_judged_with_their_defaults() {
    let out = template("fixtures/iac/cloudformation/parameters.yaml", &[]);
    let report = out.json();
    let service = target(&report, "XksService");
    assert_eq!(check(service, "vpc.acceptance_required")["status"], "pass");
    let listener = check(service, "vpc.nlb_listener");
    assert_eq!(listener["status"], "fail");
    assert!(listener["evidence"].as_str().unwrap().contains("8443"), "{listener:#}");
    assert_eq!(check(service, "vpc.availability_zones")["status"], "fail");
    let resolved = check(service, "iac.service_resolved");
    assert_eq!(resolved["status"], "warn");
    assert!(resolved["evidence"].as_str().unwrap().contains("AWS::AccountId"), "{resolved:#}");
}

#[test]
fn cloudformation_needs_the_stores_planned_settings() {
    let out =
        run(command(None), &["check", "--no-aws", "--cloudformation", "fixtures/iac/cdk/vpc-service.template.json"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("planned settings"), "{}", out.stderr);
}

#[test]
fn every_cloudformation_fixture_passes_cfn_lint() {
    for file in ["fixtures/iac/cdk/vpc-service.template.json", "fixtures/iac/cloudformation/parameters.yaml"] {
        let linted = std::process::Command::new(crate::support::readers::venv_tool("cfn-lint"))
            .args(["--regions", "eu-west-1", "--", file])
            .output()
            .unwrap();
        assert!(
            linted.status.success(),
            "cfn-lint refused {file}:\n{}{}",
            String::from_utf8_lossy(&linted.stdout),
            String::from_utf8_lossy(&linted.stderr)
        );
    }
}

/// The GitHub Actions job of docs/checking-plans-in-ci.md, as YAML reads it: its steps plan, show the
/// plan as JSON, then check it; that check, run as the page writes it on a recorded plan that would
/// break stores, fails the job with an annotation naming each broken store's Terraform address.
#[test]
fn the_ci_job_in_the_docs_fails_a_plan_that_would_break_the_store() {
    let page = include_str!("../../docs/checking-plans-in-ci.md");
    let yaml = page.split("```yaml\n").nth(1).and_then(|rest| rest.split("```").next()).expect("the page shows a job");
    let job: serde_norway::Value = serde_norway::from_str(yaml).unwrap();
    let steps = job["jobs"]["plan"]["steps"].as_sequence().expect("the job has steps");
    let runs: Vec<&str> = steps.iter().filter_map(|s| s.get("run").and_then(|r| r.as_str())).collect();
    let at =
        |start: &str| runs.iter().position(|r| r.starts_with(start)).unwrap_or_else(|| panic!("no step runs {start}"));
    assert!(
        at("terraform plan") < at("terraform show -json") && at("terraform show -json") < at("xks-preflight check")
    );
    assert!(runs[at("terraform show -json")].ends_with("> plan.json"), "{}", runs[at("terraform show -json")]);
    let words: Vec<&str> = runs[at("xks-preflight check")].split_whitespace().collect();

    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(format!("{TF}/mistakes/plan.json"), dir.path().join("plan.json")).unwrap();
    // The job's AWS credentials reach moto here, and the KMS stand-in, which knows no store.
    let aws = crate::support::fake_aws::FakeAws::start(Some(&crate::support::moto::url()));
    let mut cmd = command(Some(&aws.url));
    cmd.current_dir(dir.path());
    let out = run(cmd, &words[1..]);
    assert_no_canary(&out);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    for module in ["acceptance", "gateway", "one_zone", "port_8443", "wrong_region_principal", "path_without_version"] {
        let address = format!("module.{module}.aws_kms_custom_key_store.this");
        assert!(
            out.stdout.lines().any(|l| l.starts_with("::error title=") && l.contains(&address)),
            "no error annotation for {address}:\n{}",
            out.stdout
        );
    }
    // The report the job keeps is written, and is the JSON report.
    let kept: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("xks-report.json")).unwrap()).unwrap();
    assert_eq!(kept["exit_code"], 1);
}
