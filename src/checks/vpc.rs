//! `vpc.*`: the VPC endpoint service of a store with VPC_ENDPOINT_SERVICE connectivity, and the
//! Network Load Balancer behind it.

use std::collections::BTreeSet;

use super::aws_call;
use super::context::Ctx;
use super::gates::{missing, words};
use super::outcome::{need, Outcome, Status};
use super::text::list;
use crate::aws_names::ServiceName;
use crate::catalogue::CheckId;
use crate::facts::*;

const OWNER_ONLY: &str = "the service belongs to another account; only its owner can read this";

/// The service as this account sees it: as its owner, or as a consumer of another account's service.
enum View<'a> {
    Owner(&'a ServiceConfigFacts),
    Consumer(&'a ServiceDetailFacts),
}

impl View<'_> {
    fn service_types(&self) -> &[String] {
        match self {
            View::Owner(s) => &s.service_types,
            View::Consumer(d) => &d.service_types,
        }
    }
    fn acceptance_required(&self) -> Option<bool> {
        match self {
            View::Owner(s) => s.acceptance_required,
            View::Consumer(d) => d.acceptance_required,
        }
    }
    fn private_dns_name(&self) -> Option<&str> {
        match self {
            View::Owner(s) => s.private_dns_name.as_deref(),
            View::Consumer(d) => d.private_dns_name.as_deref(),
        }
    }
    fn supported_ip_address_types(&self) -> &[String] {
        match self {
            View::Owner(s) => &s.supported_ip_address_types,
            View::Consumer(d) => &d.supported_ip_address_types,
        }
    }
    fn availability_zones(&self) -> &[String] {
        match self {
            View::Owner(s) => &s.availability_zones,
            View::Consumer(d) => &d.availability_zones,
        }
    }
}

/// The settings and VPC facts of a VPC store, or the outcome every vpc check gives without them.
fn vpc_facts<'a>(ctx: &'a Ctx) -> Result<(&'a Settings, &'a VpcFacts), Outcome> {
    let settings = ctx.settings()?;
    if !settings.is_vpc() {
        let connectivity = settings.connectivity.as_deref().unwrap_or("unknown");
        return Err(Outcome::skipped(format!("{connectivity} connectivity: no VPC endpoint service")));
    }
    let vpc = ctx.target.vpc.as_ref().ok_or_else(|| Outcome::skipped("no VPC facts were gathered"))?;
    Ok((settings, vpc))
}

fn view<'a>(ctx: &'a Ctx) -> Result<View<'a>, Outcome> {
    let (settings, vpc) = vpc_facts(ctx)?;
    // A service the plan creates has its name only after apply; the plan still describes it.
    let named = settings.vpc_endpoint_service_name.as_deref().is_some_and(|name| ServiceName::parse(name).is_ok());
    if !named && vpc.planned.is_none() {
        return Err(Outcome::blocked(CheckId::VpcServiceFound, "no usable VPC endpoint service name"));
    }
    if let Observed::Seen(Some(service)) = &vpc.provider_view {
        return Ok(View::Owner(service));
    }
    if let Observed::Seen(Some(detail)) = &vpc.consumer_view {
        return Ok(View::Consumer(detail));
    }
    Err(match (&vpc.provider_view, &vpc.consumer_view) {
        (Observed::Failed(failure), _) | (_, Observed::Failed(failure)) => {
            aws_call::outcome(failure, ctx.facts.role_arn.as_deref())
        }
        (Observed::NotGathered(why), _) => missing(why),
        _ => Outcome::blocked(CheckId::VpcServiceFound, "the VPC endpoint service was not found"),
    })
}

/// What exists only once a planned service is applied (its state, target health, routes), or nothing
/// for a service read from AWS.
fn after_apply(ctx: &Ctx) -> Result<(), Outcome> {
    match vpc_facts(ctx)?.1.planned.as_ref() {
        Some(address) => Err(missing(&Why::KnownAfterApply { address: address.clone() })),
        None => Ok(()),
    }
}

/// The owner's view, with the load balancers read from it.
fn owner_view<'a>(ctx: &'a Ctx) -> Result<(&'a ServiceConfigFacts, &'a Observed<Vec<LoadBalancerFacts>>), Outcome> {
    match view(ctx)? {
        View::Owner(service) => Ok((service, &vpc_facts(ctx)?.1.load_balancers)),
        View::Consumer(_) => Err(Outcome::skipped(OWNER_ONLY)),
    }
}

/// The described Network Load Balancers behind the service.
fn network_load_balancers<'a>(ctx: &'a Ctx) -> Result<Vec<&'a LoadBalancerFacts>, Outcome> {
    let lbs = ctx.aws(owner_view(ctx)?.1)?;
    let network: Vec<&LoadBalancerFacts> = lbs.iter().filter(|lb| lb.lb_type.as_deref() == Some("network")).collect();
    if network.is_empty() {
        return Err(Outcome::blocked(CheckId::VpcLoadBalancerType, "no Network Load Balancer behind the service"));
    }
    Ok(network)
}

fn lb_label(lb: &LoadBalancerFacts) -> String {
    lb.name.clone().unwrap_or_else(|| lb.arn.clone())
}

pub(super) fn service_found(ctx: &Ctx) -> Outcome {
    let (settings, vpc) = need!(vpc_facts(ctx));
    let Some(name) = settings.vpc_endpoint_service_name.as_deref() else {
        if let Some(address) = &vpc.planned {
            return Outcome::pass(format!("{address}, created by the same plan (its name is known after apply)"));
        }
        return Outcome::fail(
            "VPC_ENDPOINT_SERVICE connectivity without a VPC endpoint service name",
            "Set XksProxyVpcEndpointServiceName to the service's name (com.amazonaws.vpce.<region>.vpce-svc-…).",
        );
    };
    if let Err(problem) = ServiceName::parse(name) {
        return Outcome::fail(
            format!("{name}: {problem}"),
            "Copy the service name from the VPC console, or from the ServiceName this lists:",
        )
        .run([ctx.aws_command("ec2 describe-vpc-endpoint-service-configurations")]);
    }
    let configured_owner = settings.vpc_endpoint_service_owner.as_deref();
    if let Some(owner) = configured_owner.filter(|o| o.len() != 12 || !o.chars().all(|c| c.is_ascii_digit())) {
        return Outcome::fail(
            format!("VpcEndpointServiceOwner '{owner}' is not an AWS account ID (12 digits)"),
            "Give the 12-digit ID of the account that owns the VPC endpoint service, or leave it out for this account.",
        );
    }
    match view(ctx) {
        Ok(View::Owner(service)) => Outcome::pass(format!("{name} ({}), owned by this account", service.service_id)),
        Ok(View::Consumer(detail)) => {
            let owner = detail.owner.as_deref().unwrap_or("an unnamed account");
            match configured_owner {
                Some(configured) if Some(configured) == detail.owner.as_deref() => {
                    Outcome::pass(format!("{name}, owned by account {owner} as VpcEndpointServiceOwner says"))
                }
                Some(configured) => Outcome::fail(
                    format!("{name} is owned by account {owner}, but VpcEndpointServiceOwner says {configured}"),
                    "Set VpcEndpointServiceOwner to the account that owns the service (the store must be disconnected to change it).",
                ),
                None => Outcome::fail(
                    format!("{name} is owned by account {owner}, not by this account, and no VpcEndpointServiceOwner is set"),
                    format!("Set VpcEndpointServiceOwner to {owner}, or use a service of this account."),
                ),
            }
        }
        Err(_) if vpc.provider_view == Observed::Seen(None) && vpc.consumer_view == Observed::Seen(None) => {
            let not_found = Outcome::fail(
                format!("no VPC endpoint service named {name} is visible to this account in {}", ctx.facts.region),
                "Check the name, its Region and its owner. KMS answers XksProxyVpcEndpointServiceNotFoundException \
                 (or XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND on connect) when it cannot find the service.",
            );
            // A service of another Region cannot be found from this one: that is vpc.service_region's to say.
            match ServiceName::parse(name) {
                Ok(parsed) if parsed.region != ctx.facts.region => not_found.because(CheckId::VpcServiceRegion),
                _ => not_found,
            }
        }
        // view() points the other checks at this one; this one only passes its reason on.
        Err(outcome) => Outcome { because: None, ..outcome },
    }
}

pub(super) fn service_region(ctx: &Ctx) -> Outcome {
    let (settings, vpc) = need!(vpc_facts(ctx));
    if let (None, Some(address)) = (&settings.vpc_endpoint_service_name, &vpc.planned) {
        return missing(&Why::KnownAfterApply { address: address.clone() });
    }
    let Some(Ok(parsed)) = settings.vpc_endpoint_service_name.as_deref().map(ServiceName::parse) else {
        // A missing or malformed name is vpc.service_found's failure, judged there.
        return Outcome::skipped("no usable VPC endpoint service name; vpc.service_found judges it");
    };
    if parsed.region == ctx.facts.region {
        Outcome::pass(format!("the service name is in {}, the store's Region", parsed.region))
    } else {
        Outcome::fail(
            format!("the service name is in {}, but the store is in {}", parsed.region, ctx.facts.region),
            "A store can use only an endpoint service of its own Region: create the service (and its load balancer) \
             in the store's Region, or create the store in the service's Region.",
        )
    }
}

pub(super) fn service_state(ctx: &Ctx) -> Outcome {
    let (service, _) = need!(owner_view(ctx));
    need!(after_apply(ctx));
    match service.service_state.as_deref() {
        Some("Available") => Outcome::pass("Available"),
        state => Outcome::fail(
            format!("ServiceState is {}", state.unwrap_or("not reported")),
            "Wait for a Pending service to become Available; a Failed, Deleting or Deleted one must be recreated.",
        ),
    }
}

pub(super) fn service_type(ctx: &Ctx) -> Outcome {
    let view = need!(view(ctx));
    let types = view.service_types();
    if types.iter().any(|t| t == "Interface") {
        Outcome::pass("Interface")
    } else {
        Outcome::fail(
            format!("service type {}", list(types)),
            "KMS connects through an interface endpoint: create the endpoint service from a Network Load Balancer.",
        )
    }
}

pub(super) fn load_balancer_type(ctx: &Ctx) -> Outcome {
    let (service, lbs) = need!(owner_view(ctx));
    let remedy = "Create the endpoint service from a Network Load Balancer (TCP listener on 443 to the proxy); \
                  a Gateway Load Balancer cannot carry KMS's requests.";
    if !service.gateway_load_balancer_arns.is_empty() {
        return Outcome::fail(
            format!("backed by Gateway Load Balancer {}", list(&service.gateway_load_balancer_arns)),
            remedy,
        );
    }
    if service.network_load_balancer_arns.is_empty() {
        return Outcome::fail("the service names no Network Load Balancer", remedy);
    }
    let lbs = need!(ctx.aws(lbs));
    let wrong: Vec<String> = lbs
        .iter()
        .filter(|lb| lb.lb_type.as_deref() != Some("network"))
        .map(|lb| format!("{} is of type {}", lb_label(lb), lb.lb_type.as_deref().unwrap_or("unknown")))
        .collect();
    if wrong.is_empty() {
        let names: Vec<String> = lbs.iter().map(lb_label).collect();
        Outcome::pass(format!("Network Load Balancer {}", list(&names)))
    } else {
        Outcome::fail(wrong.join("; "), remedy)
    }
}

pub(super) fn availability_zones(ctx: &Ctx) -> Outcome {
    let view = need!(view(ctx));
    let planned = need!(vpc_facts(ctx)).1.planned.is_some();
    match network_load_balancers(ctx) {
        // A planned service's zones are worked out from its load balancers: they cannot stand in.
        Err(unknown) if planned => return unknown,
        Err(_) => {}
        Ok(lbs) => {
            let zones: BTreeSet<&str> = lbs
                .iter()
                .flat_map(|lb| &lb.zones)
                .filter(|z| z.subnet_id.is_some())
                .filter_map(|z| z.zone.as_deref())
                .collect();
            let placed: Vec<String> = lbs
                .iter()
                .flat_map(|lb| &lb.zones)
                .map(|z| {
                    format!("{} ({})", z.zone.as_deref().unwrap_or("?"), z.subnet_id.as_deref().unwrap_or("no subnet"))
                })
                .collect();
            if zones.len() >= 2 {
                return Outcome::pass(format!("{} Availability Zones: {}", zones.len(), list(&placed)));
            }
            let problem = format!("only {} Availability Zone(s): {}", zones.len(), list(&placed));
            if planned {
                return Outcome::fail(
                    problem,
                    "Declare the load balancer with subnets in at least two Availability Zones.",
                );
            }
            // Each load balancer keeps its subnets and gains one in another zone, which only the user knows.
            let commands = lbs.iter().map(|lb| {
                let subnets: Vec<&str> = lb.zones.iter().filter_map(|z| z.subnet_id.as_deref()).collect();
                ctx.aws_command(&format!(
                    "elbv2 set-subnets --load-balancer-arn {} --subnets {} SUBNET_IN_ANOTHER_ZONE",
                    lb.arn,
                    subnets.join(" ")
                ))
            });
            return Outcome::fail(
                problem,
                "Map the load balancer to subnets in at least two Availability Zones (SUBNET_IN_ANOTHER_ZONE is \
                 a subnet of another zone):",
            )
            .run(commands);
        }
    }
    // Without the load balancer's own description, the service's zones are the same zones.
    let zones = view.availability_zones();
    if zones.len() >= 2 {
        Outcome::pass(format!("the service is offered in {}", list(zones)))
    } else {
        Outcome::fail(
            format!("the service is offered in only {}", list(zones)),
            "Map the load balancer behind the service to subnets in at least two Availability Zones.",
        )
    }
}

pub(super) fn subnets_private(ctx: &Ctx) -> Outcome {
    let lbs = need!(network_load_balancers(ctx));
    let mut private = Vec::new();
    let mut public = Vec::new();
    for lb in lbs {
        let routes = need!(ctx.aws(&lb.subnet_routes));
        for subnet in routes {
            if subnet.internet_gateway_routes.is_empty() {
                private.push(subnet.subnet_id.clone());
            } else {
                let table = subnet.route_table_id.as_deref().unwrap_or("?");
                let main = if subnet.via_main_table { ", the VPC's main table" } else { "" };
                public.push(format!(
                    "{} routes {} (table {table}{main})",
                    subnet.subnet_id,
                    subnet.internet_gateway_routes.join(", ")
                ));
            }
        }
    }
    if public.is_empty() {
        Outcome::pass(format!("no route to an internet gateway from {}", list(&private)))
    } else {
        Outcome::warn(
            public.join("; "),
            "Put the load balancer in private subnets: KMS reaches it through PrivateLink and needs no internet route.",
        )
    }
}

pub(super) fn nlb_scheme(ctx: &Ctx) -> Outcome {
    let lbs = need!(network_load_balancers(ctx));
    let exposed: Vec<String> = lbs
        .iter()
        .filter(|lb| lb.scheme.as_deref() != Some("internal"))
        .map(|lb| format!("{} is {}", lb_label(lb), lb.scheme.as_deref().unwrap_or("of unknown scheme")))
        .collect();
    if exposed.is_empty() {
        Outcome::pass("internal")
    } else {
        Outcome::warn(
            exposed.join("; "),
            "Use an internal load balancer: the proxy need not be reachable from the internet for a VPC store.",
        )
    }
}

pub(super) fn nlb_listener(ctx: &Ctx) -> Outcome {
    let lbs = need!(network_load_balancers(ctx));
    let remedy = "Add a listener on port 443: TCP passing through to a proxy that terminates TLS itself, or TLS with \
                  a certificate for the private DNS name in front of a proxy that speaks plain HTTP.";
    let mut good = Vec::new();
    let mut problems = Vec::new();
    for lb in lbs {
        let listeners = need!(ctx.aws(&lb.listeners));
        let on_443: Vec<&ListenerFacts> = listeners.iter().filter(|l| l.port == Some(443)).collect();
        if on_443.is_empty() {
            let others: Vec<String> = listeners
                .iter()
                .map(|l| {
                    format!(
                        "{}/{}",
                        l.port.map(|p| p.to_string()).unwrap_or("?".into()),
                        l.protocol.as_deref().unwrap_or("?")
                    )
                })
                .collect();
            problems.push(format!("{} has no listener on 443 (listeners: {})", lb_label(lb), list(&others)));
        }
        for listener in on_443 {
            match listener.protocol.as_deref() {
                Some("TCP" | "TCP_UDP") => {
                    good.push(format!("{}: 443/TCP, TLS passes through to the proxy", lb_label(lb)))
                }
                Some("TLS") => good.push(format!(
                    "{}: 443/TLS, TLS ends at the load balancer (certificate {}); it must name the private DNS name",
                    lb_label(lb),
                    list(&listener.certificate_arns)
                )),
                other => problems.push(format!(
                    "{} listens on 443 with {}, which cannot carry KMS's HTTPS",
                    lb_label(lb),
                    other.unwrap_or("an unknown protocol")
                )),
            }
        }
    }
    if problems.is_empty() {
        Outcome::pass(good.join("; "))
    } else {
        Outcome::fail(problems.join("; "), remedy)
    }
}

pub(super) fn targets_healthy(ctx: &Ctx) -> Outcome {
    let lbs = need!(network_load_balancers(ctx));
    need!(after_apply(ctx));
    let mut healthy = Vec::new();
    let mut unhealthy = Vec::new();
    let mut groups = 0;
    for lb in lbs {
        let target_groups = match &lb.target_groups {
            Observed::Seen(groups) => groups,
            Observed::Failed(failure) => return unreadable(ctx, failure),
            Observed::NotGathered(why) => {
                return Outcome::warn(
                    format!("target health unknown: {}", words(why)),
                    "Give xks-preflight read access to the load balancer so that it can see the proxy targets.",
                )
            }
        };
        for group in target_groups {
            groups += 1;
            let targets = match &group.targets {
                Observed::Failed(failure) => return unreadable(ctx, failure),
                other => need!(ctx.aws(other)),
            };
            for target in targets {
                let label = format!(
                    "{}:{}",
                    target.id.as_deref().unwrap_or("?"),
                    target.port.map(|p| p.to_string()).unwrap_or("?".into())
                );
                match target.state.as_deref() {
                    Some("healthy") => healthy.push(label),
                    state => unhealthy.push(format!(
                        "{label} {}{}",
                        state.unwrap_or("unknown"),
                        target.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
                    )),
                }
            }
        }
    }
    if groups == 0 {
        return Outcome::blocked(CheckId::VpcNlbListener, "no target group behind a listener on 443");
    }
    let remedy = "Make the proxy answer the target group's health check on every target, and check the security \
                  groups and routes between the load balancer and the proxy hosts.";
    match (healthy.is_empty(), unhealthy.is_empty()) {
        (true, true) => Outcome::fail("no targets are registered behind the 443 listener", remedy),
        (true, false) => Outcome::fail(format!("no healthy target: {}", unhealthy.join(", ")), remedy),
        (false, false) => Outcome::warn(
            format!(
                "{} healthy ({}), {} not: {}",
                healthy.len(),
                list(&healthy),
                unhealthy.len(),
                unhealthy.join(", ")
            ),
            remedy,
        ),
        (false, true) => Outcome::pass(format!("{} healthy: {}", healthy.len(), list(&healthy))),
    }
}

/// Target health is advisory: a refused read warns (naming the action) rather than stopping the run.
fn unreadable(ctx: &Ctx, failure: &CallFailure) -> Outcome {
    let error = aws_call::outcome(failure, ctx.facts.role_arn.as_deref());
    Outcome { status: Status::Warn, ..error }
}

pub(super) fn acceptance_required(ctx: &Ctx) -> Outcome {
    let view = need!(view(ctx));
    let id = match &view {
        View::Owner(service) => service.service_id.clone(),
        View::Consumer(detail) => detail.service_id.clone().unwrap_or_else(|| "SERVICE_ID".into()),
    };
    // A service not created yet is fixed where it is declared, not with a command.
    let remedy = match &need!(vpc_facts(ctx)).1.planned {
        Some(address) => (
            format!(
                "Declare {address} without acceptance: acceptance_required = false (Terraform), AcceptanceRequired: \
                 false (CloudFormation), acceptanceRequired: false (the CDK's VpcEndpointService, whose default is \
                 true)."
            ),
            None,
        ),
        None => (
            "Turn acceptance off:".to_string(),
            Some(ctx.aws_command(&format!(
                "ec2 modify-vpc-endpoint-service-configuration --service-id {id} --no-acceptance-required"
            ))),
        ),
    };
    match view.acceptance_required() {
        Some(false) => Outcome::pass("AcceptanceRequired is false"),
        Some(true) => Outcome::fail(
            "AcceptanceRequired is true: KMS's endpoint connection would wait for a manual acceptance",
            remedy.0,
        )
        .run(remedy.1),
        None => Outcome::warn(
            "the service does not report AcceptanceRequired",
            "Check in the VPC console that acceptance is not required.",
        ),
    }
}

pub(super) fn allowed_principal(ctx: &Ctx) -> Outcome {
    let (service, vpc) = need!(owner_view(ctx).and_then(|(service, _)| Ok((service, vpc_facts(ctx)?.1))));
    let permissions = need!(ctx.aws(&vpc.permissions));
    let expected = format!("cks.kms.{}.amazonaws.com", ctx.facts.region);
    let principals: Vec<String> = permissions.iter().filter_map(|p| p.principal.clone()).collect();
    let has = |wanted: &str| principals.iter().any(|p| p.eq_ignore_ascii_case(wanted));
    let permissions_command = |change: &str| {
        ctx.aws_command(&format!(
            "ec2 modify-vpc-endpoint-service-permissions --service-id {} {change}",
            service.service_id
        ))
    };
    // A service not created yet is fixed where it is declared: prose, no command.
    let (allow, add, remove) = match &vpc.planned {
        Some(address) => (
            format!(
                "Allow {expected} on {address}: an aws_vpc_endpoint_service_allowed_principal (Terraform) or the \
                 AllowedPrincipals of an AWS::EC2::VPCEndpointServicePermissions (CloudFormation)."
            ),
            None,
            None,
        ),
        None => (
            "Allow KMS's principal:".to_string(),
            Some(permissions_command(&format!("--add-allowed-principals {expected}"))),
            Some(permissions_command("--remove-allowed-principals '*'")),
        ),
    };
    if has("*") {
        return Outcome::warn(
            format!(
                "the allowed principals ({}) include *: KMS may connect, and so may every AWS account",
                list(&principals)
            ),
            match add {
                Some(_) => "Replace * with KMS's principal: add it, then remove *:".to_string(),
                None => format!("Replace * with KMS's principal. {allow} Then remove * there."),
            },
        )
        .run(add.into_iter().chain(remove));
    }
    if has(&expected) {
        return Outcome::pass(format!("{expected} is allowed"));
    }
    let other_regions: Vec<String> = principals.iter().filter(|p| p.starts_with("cks.kms.")).cloned().collect();
    let hint = if other_regions.is_empty() {
        String::new()
    } else {
        format!(" ({} is KMS of another Region)", list(&other_regions))
    };
    Outcome::fail(format!("{expected} is not among the allowed principals: {}{hint}", list(&principals)), allow)
        .run(add)
}

pub(super) fn private_dns_name(ctx: &Ctx) -> Outcome {
    let view = need!(view(ctx));
    let Some(name) = view.private_dns_name() else {
        return Outcome::fail(
            "the service has no private DNS name",
            "Give the service a private DNS name under a public domain you own (e.g. xks-proxy.example.com) \
             and make the store's endpoint https://<that name>.",
        );
    };
    let settings = need!(ctx.settings());
    match (settings.endpoint_host(), settings.uri_endpoint.as_deref()) {
        (Some(host), _) if host.eq_ignore_ascii_case(name) => Outcome::pass(format!("{name}, the endpoint's host")),
        (_, Some(endpoint)) => Outcome::fail(
            format!("the private DNS name is {name}, but the store's endpoint is {endpoint}"),
            format!("Set the store's proxy URI endpoint to https://{name}, or change the service's private DNS name."),
        ),
        (_, None) => Outcome::skipped(format!("no proxy URI endpoint given (--endpoint); it must be https://{name}")),
    }
}

pub(super) fn private_dns_verified(ctx: &Ctx) -> Outcome {
    let view = need!(view(ctx));
    let Some(name) = view.private_dns_name() else {
        return Outcome::blocked(CheckId::VpcPrivateDnsName, "no private DNS name");
    };
    need!(after_apply(ctx));
    let (state, record) = match &view {
        View::Owner(service) => (
            service.private_dns_verification.as_ref().and_then(|v| v.state.as_deref()),
            service.private_dns_verification.as_ref(),
        ),
        View::Consumer(detail) => (detail.private_dns_verification_state.as_deref(), None),
    };
    let publish = match record {
        Some(DnsVerificationFacts { record_name: Some(record), record_value: Some(value), record_type, .. }) => {
            let parent = name.split_once('.').map(|(_, parent)| parent).unwrap_or(name);
            format!(
                "Publish a {} record named {record}.{parent} (or {record} at a higher public domain) with the value \
                 {value} in public DNS, then start the verification again.",
                record_type.as_deref().unwrap_or("TXT")
            )
        }
        _ => "Publish the verification TXT record that the VPC console shows for the service in public DNS, then \
              start the verification again."
            .to_string(),
    };
    let service_id = match &view {
        View::Owner(service) => service.service_id.clone(),
        View::Consumer(detail) => detail.service_id.clone().unwrap_or_else(|| "SERVICE_ID".into()),
    };
    let verify =
        [ctx.aws_command(&format!(
            "ec2 start-vpc-endpoint-service-private-dns-verification --service-id {service_id}"
        ))];
    match state {
        Some("verified") => Outcome::pass(format!("the domain of {name} is verified")),
        Some("pendingVerification") => Outcome::fail(
            format!("the domain of {name} is pendingVerification: AWS has not yet found its TXT record"),
            publish,
        )
        .run(verify),
        Some("failed") => Outcome::fail(
            format!("the verification of {name}'s domain failed"),
            format!("{publish} The name must lie under a public domain with public name servers."),
        )
        .run(verify),
        Some(other) => {
            Outcome::fail(format!("the domain of {name} has verification state {other}"), publish).run(verify)
        }
        None => Outcome::warn(
            format!("EC2 does not report the verification state of {name}'s domain"),
            "Check the domain verification status of the endpoint service in the owner account's VPC console.",
        ),
    }
}

pub(super) fn ip_address_type(ctx: &Ctx) -> Outcome {
    let view = need!(view(ctx));
    let types = view.supported_ip_address_types();
    if types.is_empty() {
        Outcome::pass("no IP address types reported: such a service is IPv4-only")
    } else if types.iter().any(|t| t == "ipv4") {
        Outcome::pass(format!("supports {}", list(types)))
    } else {
        Outcome::fail(
            format!("supports only {}", list(types)),
            "Add IPv4 to the service's supported IP address types; KMS does not connect over IPv6.",
        )
    }
}
