//! VPC endpoint services built in moto's server with the AWS SDK, as an operator would build them.

use std::sync::atomic::{AtomicUsize, Ordering};

use aws_config::BehaviorVersion;
use aws_sdk_ec2::config::Credentials;
use aws_sdk_ec2::types::{Filter, Subnet};
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, LoadBalancerSchemeEnum, LoadBalancerTypeEnum, ProtocolEnum, TargetDescription,
    TargetTypeEnum,
};

use super::REGION;

/// moto's URL, set by scripts/test; a test that needs moto fails loudly without it.
pub fn url() -> String {
    std::env::var("XKS_TEST_MOTO_URL")
        .expect("XKS_TEST_MOTO_URL is not set: run the tests through scripts/test, which starts moto's server")
}

pub struct VpcSpec {
    pub zones: usize,
    pub public_subnets: bool,
    pub gateway_load_balancer: bool,
    pub internal: bool,
    pub listener_port: Option<i32>,
    pub targets: usize,
    pub acceptance_required: bool,
    pub private_dns_name: Option<String>,
    pub principals: Vec<String>,
}

impl Default for VpcSpec {
    /// Everything KMS needs.
    fn default() -> Self {
        VpcSpec {
            zones: 2,
            public_subnets: false,
            gateway_load_balancer: false,
            internal: true,
            listener_port: Some(443),
            targets: 2,
            acceptance_required: false,
            private_dns_name: Some(format!("xks-{}.example.com", unique())),
            principals: vec![format!("cks.kms.{REGION}.amazonaws.com")],
        }
    }
}

pub struct Built {
    pub service_id: String,
    pub service_name: String,
    pub private_dns_name: String,
    pub nlb_arn: String,
}

fn unique() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

async fn config(moto: &str) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .endpoint_url(moto)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
        .load()
        .await
}

pub async fn build(spec: VpcSpec) -> Built {
    let config = config(&url()).await;
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&config);
    let name = unique();

    let vpc = ec2.create_vpc().cidr_block("10.0.0.0/16").send().await.unwrap();
    let vpc_id = vpc.vpc().and_then(|v| v.vpc_id()).unwrap().to_string();
    let mut subnets: Vec<Subnet> = Vec::new();
    for (index, zone) in ["us-east-1a", "us-east-1b"].iter().take(spec.zones).enumerate() {
        let subnet = ec2
            .create_subnet()
            .vpc_id(&vpc_id)
            .cidr_block(format!("10.0.{}.0/24", index + 1))
            .availability_zone(*zone)
            .send()
            .await
            .unwrap();
        subnets.push(subnet.subnet().unwrap().clone());
    }
    let subnet_ids: Vec<String> = subnets.iter().map(|s| s.subnet_id().unwrap().to_string()).collect();
    if spec.public_subnets {
        let igw = ec2.create_internet_gateway().send().await.unwrap();
        let igw_id = igw.internet_gateway().and_then(|g| g.internet_gateway_id()).unwrap().to_string();
        ec2.attach_internet_gateway().internet_gateway_id(&igw_id).vpc_id(&vpc_id).send().await.unwrap();
        let table = ec2.create_route_table().vpc_id(&vpc_id).send().await.unwrap();
        let table_id = table.route_table().and_then(|t| t.route_table_id()).unwrap().to_string();
        ec2.create_route()
            .route_table_id(&table_id)
            .destination_cidr_block("0.0.0.0/0")
            .gateway_id(&igw_id)
            .send()
            .await
            .unwrap();
        ec2.associate_route_table().route_table_id(&table_id).subnet_id(&subnet_ids[0]).send().await.unwrap();
    } else {
        // moto gives the VPC a main table with only the local route: private, as in AWS.
        let main = ec2
            .describe_route_tables()
            .filters(Filter::builder().name("vpc-id").values(&vpc_id).build())
            .send()
            .await
            .unwrap();
        assert!(!main.route_tables().is_empty(), "moto made no main route table");
    }

    let lb = elb
        .create_load_balancer()
        .name(format!("lb-{name}"))
        .set_subnets(Some(subnet_ids.clone()))
        .r#type(if spec.gateway_load_balancer { LoadBalancerTypeEnum::Gateway } else { LoadBalancerTypeEnum::Network })
        .scheme(if spec.internal { LoadBalancerSchemeEnum::Internal } else { LoadBalancerSchemeEnum::InternetFacing })
        .send()
        .await
        .unwrap();
    let lb_arn = lb.load_balancers()[0].load_balancer_arn().unwrap().to_string();

    if let Some(port) = spec.listener_port {
        let group = elb
            .create_target_group()
            .name(format!("tg-{name}"))
            .protocol(ProtocolEnum::Tcp)
            .port(443)
            .vpc_id(&vpc_id)
            .target_type(TargetTypeEnum::Ip)
            .send()
            .await
            .unwrap();
        let group_arn = group.target_groups()[0].target_group_arn().unwrap().to_string();
        elb.create_listener()
            .load_balancer_arn(&lb_arn)
            .protocol(ProtocolEnum::Tcp)
            .port(port)
            .default_actions(Action::builder().r#type(ActionTypeEnum::Forward).target_group_arn(&group_arn).build())
            .send()
            .await
            .unwrap();
        for index in 0..spec.targets {
            elb.register_targets()
                .target_group_arn(&group_arn)
                .targets(TargetDescription::builder().id(format!("10.0.{}.10", index + 1)).port(443).build())
                .send()
                .await
                .unwrap();
        }
    }

    let mut create = ec2.create_vpc_endpoint_service_configuration().acceptance_required(spec.acceptance_required);
    create = if spec.gateway_load_balancer {
        create.gateway_load_balancer_arns(&lb_arn)
    } else {
        create.network_load_balancer_arns(&lb_arn)
    };
    if let Some(private_dns_name) = &spec.private_dns_name {
        create = create.private_dns_name(private_dns_name);
    }
    let service = create.send().await.unwrap();
    let service = service.service_configuration().unwrap();
    let service_id = service.service_id().unwrap().to_string();
    if !spec.principals.is_empty() {
        ec2.modify_vpc_endpoint_service_permissions()
            .service_id(&service_id)
            .set_add_allowed_principals(Some(spec.principals.clone()))
            .send()
            .await
            .unwrap();
    }
    Built {
        service_name: service.service_name().unwrap().to_string(),
        service_id,
        private_dns_name: spec.private_dns_name.unwrap_or_default(),
        nlb_arn: lb_arn,
    }
}
