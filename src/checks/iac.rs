//! `iac.*`: what only a Terraform plan or a CloudFormation template shows. The planned settings and the
//! planned endpoint service are judged by the `config.*` and `vpc.*` checks like any other.

use super::context::Ctx;
use super::gates::missing;
use super::outcome::{need, Outcome};
use super::text::list;
use crate::facts::*;

const NOT_IAC: &str = "not from a Terraform plan or a CloudFormation template";

fn iac<'a>(ctx: &'a Ctx) -> Result<&'a IacFacts, Outcome> {
    ctx.target.iac.as_ref().ok_or_else(|| Outcome::skipped(NOT_IAC))
}

fn terraform<'a>(ctx: &'a Ctx) -> Result<&'a IacFacts, Outcome> {
    let iac = iac(ctx)?;
    match iac.tool {
        IacTool::Terraform => Ok(iac),
        IacTool::CloudFormation => Err(Outcome::skipped("a CloudFormation template creates no custom key store")),
    }
}

pub(super) fn store_connected(ctx: &Ctx) -> Outcome {
    let iac = need!(terraform(ctx));
    let address = &iac.address;
    match (iac.action, &iac.connected_by) {
        (_, Some(by)) => Outcome::pass(format!("{by} connects {address} after it is created")),
        (Some(PlanAction::Update), None) => {
            Outcome::pass(format!("{address} is updated in place: it exists, and keeps its connection state"))
        }
        _ => Outcome::warn(
            format!(
                "{address} is created DISCONNECTED and nothing in the plan connects it: its KMS keys stay \
                 unusable until it is"
            ),
            format!(
                "After terraform apply, connect the store with the command below (STORE_ID is the ID apply gives \
                 {address}), or add a terraform_data resource whose local-exec provisioner runs it."
            ),
        )
        .run([ctx.aws_command("kms connect-custom-key-store --custom-key-store-id STORE_ID")]),
    }
}

pub(super) fn secret_in_plan(ctx: &Ctx) -> Outcome {
    let iac = need!(terraform(ctx));
    if iac.secret_in_clear.is_empty() {
        return Outcome::pass(format!("{} holds no proxy secret in clear (value not shown)", iac.file));
    }
    Outcome::warn(
        format!("{} holds the proxy secret in clear at {} (value not shown)", iac.file, list(&iac.secret_in_clear)),
        "Treat the plan file and the Terraform state as secrets: never attach them to a pull request or a CI \
         artifact, keep the state encrypted, and rotate the credential if either has leaked.",
    )
}

pub(super) fn service_resolved(ctx: &Ctx) -> Outcome {
    let iac = need!(iac(ctx));
    let settings = need!(ctx.settings());
    if !settings.is_vpc() {
        return Outcome::skipped("PUBLIC_ENDPOINT connectivity: no VPC endpoint service");
    }
    if let Some(service) = &iac.service {
        if iac.unresolved.is_empty() {
            return Outcome::pass(format!("{service} is declared in {}", iac.file));
        }
        return Outcome::warn(
            format!(
                "{service} is declared in {}, but not every value could be worked out: {}",
                iac.file,
                iac.unresolved.join("; ")
            ),
            "Give the parameters defaults, or check these values by hand: only Ref, Fn::GetAtt, Fn::Sub, Fn::Join \
             and Fn::Select are worked out, and what exists only once the stack is deployed cannot be.",
        );
    }
    let Some(name) = settings.vpc_endpoint_service_name.as_deref() else {
        return Outcome::fail(
            format!("{} names no VPC endpoint service that {} declares or that exists already", iac.address, iac.file),
            "Point xks_proxy_vpc_endpoint_service_name at an aws_vpc_endpoint_service of the same configuration, \
             or at the name of a service that exists (com.amazonaws.vpce.<region>.vpce-svc-…).",
        );
    };
    let Some(vpc) = &ctx.target.vpc else { return Outcome::skipped("no VPC facts were gathered") };
    match (&vpc.provider_view, &vpc.consumer_view) {
        (Observed::Seen(Some(_)), _) | (_, Observed::Seen(Some(_))) => Outcome::pass(format!("{name} exists in AWS")),
        (Observed::Seen(None), Observed::Seen(None)) => Outcome::fail(
            format!("{name} is neither declared in {} nor found in AWS in {}", iac.file, ctx.facts.region),
            "Create the service in the same configuration, or correct the name: KMS answers \
             XksProxyVpcEndpointServiceNotFoundException for a service it cannot find.",
        ),
        (Observed::Failed(failure), _) | (_, Observed::Failed(failure)) => {
            super::aws_call::outcome(failure, ctx.facts.role_arn.as_deref())
        }
        (Observed::NotGathered(why), _) | (_, Observed::NotGathered(why)) => missing(why),
    }
}

pub(super) fn key_settings(ctx: &Ctx) -> Outcome {
    let iac = need!(terraform(ctx));
    if iac.keys.is_empty() {
        return Outcome::skipped(format!("no aws_kms_key of {} uses {}", iac.file, iac.address));
    }
    let mut problems = Vec::new();
    let mut unknown = Vec::new();
    for key in &iac.keys {
        let address = &key.address;
        unknown.extend(key.known_after_apply.iter().map(|a| format!("{address}.{a}")));
        match key.key_usage.as_deref() {
            None | Some("ENCRYPT_DECRYPT") => {}
            Some(other) => problems.push(format!("{address} has key_usage {other}")),
        }
        match key.key_spec.as_deref() {
            None | Some("SYMMETRIC_DEFAULT") => {}
            Some(other) => problems.push(format!("{address} has customer_master_key_spec {other}")),
        }
        if key.multi_region == Some(true) {
            problems.push(format!("{address} is multi-Region"));
        }
        match key.xks_key_id.as_deref() {
            Some(id) if is_xks_key_id(id) => {}
            Some(id) => problems.push(format!("{address} has xks_key_id '{id}'")),
            None if key.known_after_apply.iter().any(|a| a == "xks_key_id") => {}
            None => problems.push(format!("{address} has no xks_key_id")),
        }
    }
    if !problems.is_empty() {
        return Outcome::fail(
            problems.join("; "),
            "A key in an external key store is symmetric (customer_master_key_spec SYMMETRIC_DEFAULT, key_usage \
             ENCRYPT_DECRYPT), single-Region, and names its external key with an xks_key_id of 1 to 128 letters, \
             digits, '-', '_' or '.'.",
        );
    }
    let addresses: Vec<String> = iac.keys.iter().map(|k| k.address.clone()).collect();
    if unknown.is_empty() {
        Outcome::pass(format!("{}: symmetric, single-Region, valid xks_key_id", list(&addresses)))
    } else {
        Outcome::pass(format!(
            "{}: symmetric, single-Region; known only after apply: {}",
            list(&addresses),
            list(&unknown)
        ))
    }
}

/// The external key ID form KMS takes: 1 to 128 of letters, digits, '-', '_' and '.'.
fn is_xks_key_id(id: &str) -> bool {
    (1..=128).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}
