use super::{Facts, StoreFacts, Subject, TargetFacts};

pub const PUBLIC_ENDPOINT: &str = "PUBLIC_ENDPOINT";
pub const VPC_ENDPOINT_SERVICE: &str = "VPC_ENDPOINT_SERVICE";

/// The proxy settings a target is judged by: an existing store's configuration, or the planned
/// settings with the proxy configuration file filling what the flags left out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    pub connectivity: Option<String>,
    pub uri_endpoint: Option<String>,
    pub uri_path: Option<String>,
    pub vpc_endpoint_service_name: Option<String>,
    pub vpc_endpoint_service_owner: Option<String>,
    pub access_key_id: Option<String>,
}

impl Settings {
    pub fn is_vpc(&self) -> bool {
        self.connectivity.as_deref() == Some(VPC_ENDPOINT_SERVICE)
    }

    /// The endpoint's host, when the endpoint is well formed (`https://host` and nothing else).
    pub fn endpoint_host(&self) -> Option<&str> {
        crate::endpoint::host(self.uri_endpoint.as_deref()?).ok()
    }
}

impl Facts {
    /// The store a target names, if the Region's stores were read and it is among them.
    pub fn store_of(&self, target: &TargetFacts) -> Option<&StoreFacts> {
        let Subject::Store { query } = &target.subject else { return None };
        self.region_stores.seen()?.iter().find(|store| query.matches(store))
    }

    pub fn settings_of(&self, target: &TargetFacts) -> Option<Settings> {
        match &target.subject {
            Subject::Store { .. } => {
                let xks = self.store_of(target)?.xks.clone()?;
                Some(Settings {
                    connectivity: xks.connectivity,
                    uri_endpoint: xks.uri_endpoint,
                    uri_path: xks.uri_path,
                    vpc_endpoint_service_name: xks.vpc_endpoint_service_name,
                    vpc_endpoint_service_owner: xks.vpc_endpoint_service_owner,
                    access_key_id: xks.access_key_id,
                })
            }
            Subject::AllStores => None,
            Subject::Planned(planned) => {
                let file = target.proxy_config.as_ref();
                let connectivity = planned.connectivity.clone().unwrap_or_else(|| {
                    let vpc = planned.vpc_endpoint_service_name.is_some();
                    if vpc { VPC_ENDPOINT_SERVICE } else { PUBLIC_ENDPOINT }.to_string()
                });
                Some(Settings {
                    connectivity: Some(connectivity),
                    uri_endpoint: planned.uri_endpoint.clone(),
                    uri_path: planned.uri_path.clone().or_else(|| file.and_then(|f| f.uri_path.clone())),
                    vpc_endpoint_service_name: planned.vpc_endpoint_service_name.clone(),
                    vpc_endpoint_service_owner: planned.vpc_endpoint_service_owner.clone(),
                    access_key_id: planned.access_key_id.clone().or_else(|| file.and_then(|f| f.access_key_id.clone())),
                })
            }
        }
    }
}
