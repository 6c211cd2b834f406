use serde::{Deserialize, Serialize};

use super::{CallFailure, Observed, Why};

/// What EC2 and Elastic Load Balancing said about a store's VPC endpoint service.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VpcFacts {
    /// DescribeVpcEndpointServiceConfigurations: the owner's view (`None`: no such service of this account).
    pub provider_view: Observed<Option<ServiceConfigFacts>>,
    /// DescribeVpcEndpointServices: the consumer's view, read when the owner's view has nothing.
    pub consumer_view: Observed<Option<ServiceDetailFacts>>,
    pub permissions: Observed<Vec<AllowedPrincipalFacts>>,
    pub load_balancers: Observed<Vec<LoadBalancerFacts>>,
    /// The Terraform address or template logical ID of the service, when these facts were read from a
    /// plan or template rather than from AWS: what only exists after apply is then not in them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned: Option<String>,
}

impl VpcFacts {
    /// Every call failed the same way (the run's deadline cut them short, say).
    pub fn failed(failure: CallFailure) -> Self {
        VpcFacts {
            provider_view: Observed::Failed(failure.clone()),
            consumer_view: Observed::Failed(failure.clone()),
            permissions: Observed::Failed(failure.clone()),
            load_balancers: Observed::Failed(failure),
            planned: None,
        }
    }

    pub fn not_gathered(why: Why) -> Self {
        VpcFacts {
            provider_view: Observed::NotGathered(why.clone()),
            consumer_view: Observed::NotGathered(why.clone()),
            permissions: Observed::NotGathered(why.clone()),
            load_balancers: Observed::NotGathered(why),
            planned: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServiceConfigFacts {
    pub service_id: String,
    pub service_name: Option<String>,
    pub service_types: Vec<String>,
    pub service_state: Option<String>,
    pub availability_zones: Vec<String>,
    pub acceptance_required: Option<bool>,
    pub network_load_balancer_arns: Vec<String>,
    pub gateway_load_balancer_arns: Vec<String>,
    pub supported_ip_address_types: Vec<String>,
    pub private_dns_name: Option<String>,
    pub private_dns_verification: Option<DnsVerificationFacts>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DnsVerificationFacts {
    pub state: Option<String>,
    pub record_type: Option<String>,
    pub record_name: Option<String>,
    pub record_value: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ServiceDetailFacts {
    pub service_id: Option<String>,
    pub service_name: Option<String>,
    pub owner: Option<String>,
    pub service_types: Vec<String>,
    pub availability_zones: Vec<String>,
    pub acceptance_required: Option<bool>,
    pub supported_ip_address_types: Vec<String>,
    pub private_dns_name: Option<String>,
    pub private_dns_verification_state: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AllowedPrincipalFacts {
    pub principal: Option<String>,
    pub principal_type: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LoadBalancerFacts {
    pub arn: String,
    pub name: Option<String>,
    /// `network`, `gateway` or `application`, as DescribeLoadBalancers says (never guessed from the ARN).
    pub lb_type: Option<String>,
    pub scheme: Option<String>,
    pub vpc_id: Option<String>,
    pub zones: Vec<ZoneFacts>,
    pub subnet_routes: Observed<Vec<SubnetRouteFacts>>,
    pub listeners: Observed<Vec<ListenerFacts>>,
    pub target_groups: Observed<Vec<TargetGroupHealthFacts>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ZoneFacts {
    pub zone: Option<String>,
    pub subnet_id: Option<String>,
}

/// The route table that governs one subnet.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SubnetRouteFacts {
    pub subnet_id: String,
    pub route_table_id: Option<String>,
    /// True when the subnet has no table of its own and follows the VPC's main table.
    pub via_main_table: bool,
    /// Routes whose target is an internet gateway, as `destination -> igw-…`.
    pub internet_gateway_routes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ListenerFacts {
    pub port: Option<i32>,
    pub protocol: Option<String>,
    pub certificate_arns: Vec<String>,
    pub target_group_arns: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TargetGroupHealthFacts {
    pub arn: String,
    pub targets: Observed<Vec<TargetHealthFacts>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TargetHealthFacts {
    pub id: Option<String>,
    pub port: Option<i32>,
    pub state: Option<String>,
    pub reason: Option<String>,
}
