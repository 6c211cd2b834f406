//! The VPC endpoint service behind a store, and the load balancer behind the service.

use std::collections::BTreeSet;

use aws_sdk_ec2::types::{Filter, RouteTable, ServiceConfiguration, ServiceDetail};
use aws_sdk_elasticloadbalancingv2::types::LoadBalancer;

use super::aws::{call_failure, error_code, Clients};
use crate::aws_names::ServiceName;
use crate::facts::*;

/// Bounded: a token that never ends is a broken endpoint.
const MAX_PAGES: usize = 1000;

pub async fn gather(clients: &Clients, settings: &Settings) -> VpcFacts {
    let Some(name) = settings.vpc_endpoint_service_name.as_deref() else {
        return VpcFacts::not_gathered(Why::Needs { fact: Fact::ServiceName });
    };
    let Ok(parsed) = ServiceName::parse(name) else {
        return VpcFacts::not_gathered(Why::Needs { fact: Fact::ServiceName });
    };

    let provider_view = provider_view(&clients.ec2, &parsed.service_id, name).await;
    let consumer_view = match &provider_view {
        Observed::Seen(Some(_)) => Observed::NotGathered(Why::OwnerViewRead),
        _ => consumer_view(&clients.ec2, name).await,
    };
    let (permissions, load_balancers) = match provider_view.seen() {
        Some(Some(service)) => {
            tokio::join!(permissions(&clients.ec2, &service.service_id), load_balancers(clients, service))
        }
        Some(None) => (Observed::NotGathered(Why::OwnerOnly), Observed::NotGathered(Why::OwnerOnly)),
        None => {
            let why = Why::Needs { fact: Fact::ServiceConfiguration };
            (Observed::NotGathered(why.clone()), Observed::NotGathered(why))
        }
    };
    VpcFacts { provider_view, consumer_view, permissions, load_balancers, planned: None }
}

/// Looked up by ID, the last label of the name; a service with that ID but another name (the same ID
/// under another Region's name) is not the one configured.
async fn provider_view(
    ec2: &aws_sdk_ec2::Client,
    service_id: &str,
    name: &str,
) -> Observed<Option<ServiceConfigFacts>> {
    // Followed over pages: AWS may answer a filtered listing with an empty page and a token to the next.
    let mut pages = ec2.describe_vpc_endpoint_service_configurations().service_ids(service_id).into_paginator().send();
    let mut found = None;
    for _ in 0..MAX_PAGES {
        match pages.next().await {
            None => return Observed::Seen(found),
            Some(Ok(page)) => {
                let ours = page
                    .service_configurations()
                    .iter()
                    .find(|s| s.service_id() == Some(service_id) && s.service_name() == Some(name));
                found = found.or(ours.map(service_config_facts));
            }
            Some(Err(error)) if error_code(&error).is_some_and(|c| c.starts_with("InvalidVpcEndpointServiceId")) => {
                return Observed::Seen(None)
            }
            Some(Err(error)) => {
                return Observed::Failed(call_failure("ec2:DescribeVpcEndpointServiceConfigurations", &error))
            }
        }
    }
    Observed::NotGathered(Why::EndlessPages { action: "ec2:DescribeVpcEndpointServiceConfigurations".into() })
}

fn service_config_facts(s: &ServiceConfiguration) -> ServiceConfigFacts {
    ServiceConfigFacts {
        service_id: s.service_id().unwrap_or_default().to_string(),
        service_name: s.service_name().map(str::to_string),
        service_types: s
            .service_type()
            .iter()
            .filter_map(|t| t.service_type())
            .map(|t| t.as_str().to_string())
            .collect(),
        service_state: s.service_state().map(|s| s.as_str().to_string()),
        availability_zones: s.availability_zones().to_vec(),
        acceptance_required: s.acceptance_required(),
        network_load_balancer_arns: s.network_load_balancer_arns().to_vec(),
        gateway_load_balancer_arns: s.gateway_load_balancer_arns().to_vec(),
        supported_ip_address_types: s.supported_ip_address_types().iter().map(|t| t.as_str().to_string()).collect(),
        private_dns_name: s.private_dns_name().map(str::to_string),
        // An empty element (every field absent) means no name is configured.
        private_dns_verification: s
            .private_dns_name_configuration()
            .filter(|c| c.state().is_some() || c.name().is_some() || c.value().is_some())
            .map(|c| DnsVerificationFacts {
                state: c.state().map(|s| s.as_str().to_string()),
                record_type: c.r#type().map(str::to_string),
                record_name: c.name().map(str::to_string),
                record_value: c.value().map(str::to_string),
            }),
    }
}

async fn consumer_view(ec2: &aws_sdk_ec2::Client, name: &str) -> Observed<Option<ServiceDetailFacts>> {
    match ec2.describe_vpc_endpoint_services().service_names(name).send().await {
        Ok(output) => Observed::Seen(
            output.service_details().iter().find(|d| d.service_name() == Some(name)).map(service_detail_facts),
        ),
        Err(error) if error_code(&error) == Some("InvalidServiceName") => Observed::Seen(None),
        Err(error) => Observed::Failed(call_failure("ec2:DescribeVpcEndpointServices", &error)),
    }
}

fn service_detail_facts(d: &ServiceDetail) -> ServiceDetailFacts {
    ServiceDetailFacts {
        service_id: d.service_id().map(str::to_string),
        service_name: d.service_name().map(str::to_string),
        owner: d.owner().map(str::to_string),
        service_types: d
            .service_type()
            .iter()
            .filter_map(|t| t.service_type())
            .map(|t| t.as_str().to_string())
            .collect(),
        availability_zones: d.availability_zones().to_vec(),
        acceptance_required: d.acceptance_required(),
        supported_ip_address_types: d.supported_ip_address_types().iter().map(|t| t.as_str().to_string()).collect(),
        private_dns_name: d.private_dns_name().map(str::to_string),
        private_dns_verification_state: d.private_dns_name_verification_state().map(|s| s.as_str().to_string()),
    }
}

async fn permissions(ec2: &aws_sdk_ec2::Client, service_id: &str) -> Observed<Vec<AllowedPrincipalFacts>> {
    let mut principals = Vec::new();
    let mut token: Option<String> = None;
    for _page in 0..MAX_PAGES {
        let answer = ec2
            .describe_vpc_endpoint_service_permissions()
            .service_id(service_id)
            .set_next_token(token.take())
            .send()
            .await;
        let page = match answer {
            Ok(page) => page,
            Err(error) => return Observed::Failed(call_failure("ec2:DescribeVpcEndpointServicePermissions", &error)),
        };
        principals.extend(page.allowed_principals().iter().map(|p| AllowedPrincipalFacts {
            principal: p.principal().map(str::to_string),
            principal_type: p.principal_type().map(|t| t.as_str().to_string()),
        }));
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => return Observed::Seen(principals),
        }
    }
    Observed::NotGathered(Why::EndlessPages { action: "ec2:DescribeVpcEndpointServicePermissions".into() })
}

/// A service a plan or template declares, with the load balancers it names by ARN (they exist already)
/// read from AWS beside the ones it declares; without AWS, the reason they were not read.
pub async fn with_existing_load_balancers(
    clients: &Clients,
    mut planned: VpcFacts,
    aws_skipped: Option<Why>,
) -> VpcFacts {
    let (Observed::Seen(Some(service)), Observed::Seen(declared)) = (&planned.provider_view, &planned.load_balancers)
    else {
        return planned;
    };
    let existing: Vec<String> = service
        .network_load_balancer_arns
        .iter()
        .chain(&service.gateway_load_balancer_arns)
        .filter(|arn| !declared.iter().any(|lb| &lb.arn == *arn))
        .cloned()
        .collect();
    if existing.is_empty() {
        return planned;
    }
    let declared = declared.clone();
    planned.load_balancers = match aws_skipped {
        Some(why) => Observed::NotGathered(why),
        None => match described(clients, existing).await {
            Observed::Seen(read) => Observed::Seen(declared.into_iter().chain(read).collect()),
            other => other,
        },
    };
    planned
}

async fn load_balancers(clients: &Clients, service: &ServiceConfigFacts) -> Observed<Vec<LoadBalancerFacts>> {
    let arns: Vec<String> =
        service.network_load_balancer_arns.iter().chain(&service.gateway_load_balancer_arns).cloned().collect();
    described(clients, arns).await
}

/// The load balancers of `arns`, with their listeners, target health and subnet routes.
async fn described(clients: &Clients, arns: Vec<String>) -> Observed<Vec<LoadBalancerFacts>> {
    if arns.is_empty() {
        return Observed::Seen(Vec::new());
    }
    let answer = clients.elb.describe_load_balancers().set_load_balancer_arns(Some(arns)).send().await;
    let described = match answer {
        Ok(output) => output.load_balancers().to_vec(),
        Err(error) => return Observed::Failed(call_failure("elasticloadbalancing:DescribeLoadBalancers", &error)),
    };
    let mut tasks = tokio::task::JoinSet::new();
    for (index, lb) in described.into_iter().enumerate() {
        let clients = clients.clone();
        tasks.spawn(async move { (index, load_balancer_facts(&clients, &lb).await) });
    }
    let mut facts: Vec<(usize, LoadBalancerFacts)> = tasks.join_all().await;
    facts.sort_by_key(|(index, _)| *index);
    Observed::Seen(facts.into_iter().map(|(_, lb)| lb).collect())
}

async fn load_balancer_facts(clients: &Clients, lb: &LoadBalancer) -> LoadBalancerFacts {
    let arn = lb.load_balancer_arn().unwrap_or_default().to_string();
    let zones: Vec<ZoneFacts> = lb
        .availability_zones()
        .iter()
        .map(|z| ZoneFacts { zone: z.zone_name().map(str::to_string), subnet_id: z.subnet_id().map(str::to_string) })
        .collect();
    let subnets: Vec<String> = zones.iter().filter_map(|z| z.subnet_id.clone()).collect();
    let vpc_id = lb.vpc_id().map(str::to_string);
    let (subnet_routes, (listeners, target_groups)) =
        tokio::join!(subnet_routes(&clients.ec2, vpc_id.as_deref(), &subnets), listeners_and_targets(clients, &arn));
    LoadBalancerFacts {
        name: lb.load_balancer_name().map(str::to_string),
        lb_type: lb.r#type().map(|t| t.as_str().to_string()),
        scheme: lb.scheme().map(|s| s.as_str().to_string()),
        vpc_id,
        zones,
        subnet_routes,
        listeners,
        target_groups,
        arn,
    }
}

/// The route table of each subnet: its own association, or else the VPC's main table.
async fn subnet_routes(
    ec2: &aws_sdk_ec2::Client,
    vpc_id: Option<&str>,
    subnets: &[String],
) -> Observed<Vec<SubnetRouteFacts>> {
    if subnets.is_empty() {
        return Observed::Seen(Vec::new());
    }
    let associated = ec2
        .describe_route_tables()
        .filters(Filter::builder().name("association.subnet-id").set_values(Some(subnets.to_vec())).build())
        .send()
        .await;
    let associated = match associated {
        Ok(output) => output.route_tables().to_vec(),
        Err(error) => return Observed::Failed(call_failure("ec2:DescribeRouteTables", &error)),
    };
    let table_of = |subnet: &str| {
        associated.iter().find(|t| t.associations().iter().any(|a| a.subnet_id() == Some(subnet))).cloned()
    };
    let mut main: Option<RouteTable> = None;
    if subnets.iter().any(|s| table_of(s).is_none()) {
        let Some(vpc_id) = vpc_id else {
            return Observed::NotGathered(Why::Needs { fact: Fact::LoadBalancerVpc });
        };
        let answer = ec2
            .describe_route_tables()
            .filters(Filter::builder().name("vpc-id").values(vpc_id).build())
            .filters(Filter::builder().name("association.main").values("true").build())
            .send()
            .await;
        match answer {
            Ok(output) => main = output.route_tables().first().cloned(),
            Err(error) => return Observed::Failed(call_failure("ec2:DescribeRouteTables", &error)),
        }
    }
    Observed::Seen(
        subnets
            .iter()
            .map(|subnet| {
                let own = table_of(subnet);
                let via_main_table = own.is_none();
                let table = own.or_else(|| main.clone());
                SubnetRouteFacts {
                    subnet_id: subnet.clone(),
                    route_table_id: table.as_ref().and_then(|t| t.route_table_id()).map(str::to_string),
                    via_main_table,
                    internet_gateway_routes: table.as_ref().map(internet_gateway_routes).unwrap_or_default(),
                }
            })
            .collect(),
    )
}

fn internet_gateway_routes(table: &RouteTable) -> Vec<String> {
    table
        .routes()
        .iter()
        .filter_map(|route| {
            let gateway = route.gateway_id().filter(|g| g.starts_with("igw-"))?;
            let destination = route
                .destination_cidr_block()
                .or(route.destination_ipv6_cidr_block())
                .or(route.destination_prefix_list_id())
                .unwrap_or("?");
            Some(format!("{destination} -> {gateway}"))
        })
        .collect()
}

async fn listeners_and_targets(
    clients: &Clients,
    lb_arn: &str,
) -> (Observed<Vec<ListenerFacts>>, Observed<Vec<TargetGroupHealthFacts>>) {
    let listeners = match clients.elb.describe_listeners().load_balancer_arn(lb_arn).send().await {
        Ok(output) => output
            .listeners()
            .iter()
            .map(|l| ListenerFacts {
                port: l.port(),
                protocol: l.protocol().map(|p| p.as_str().to_string()),
                certificate_arns: l
                    .certificates()
                    .iter()
                    .filter_map(|c| c.certificate_arn())
                    .map(str::to_string)
                    .collect(),
                target_group_arns: l
                    .default_actions()
                    .iter()
                    .flat_map(|a| {
                        let forwarded = a.forward_config().map(|f| f.target_groups()).unwrap_or_default();
                        a.target_group_arn().into_iter().chain(forwarded.iter().filter_map(|t| t.target_group_arn()))
                    })
                    .map(str::to_string)
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
            })
            .collect::<Vec<_>>(),
        Err(error) => {
            let failure = call_failure("elasticloadbalancing:DescribeListeners", &error);
            return (Observed::Failed(failure), Observed::NotGathered(Why::Needs { fact: Fact::Listeners }));
        }
    };
    // Only what answers on 443 matters to KMS.
    let groups: BTreeSet<String> =
        listeners.iter().filter(|l| l.port == Some(443)).flat_map(|l| l.target_group_arns.clone()).collect();
    let mut tasks = tokio::task::JoinSet::new();
    for arn in groups {
        let elb = clients.elb.clone();
        tasks.spawn(async move {
            let targets = match elb.describe_target_health().target_group_arn(&arn).send().await {
                Ok(output) => Observed::Seen(
                    output
                        .target_health_descriptions()
                        .iter()
                        .map(|d| TargetHealthFacts {
                            id: d.target().and_then(|t| t.id()).map(str::to_string),
                            port: d.target().and_then(|t| t.port()),
                            state: d.target_health().and_then(|h| h.state()).map(|s| s.as_str().to_string()),
                            reason: d.target_health().and_then(|h| h.reason()).map(|r| r.as_str().to_string()),
                        })
                        .collect(),
                ),
                Err(error) => Observed::Failed(call_failure("elasticloadbalancing:DescribeTargetHealth", &error)),
            };
            TargetGroupHealthFacts { arn, targets }
        });
    }
    let mut target_groups = tasks.join_all().await;
    target_groups.sort_by(|a, b| a.arn.cmp(&b.arn));
    (Observed::Seen(listeners), Observed::Seen(target_groups))
}
