//! A VPC endpoint service as a plan or template declares it, and the VPC facts the `vpc.*` checks read.
//! What AWS decides only once the service exists (its state, its name, target health, the routes of
//! its subnets) is left out, with the reason. A load balancer named by ARN exists already: gathering
//! reads it from AWS ([`crate::gather`]), as for any service.

use std::collections::BTreeSet;

use crate::facts::*;

#[derive(Debug, Default)]
pub struct PlannedService {
    pub address: String,
    pub acceptance_required: Option<bool>,
    pub private_dns_name: Option<String>,
    pub ip_address_types: Vec<String>,
    pub network_lbs: Vec<PlannedLb>,
    pub gateway_lbs: Vec<PlannedLb>,
    /// Load balancers the service names by ARN, which exist already: read from AWS, not from the file.
    pub existing_network_lbs: Vec<String>,
    pub existing_gateway_lbs: Vec<String>,
    pub principals: Vec<String>,
}

#[derive(Debug, Default)]
pub struct PlannedLb {
    pub address: String,
    pub name: Option<String>,
    pub lb_type: Option<String>,
    pub internal: Option<bool>,
    /// Each subnet by its address, with its Availability Zone when the file says it.
    pub subnets: Vec<(String, Option<String>)>,
    pub listeners: Vec<ListenerFacts>,
}

impl PlannedService {
    pub fn vpc_facts(&self) -> VpcFacts {
        let lbs = self.network_lbs.iter().chain(&self.gateway_lbs);
        let zones: BTreeSet<String> = lbs.clone().flat_map(|lb| &lb.subnets).filter_map(|(_, z)| z.clone()).collect();
        // AWS gives a service the type of its load balancers: interface for network, gateway for gateway.
        let mut service_types = Vec::new();
        if !self.network_lbs.is_empty() || !self.existing_network_lbs.is_empty() {
            service_types.push("Interface".to_string());
        }
        if !self.gateway_lbs.is_empty() || !self.existing_gateway_lbs.is_empty() {
            service_types.push("GatewayLoadBalancer".to_string());
        }
        let after_apply = |address: &str| Why::KnownAfterApply { address: address.to_string() };
        // The declared ones by address, then the existing ones by ARN: gathering reads those from AWS.
        let addresses = |lbs: &[PlannedLb], existing: &[String]| -> Vec<String> {
            lbs.iter().map(|lb| lb.address.clone()).chain(existing.iter().cloned()).collect()
        };
        VpcFacts {
            provider_view: Observed::Seen(Some(ServiceConfigFacts {
                service_id: self.address.clone(),
                service_name: None,
                service_types,
                service_state: None,
                availability_zones: zones.into_iter().collect(),
                acceptance_required: self.acceptance_required,
                network_load_balancer_arns: addresses(&self.network_lbs, &self.existing_network_lbs),
                gateway_load_balancer_arns: addresses(&self.gateway_lbs, &self.existing_gateway_lbs),
                supported_ip_address_types: self.ip_address_types.clone(),
                private_dns_name: self.private_dns_name.clone(),
                private_dns_verification: None,
            })),
            consumer_view: Observed::NotGathered(Why::OwnerViewRead),
            permissions: Observed::Seen(
                self.principals
                    .iter()
                    .map(|p| AllowedPrincipalFacts { principal: Some(p.clone()), principal_type: None })
                    .collect(),
            ),
            load_balancers: Observed::Seen(
                lbs.map(|lb| LoadBalancerFacts {
                    arn: lb.address.clone(),
                    name: Some(lb.name.clone().unwrap_or_else(|| lb.address.clone())),
                    lb_type: lb.lb_type.clone(),
                    scheme: lb.internal.map(|internal| if internal { "internal" } else { "internet-facing" }.into()),
                    vpc_id: None,
                    zones: lb
                        .subnets
                        .iter()
                        .map(|(subnet, zone)| ZoneFacts { zone: zone.clone(), subnet_id: Some(subnet.clone()) })
                        .collect(),
                    subnet_routes: Observed::NotGathered(after_apply(&lb.address)),
                    listeners: Observed::Seen(lb.listeners.clone()),
                    target_groups: Observed::NotGathered(after_apply(&lb.address)),
                })
                .collect(),
            ),
            planned: Some(self.address.clone()),
        }
    }
}
