//! `vpc.*`: endpoint services and load balancers built in moto's server, with fixtures for the states
//! moto cannot produce (domain verification pending or failed, unhealthy targets, refused calls).

use crate::support::fake_aws::{fixture, FakeAws};
use crate::support::moto::{self, Built, VpcSpec};
use crate::support::{check_json, Run, Store};
use xks_preflight::catalogue::{CheckId, Section};

const STORE: &str = "cks-5e6f7a8b9c0d1e2f3";

fn vpc_store(built: &Built) -> Store {
    Store::vpc(STORE, &built.private_dns_name, &built.service_name)
}

fn check(aws: &FakeAws) -> Run {
    check_json(&aws.url, &["--custom-key-store-id", STORE])
}

async fn check_spec(spec: VpcSpec) -> (Built, Run) {
    let built = moto::build(spec).await;
    let aws = FakeAws::start(Some(&moto::url())).with_stores(vec![vpc_store(&built).json()]);
    let run = check(&aws);
    (built, run)
}

fn vpc_statuses(run: &Run, status: &str) -> Vec<String> {
    run.with_status(status).into_iter().filter(|id| id.starts_with("vpc.")).collect()
}

#[tokio::test]
async fn healthy_vpc_store_passes_every_vpc_check() {
    let (built, run) = check_spec(VpcSpec::default()).await;
    let declared = CheckId::ALL.iter().filter(|id| id.section() == Section::Vpc).count();
    assert_eq!(vpc_statuses(&run, "pass").len(), declared, "not all pass: {}", run.stdout);
    assert_eq!(run.with_status("fail"), Vec::<String>::new());
    assert_eq!(run.with_status("error"), Vec::<String>::new());
    assert!(run.evidence("vpc.service_found").contains(&built.service_id));
    assert!(
        run.evidence("vpc.availability_zones").contains("us-east-1a")
            && run.evidence("vpc.availability_zones").contains("us-east-1b")
    );
    assert!(run.evidence("vpc.targets_healthy").starts_with("2 healthy"), "{}", run.evidence("vpc.targets_healthy"));
    assert_eq!(run.code, 0);
}

#[tokio::test]
async fn acceptance_required_fails_with_the_command_that_turns_it_off() {
    let (built, run) = check_spec(VpcSpec { acceptance_required: true, ..VpcSpec::default() }).await;
    assert_eq!(vpc_statuses(&run, "fail"), vec!["vpc.acceptance_required"]);
    let command = format!(
        "aws ec2 modify-vpc-endpoint-service-configuration --service-id {} --no-acceptance-required --region us-east-1",
        built.service_id
    );
    assert_eq!(run.commands("vpc.acceptance_required"), [command]);
    assert_eq!(run.code, 1);
}

#[tokio::test]
async fn missing_kms_principal_fails() {
    let (_, run) =
        check_spec(VpcSpec { principals: vec!["arn:aws:iam::111122223333:root".into()], ..VpcSpec::default() }).await;
    assert_eq!(vpc_statuses(&run, "fail"), vec!["vpc.allowed_principal"]);
    let commands = run.commands("vpc.allowed_principal");
    assert!(commands.len() == 1 && commands[0].starts_with("aws ec2 modify-vpc-endpoint-service-permissions"));
    assert!(commands[0].ends_with("--add-allowed-principals cks.kms.us-east-1.amazonaws.com --region us-east-1"));
}

#[tokio::test]
async fn kms_principal_of_another_region_fails_and_says_so() {
    let (_, run) =
        check_spec(VpcSpec { principals: vec!["cks.kms.eu-west-1.amazonaws.com".into()], ..VpcSpec::default() }).await;
    assert_eq!(run.status("vpc.allowed_principal"), "fail");
    assert!(run.evidence("vpc.allowed_principal").contains("another Region"));
}

#[tokio::test]
async fn allow_all_principal_warns() {
    let (_, run) = check_spec(VpcSpec { principals: vec!["*".into()], ..VpcSpec::default() }).await;
    assert_eq!(run.status("vpc.allowed_principal"), "warn");
    assert_eq!(vpc_statuses(&run, "fail"), Vec::<String>::new());
    assert_eq!(run.code, 0);
}

#[tokio::test]
async fn gateway_load_balancer_fails_the_load_balancer_type() {
    let (_, run) = check_spec(VpcSpec { gateway_load_balancer: true, listener_port: None, ..VpcSpec::default() }).await;
    assert_eq!(run.status("vpc.load_balancer_type"), "fail");
    assert!(run.evidence("vpc.load_balancer_type").contains("Gateway Load Balancer"));
    // A gateway service is not an interface service either.
    assert_eq!(run.status("vpc.service_type"), "fail");
    assert_eq!(run.status("vpc.nlb_listener"), "skipped");
}

#[tokio::test]
async fn one_availability_zone_fails_with_the_command_that_adds_a_subnet() {
    let (built, run) = check_spec(VpcSpec { zones: 1, ..VpcSpec::default() }).await;
    assert_eq!(vpc_statuses(&run, "fail"), vec!["vpc.availability_zones"]);
    assert!(run.evidence("vpc.availability_zones").contains("only 1"));
    // The load balancer's own subnet is kept; the one to add is the user's to choose.
    let commands = run.pastable_commands("vpc.availability_zones");
    let start = format!("aws elbv2 set-subnets --load-balancer-arn {} --subnets subnet-", built.nlb_arn);
    assert!(commands.len() == 1 && commands[0].starts_with(&start), "{commands:?}");
    assert!(commands[0].ends_with(" SUBNET_IN_ANOTHER_ZONE --region us-east-1"), "{commands:?}");
}

#[tokio::test]
async fn public_subnet_warns_naming_the_internet_gateway_route() {
    let (_, run) = check_spec(VpcSpec { public_subnets: true, ..VpcSpec::default() }).await;
    assert_eq!(run.status("vpc.subnets_private"), "warn");
    assert!(
        run.evidence("vpc.subnets_private").contains("0.0.0.0/0 -> igw-"),
        "{}",
        run.evidence("vpc.subnets_private")
    );
    assert_eq!(vpc_statuses(&run, "fail"), Vec::<String>::new());
}

#[tokio::test]
async fn internet_facing_load_balancer_warns() {
    let (_, run) = check_spec(VpcSpec { internal: false, ..VpcSpec::default() }).await;
    assert_eq!(run.status("vpc.nlb_scheme"), "warn");
}

#[tokio::test]
async fn listener_on_another_port_fails_the_listener_check() {
    let (_, run) = check_spec(VpcSpec { listener_port: Some(8443), ..VpcSpec::default() }).await;
    assert_eq!(run.status("vpc.nlb_listener"), "fail");
    assert!(run.evidence("vpc.nlb_listener").contains("8443/TCP"));
    assert_eq!(run.status("vpc.targets_healthy"), "skipped");
}

#[tokio::test]
async fn no_registered_targets_fails() {
    let (_, run) = check_spec(VpcSpec { targets: 0, ..VpcSpec::default() }).await;
    assert_eq!(run.status("vpc.targets_healthy"), "fail");
}

#[tokio::test]
async fn private_dns_name_differing_from_the_endpoint_fails() {
    let built = moto::build(VpcSpec::default()).await;
    let mut store = vpc_store(&built);
    store.endpoint = "https://other-name.example.com".into();
    let aws = FakeAws::start(Some(&moto::url())).with_stores(vec![store.json()]);
    let run = check(&aws);
    assert_eq!(vpc_statuses(&run, "fail"), vec!["vpc.private_dns_name"]);
    assert!(run.evidence("vpc.private_dns_name").contains(&built.private_dns_name));
}

#[tokio::test]
async fn service_without_a_private_dns_name_fails() {
    let (_, run) = check_spec(VpcSpec { private_dns_name: None, ..VpcSpec::default() }).await;
    assert_eq!(run.status("vpc.private_dns_name"), "fail");
    assert_eq!(run.status("vpc.private_dns_verified"), "skipped");
}

#[tokio::test]
async fn service_name_from_another_region_fails_region_and_lookup() {
    let built = moto::build(VpcSpec::default()).await;
    let mut store = vpc_store(&built);
    store.service_name = Some(built.service_name.replace("us-east-1", "eu-west-1"));
    let aws = FakeAws::start(Some(&moto::url())).with_stores(vec![store.json()]);
    let run = check(&aws);
    assert_eq!(run.status("vpc.service_region"), "fail");
    assert!(run.evidence("vpc.service_region").contains("eu-west-1"));
    // The lookup fails too, because of the Region: the Region is the failure counted and named.
    assert_eq!(run.status("vpc.service_found"), "fail");
    assert_eq!(run.check("vpc.service_found")["blocked_by"], "vpc.service_region");
    assert!(run.check("vpc.service_region")["blocked_by"].is_null());
    assert_eq!(run.check("vpc.acceptance_required")["blocked_by"], "vpc.service_found");
    let report = run.json();
    let diagnosis = &report["targets"][0]["diagnosis"];
    assert_eq!(diagnosis["problems"][0], "vpc.service_region", "{diagnosis}");
    assert!(!diagnosis["problems"].as_array().unwrap().contains(&"vpc.service_found".into()));
    assert_eq!(run.code, 1);
}

#[tokio::test]
async fn malformed_service_name_fails_without_asking_ec2() {
    let aws = FakeAws::start(Some(&moto::url())).with_stores(vec![Store::vpc(
        STORE,
        "xks.example.com",
        "com.amazonaws.vpce.us-east-1.svc-123",
    )
    .json()]);
    let run = check(&aws);
    assert_eq!(run.status("vpc.service_found"), "fail");
    assert!(run.evidence("vpc.service_found").contains("vpce-svc-"));
    assert!(aws.seen().iter().all(|(service, _)| service == "kms"), "{:?}", aws.seen());
}

fn with_verification(built: &Built, state: &str) -> FakeAws {
    with_service(built, state, "Available", "ipv4")
}

/// The owner's view of the built service (DescribeVpcEndpointServiceConfigurations), from the fixture,
/// with these states.
pub(crate) fn service_configuration(built: &Built, state: &str, service_state: &str, ip_address_type: &str) -> String {
    fixture(
        "ec2/describe-vpc-endpoint-service-configurations.xml",
        &[
            ("service_id", &built.service_id),
            ("service_name", &built.service_name),
            ("nlb_arn", &built.nlb_arn),
            ("private_dns_name", &built.private_dns_name),
            ("verification_state", state),
            ("service_state", service_state),
            ("ip_address_type", ip_address_type),
        ],
    )
}

/// The owner's view answered from the fixture, with these states.
fn with_service(built: &Built, state: &str, service_state: &str, ip_address_type: &str) -> FakeAws {
    let xml = service_configuration(built, state, service_state, ip_address_type);
    FakeAws::start(Some(&moto::url())).with_stores(vec![vpc_store(built).json()]).with_canned(
        "ec2",
        "DescribeVpcEndpointServiceConfigurations",
        200,
        xml,
    )
}

#[tokio::test]
async fn pending_domain_verification_fails_with_the_txt_record_to_publish() {
    let built = moto::build(VpcSpec::default()).await;
    let run = check(&with_verification(&built, "pendingVerification"));
    assert_eq!(vpc_statuses(&run, "fail"), vec!["vpc.private_dns_verified"]);
    assert!(run.evidence("vpc.private_dns_verified").contains("pendingVerification"));
    let remedy = run.remedy("vpc.private_dns_verified");
    assert!(remedy.contains("_6e86v84tqgqubxbwii1m") && remedy.contains("vpce:l6p0ERxlTt45jevFwOCp"), "{remedy}");
}

#[tokio::test]
async fn failed_domain_verification_fails() {
    let built = moto::build(VpcSpec::default()).await;
    let run = check(&with_verification(&built, "failed"));
    assert_eq!(vpc_statuses(&run, "fail"), vec!["vpc.private_dns_verified"]);
    assert!(run.remedy("vpc.private_dns_verified").contains("public domain"));
}

#[tokio::test]
async fn refused_permissions_call_is_an_error_naming_the_action() {
    let built = moto::build(VpcSpec::default()).await;
    let action = "ec2:DescribeVpcEndpointServicePermissions";
    let aws = FakeAws::start(Some(&moto::url())).with_stores(vec![vpc_store(&built).json()]).with_canned(
        "ec2",
        "DescribeVpcEndpointServicePermissions",
        403,
        fixture("ec2/unauthorized-operation.xml", &[("action", action)]),
    );
    let run = check(&aws);
    assert_eq!(run.status("vpc.allowed_principal"), "error");
    assert!(run.evidence("vpc.allowed_principal").contains(action));
    assert!(run.evidence("vpc.allowed_principal").contains("UnauthorizedOperation"));
    assert!(run.remedy("vpc.allowed_principal").contains(&format!("Allow {action}")));
    assert_eq!(run.with_status("fail"), Vec::<String>::new());
    assert_eq!(run.with_status("error"), vec!["vpc.allowed_principal"]);
    assert_eq!(run.code, 3);
}

#[tokio::test]
async fn unhealthy_targets_fail_with_their_reasons() {
    let built = moto::build(VpcSpec::default()).await;
    let aws = FakeAws::start(Some(&moto::url())).with_stores(vec![vpc_store(&built).json()]).with_canned(
        "elasticloadbalancing",
        "DescribeTargetHealth",
        200,
        fixture("elbv2/describe-target-health.xml", &[]),
    );
    let run = check(&aws);
    assert_eq!(run.status("vpc.targets_healthy"), "fail");
    assert!(run.evidence("vpc.targets_healthy").contains("10.0.1.10:443 unhealthy (Target.FailedHealthChecks)"));
}

#[tokio::test]
async fn unreadable_target_health_warns_naming_the_action() {
    let built = moto::build(VpcSpec::default()).await;
    let action = "elasticloadbalancing:DescribeTargetHealth";
    let aws = FakeAws::start(Some(&moto::url())).with_stores(vec![vpc_store(&built).json()]).with_canned(
        "elasticloadbalancing",
        "DescribeTargetHealth",
        403,
        fixture("elbv2/access-denied.xml", &[("action", action)]),
    );
    let run = check(&aws);
    assert_eq!(run.status("vpc.targets_healthy"), "warn");
    assert!(run.evidence("vpc.targets_healthy").contains(action));
}

#[tokio::test]
async fn planned_vpc_settings_are_checked_against_the_service() {
    let built = moto::build(VpcSpec { acceptance_required: true, ..VpcSpec::default() }).await;
    let aws = FakeAws::start(Some(&moto::url()));
    let endpoint = format!("https://{}", built.private_dns_name);
    let run = check_json(
        &aws.url,
        &["--endpoint", &endpoint, "--path", "/kms/xks/v1", "--vpc-endpoint-service-name", &built.service_name],
    );
    assert_eq!(run.status("vpc.service_found"), "pass");
    assert_eq!(run.status("vpc.private_dns_name"), "pass");
    assert_eq!(run.status("vpc.acceptance_required"), "fail");
}

#[tokio::test]
async fn vpc_stores_sharing_an_endpoint_service_fail_uniqueness() {
    let built = moto::build(VpcSpec::default()).await;
    let mut other = Store::vpc("cks-0f1e2d3c4b5a69788", "another.example.com", &built.service_name);
    other.path = "/other/kms/xks/v1".into();
    let aws = FakeAws::start(Some(&moto::url())).with_stores(vec![vpc_store(&built).json(), other.json()]);
    let run = check(&aws);
    assert_eq!(run.status("config.endpoint_unique"), "fail");
    assert!(run.evidence("config.endpoint_unique").contains("XksProxyVpcEndpointServiceInUseException"));
}

/// The owner's view answers as AWS does for a service of another account: no such service ID.
fn as_another_account(aws: FakeAws, built: &Built) -> FakeAws {
    aws.with_canned(
        "ec2",
        "DescribeVpcEndpointServiceConfigurations",
        400,
        fixture("ec2/vpc-endpoint-service-not-found.xml", &[("service_id", &built.service_id)]),
    )
}

#[tokio::test]
async fn service_of_another_account_passes_when_its_owner_is_configured() {
    let built = moto::build(VpcSpec::default()).await;
    let mut store = vpc_store(&built);
    store.service_owner = Some("123456789012".into());
    let aws = as_another_account(FakeAws::start(Some(&moto::url())).with_stores(vec![store.json()]), &built);
    let run = check(&aws);
    assert_eq!(run.status("vpc.service_found"), "pass", "{}", run.evidence("vpc.service_found"));
    assert!(run.evidence("vpc.service_found").contains("123456789012"));
    assert_eq!(run.status("vpc.private_dns_name"), "pass");
    assert_eq!(run.status("vpc.acceptance_required"), "pass");
    // Only the owner can read these.
    assert_eq!(run.status("vpc.allowed_principal"), "skipped");
    assert_eq!(run.status("vpc.load_balancer_type"), "skipped");
    // moto's consumer view leaves out the verification state.
    assert_eq!(run.status("vpc.private_dns_verified"), "warn");
    assert_eq!(run.with_status("fail"), Vec::<String>::new());
    assert_eq!(run.code, 0);
}

#[tokio::test]
async fn service_of_another_account_fails_without_a_configured_owner() {
    let built = moto::build(VpcSpec::default()).await;
    let aws =
        as_another_account(FakeAws::start(Some(&moto::url())).with_stores(vec![vpc_store(&built).json()]), &built);
    let run = check(&aws);
    assert_eq!(run.status("vpc.service_found"), "fail");
    assert!(run.remedy("vpc.service_found").contains("VpcEndpointServiceOwner to 123456789012"));
}

#[test]
fn malformed_service_owner_fails_service_found() {
    let aws = FakeAws::start(None);
    let run = check_json(
        &aws.url,
        &[
            "--no-aws",
            "--endpoint",
            "https://xks.example.com",
            "--vpc-endpoint-service-name",
            "com.amazonaws.vpce.us-east-1.vpce-svc-0a1b2c3d4e5f6a7b8",
            "--vpc-endpoint-service-owner",
            "payments",
        ],
    );
    assert_eq!(run.status("vpc.service_found"), "fail");
    assert!(run.evidence("vpc.service_found").contains("'payments'"));
}

#[tokio::test]
async fn pending_service_fails_the_state_check() {
    let built = moto::build(VpcSpec::default()).await;
    let run = check(&with_service(&built, "verified", "Pending", "ipv4"));
    assert_eq!(vpc_statuses(&run, "fail"), vec!["vpc.service_state"]);
    assert!(run.evidence("vpc.service_state").contains("Pending"));
}

#[tokio::test]
async fn ipv6_only_service_fails_the_ip_address_type_check() {
    let built = moto::build(VpcSpec::default()).await;
    let run = check(&with_service(&built, "verified", "Available", "ipv6"));
    assert_eq!(vpc_statuses(&run, "fail"), vec!["vpc.ip_address_type"]);
}
