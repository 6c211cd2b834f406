//! `dns.*`: what the resolver says of the endpoint and, for a VPC store, of its private DNS name's domain.

use super::context::Ctx;
use super::gates::{missing, network};
use super::outcome::{need, Outcome};
use super::text::{list, quote};
use crate::catalogue::CheckId;
use crate::facts::{Observed, Probed};

pub(super) fn resolves(ctx: &Ctx) -> Outcome {
    let net = need!(network(ctx));
    let is_vpc = ctx.settings.as_ref().is_some_and(|s| s.is_vpc());
    let answer = match &net.ipv4 {
        Probed::Seen(answer) => answer,
        Probed::Failed(failure) => {
            return Outcome::error(
                format!("{} failed through resolver {}: {}", failure.step, net.resolver, quote(&failure.message)),
                "Check that this host can reach its resolver, or name one with --dns-server.",
            )
        }
        Probed::NotGathered(why) => return missing(why),
    };
    let host = &net.host;
    if !answer.addresses.is_empty() {
        return Outcome::pass(format!(
            "{host} → {} (resolver {}, {:.1} ms)",
            list(&answer.addresses),
            net.resolver,
            answer.duration_ms
        ));
    }
    if is_vpc {
        return Outcome::skipped(format!(
            "{host} has no IPv4 address from resolver {}: KMS resolves a VPC store's private DNS name inside its \
             own VPC, through the endpoint it creates; run from inside the VPC to check this",
            net.resolver
        ));
    }
    let ipv6 = net.ipv6.seen().map(|a| a.addresses.clone()).unwrap_or_default();
    if !ipv6.is_empty() {
        return Outcome::fail(
            format!("{host} has only IPv6 addresses ({}); KMS connects to external key stores over IPv4", list(&ipv6)),
            format!("Publish an A record for {host}."),
        );
    }
    let what = if answer.name_exists { "has no A record" } else { "does not exist (NXDOMAIN)" };
    Outcome::fail(
        format!("{host} {what} according to resolver {}", net.resolver),
        format!("Publish an A record for {host} in public DNS, pointing at the proxy or its load balancer."),
    )
}

fn only_vpc(ctx: &Ctx) -> Result<(), Outcome> {
    if ctx.settings()?.is_vpc() {
        Ok(())
    } else {
        Err(Outcome::skipped("public endpoint connectivity: there is no private DNS name"))
    }
}

pub(super) fn public_parent(ctx: &Ctx) -> Outcome {
    need!(only_vpc(ctx));
    let net = need!(network(ctx));
    let Some(parents) = &net.parent_domains else {
        return Outcome::skipped("the parent domains were not looked up");
    };
    if parents.is_empty() {
        return Outcome::fail(
            format!("{} has no parent domain to verify it under", net.host),
            "Use a private DNS name under a public domain you own, e.g. xks-proxy.example.com.",
        );
    }
    for parent in parents {
        if let Probed::Seen(servers) = &parent.name_servers {
            if !servers.is_empty() {
                return Outcome::pass(format!(
                    "{} lies under {}, served by {} (resolver {})",
                    net.host,
                    parent.domain,
                    list(servers),
                    net.resolver
                ));
            }
        }
    }
    let failures: Vec<String> = parents
        .iter()
        .filter_map(|p| match &p.name_servers {
            Probed::Failed(failure) => Some(format!("{}: {}", p.domain, failure.message)),
            _ => None,
        })
        .collect();
    if failures.len() == parents.len() {
        return Outcome::error(
            format!("no NS lookup answered through resolver {}: {}", net.resolver, failures.join("; ")),
            "Check that this host can reach its resolver, or name one with --dns-server.",
        );
    }
    let domains: Vec<String> = parents.iter().map(|p| p.domain.clone()).collect();
    Outcome::fail(
        format!("none of {} has name servers according to resolver {}", list(&domains), net.resolver),
        "A private DNS name can be verified only under a public domain: choose a name under a domain you own \
         whose name servers answer on the internet.",
    )
}

pub(super) fn verification_txt(ctx: &Ctx) -> Outcome {
    need!(only_vpc(ctx));
    let net = need!(network(ctx));
    let Some(txt) = &net.verification_txt else {
        let not_found = ctx.target.vpc.as_ref().is_some_and(|vpc| vpc.provider_view == Observed::Seen(None));
        let why = "EC2 did not give the domain verification record (it needs the owner's view of the service)";
        return if not_found { Outcome::blocked(CheckId::VpcServiceFound, why) } else { Outcome::skipped(why) };
    };
    let expected = &txt.expected_value;
    let records: Vec<String> = txt.lookups.iter().map(|l| l.record.clone()).collect();
    let mut wrong = Vec::new();
    let mut failed = Vec::new();
    for lookup in &txt.lookups {
        match &lookup.values {
            Probed::Seen(values) if values.iter().any(|v| v == expected) => {
                return Outcome::pass(format!("TXT {} = \"{expected}\"", lookup.record))
            }
            Probed::Seen(values) if !values.is_empty() => wrong.push(format!(
                "{} holds {}",
                lookup.record,
                list(&values.iter().map(|v| format!("\"{}\"", quote(v))).collect::<Vec<_>>())
            )),
            Probed::Seen(_) | Probed::NotGathered(_) => {}
            Probed::Failed(failure) => failed.push(format!("{}: {}", lookup.record, quote(&failure.message))),
        }
    }
    if !failed.is_empty() && failed.len() == txt.lookups.len() {
        return Outcome::error(
            format!("no TXT lookup answered through resolver {}: {}", net.resolver, failed.join("; ")),
            "Check that this host can reach its resolver, or name one with --dns-server.",
        );
    }
    let publish = format!(
        "Publish a TXT record {} with the value \"{expected}\" in public DNS, then start the verification again.",
        records.first().cloned().unwrap_or_default()
    );
    let verified = ctx
        .target
        .vpc
        .as_ref()
        .and_then(|vpc| vpc.provider_view.seen().cloned().flatten())
        .is_some_and(|s| s.private_dns_verification.and_then(|v| v.state).as_deref() == Some("verified"));
    let seen = if wrong.is_empty() {
        format!("no TXT record \"{expected}\" at {}", list(&records))
    } else {
        format!("the verification value \"{expected}\" is missing: {}", wrong.join("; "))
    };
    if verified {
        Outcome::warn(format!("{seen}; the domain is verified, but could not be verified again"), publish)
    } else {
        Outcome::fail(seen, publish)
    }
}
