//! A Terraform plan, as `terraform show -json plan` prints it: each `aws_kms_custom_key_store` of type
//! EXTERNAL_KEY_STORE that the plan creates or updates is a target. Values come from the planned state
//! (`resource_changes[].change.after`); which resource points at which comes from the references in
//! `configuration`, in the module that declares them. A value in `after_unknown` is known only after
//! apply: it is recorded as such, never guessed.

use std::path::Path;

use serde_json::Value;

use super::json::{at, kind, sections_holding, strings, text};
use super::service::{PlannedLb, PlannedService};
use super::{IacFile, IacTarget};
use crate::error::InputError;
use crate::facts::*;
use crate::user_input::{file_bytes, Secret};

const WHAT: &str = "Terraform plan";
const STORE: &str = "aws_kms_custom_key_store";
const CREDENTIAL: &str = "xks_proxy_authentication_credential";
const EXPECTED: &str = "expected the JSON of `terraform show -json PLANFILE`";

/// The settings of a store whose values a plan may leave unknown, by Terraform attribute.
const SETTINGS: [&str; 5] = [
    "xks_proxy_connectivity",
    "xks_proxy_uri_endpoint",
    "xks_proxy_uri_path",
    "xks_proxy_vpc_endpoint_service_name",
    "xks_proxy_vpc_endpoint_service_owner",
];

/// Reads a plan. A file that is not a plan, or a plan with no external key store to create or update,
/// is refused with a message that names what was found, never a value.
pub fn read_plan(path: &Path) -> Result<IacFile, InputError> {
    plan_from(&file_bytes(path, WHAT)?, path)
}

/// A plan's bytes, read from `path`.
pub fn plan_from(bytes: &[u8], path: &Path) -> Result<IacFile, InputError> {
    let malformed = |problem: String| InputError::Malformed { what: WHAT, path: path.to_path_buf(), problem };
    let document: Value =
        serde_json::from_slice(bytes).map_err(|e| malformed(format!("is not JSON ({e}); {EXPECTED}")))?;
    if !document.is_object() || text(&document, &["format_version"]).is_none() {
        return Err(malformed(format!("has no format_version; {EXPECTED}")));
    }
    let changes = match document.get("resource_changes") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(changes)) => changes.as_slice(),
        Some(other) => return Err(malformed(format!("has resource_changes as {}; {EXPECTED}", kind(other)))),
    };
    let plan = Plan {
        document: &document,
        file: path.display().to_string(),
        changes: changes.iter().map(Change::of).collect(),
    };
    let targets: Vec<IacTarget> = plan
        .changes
        .iter()
        .filter(|c| c.kind == STORE && c.action().is_some())
        .filter(|c| text(c.after, &["custom_key_store_type"]).as_deref() == Some("EXTERNAL_KEY_STORE"))
        .map(|store| plan.target(store))
        .collect();
    if targets.is_empty() {
        let mut types: Vec<&str> = plan.changes.iter().map(|c| c.kind).filter(|t| !t.is_empty()).collect();
        types.sort_unstable();
        types.dedup();
        let found = match types.len() {
            0 => "it plans no resource change".to_string(),
            n if n > 6 => format!("it plans {} and {} other resource types", types[..6].join(", "), n - 6),
            _ => format!("it plans {}", types.join(", ")),
        };
        return Err(malformed(format!(
            "creates or updates no aws_kms_custom_key_store of type EXTERNAL_KEY_STORE ({found})"
        )));
    }
    let region =
        text(&document, &["configuration", "provider_config", "aws", "expressions", "region", "constant_value"]);
    Ok(IacFile { targets, region })
}

/// One entry of `resource_changes`.
struct Change<'a> {
    address: &'a str,
    module: &'a str,
    kind: &'a str,
    name: &'a str,
    index: Option<&'a Value>,
    actions: Vec<&'a str>,
    after: &'a Value,
    unknown: &'a Value,
}

static NULL: Value = Value::Null;

impl<'a> Change<'a> {
    fn of(value: &'a Value) -> Change<'a> {
        let field = |key: &str| value.get(key).and_then(Value::as_str).unwrap_or("");
        let managed = field("mode") == "managed";
        Change {
            address: field("address"),
            module: field("module_address"),
            kind: if managed { field("type") } else { "" },
            name: field("name"),
            index: value.get("index"),
            actions: at(value, &["change", "actions"])
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect(),
            after: at(value, &["change", "after"]).unwrap_or(&NULL),
            unknown: at(value, &["change", "after_unknown"]).unwrap_or(&NULL),
        }
    }

    /// Create, update or replace; `None` for what leaves the resource as it is or removes it.
    fn action(&self) -> Option<PlanAction> {
        match self.actions.as_slice() {
            ["create"] => Some(PlanAction::Create),
            ["update"] => Some(PlanAction::Update),
            ["delete", "create"] | ["create", "delete"] => Some(PlanAction::Replace),
            _ => None,
        }
    }

    fn is_unknown(&self, path: &[&str]) -> bool {
        at(self.unknown, path) == Some(&Value::Bool(true))
    }

    fn text(&self, path: &[&str]) -> Option<String> {
        text(self.after, path)
    }

    fn flag(&self, key: &str) -> Option<bool> {
        self.after.get(key).and_then(Value::as_bool)
    }

    /// The first block of a nested block list, as the provider plans single blocks.
    fn block(&self, block: &str) -> (&'a Value, &'a Value) {
        let first = |value: &'a Value| value.get(block).and_then(|b| b.get(0)).unwrap_or(&NULL);
        (first(self.after), first(self.unknown))
    }
}

struct Plan<'a> {
    document: &'a Value,
    file: String,
    changes: Vec<Change<'a>>,
}

impl<'a> Plan<'a> {
    /// The configuration of the module at `module_address` (`module.a.module.b[0]`), from the root's.
    fn module(&self, module_address: &str) -> Option<&'a Value> {
        let mut module = at(self.document, &["configuration", "root_module"])?;
        let mut parts = module_address.split('.').filter(|p| !p.is_empty());
        while let (Some("module"), Some(call)) = (parts.next(), parts.next()) {
            let call = call.split('[').next().unwrap_or(call);
            module = at(module, &["module_calls", call, "module"])?;
        }
        Some(module)
    }

    /// A resource's configuration block.
    fn config(&self, change: &Change) -> Option<&'a Value> {
        let own = format!("{}.{}", change.kind, change.name);
        self.module(change.module)?
            .get("resources")?
            .as_array()?
            .iter()
            .find(|r| r.get("address").and_then(Value::as_str) == Some(own.as_str()))
    }

    /// The references an attribute's expression makes (`aws_lb.this.arn`, `aws_subnet.this`), following
    /// `path` through nested blocks (`default_action`, `0`, `target_group_arn`).
    fn references(&self, change: &Change, path: &[&str]) -> Vec<&'a str> {
        let Some(mut expression) = self.config(change).and_then(|c| c.get("expressions")) else { return Vec::new() };
        for step in path {
            let next = match step.parse::<usize>() {
                Ok(index) => expression.get(index),
                Err(_) => expression.get(step),
            };
            match next {
                Some(next) => expression = next,
                None => return Vec::new(),
            }
        }
        expression.get("references").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect()
    }

    /// The planned resources of type `kind` that an attribute of `change` refers to, in its module.
    fn referred(&self, change: &Change, path: &[&str], kind: &str) -> Vec<&Change<'a>> {
        let mut found: Vec<&Change<'a>> = Vec::new();
        for reference in self.references(change, path) {
            let mut parts = reference.splitn(3, '.');
            let (Some(ref_kind), Some(ref_name)) = (parts.next(), parts.next()) else { continue };
            if ref_kind != kind {
                continue;
            }
            let (ref_name, index) = match ref_name.split_once('[') {
                Some((name, index)) => (name, Some(index.trim_end_matches(']'))),
                None => (ref_name, None),
            };
            for candidate in &self.changes {
                let same_index = match (index, candidate.index) {
                    (None, _) => true,
                    (Some(wanted), Some(Value::Number(n))) => n.to_string() == wanted,
                    (Some(wanted), Some(Value::String(s))) => format!("\"{s}\"") == wanted,
                    (Some(_), _) => false,
                };
                let matches = candidate.kind == kind
                    && candidate.name == ref_name
                    && candidate.module == change.module
                    && same_index
                    && candidate.actions != ["delete"];
                if matches && !found.iter().any(|f| f.address == candidate.address) {
                    found.push(candidate);
                }
            }
        }
        found
    }

    /// Whether `change` refers to `target` through the attribute at `path`.
    fn refers_to(&self, change: &Change, path: &[&str], target: &Change) -> bool {
        self.referred(change, path, target.kind).iter().any(|c| c.address == target.address)
    }

    fn target(&self, store: &Change<'a>) -> IacTarget {
        let mut known_after_apply: Vec<String> =
            SETTINGS.iter().filter(|a| store.is_unknown(&[**a])).map(|a| a.to_string()).collect();
        let (credential, credential_unknown) = store.block(CREDENTIAL);
        for field in ["access_key_id", "raw_secret_access_key"] {
            if at(credential_unknown, &[field]) == Some(&Value::Bool(true)) {
                known_after_apply.push(format!("{CREDENTIAL}.{field}"));
            }
        }
        let secret_value = text(credential, &["raw_secret_access_key"]).filter(|s| !s.is_empty());
        let service = self.referred(store, &["xks_proxy_vpc_endpoint_service_name"], "aws_vpc_endpoint_service");
        let service = service.first().map(|s| self.service(s));
        let secret_in_clear = match &secret_value {
            Some(secret) => sections_holding(self.document, secret),
            None => Vec::new(),
        };
        let source = format!("Terraform plan {} ({})", self.file, store.address);
        let iac = IacFacts {
            tool: IacTool::Terraform,
            file: self.file.clone(),
            address: store.address.to_string(),
            action: store.action(),
            known_after_apply,
            secret_in_clear,
            connected_by: self.connector(),
            service: service.as_ref().map(|s| s.address.clone()),
            unresolved: Vec::new(),
            keys: self.keys(store),
        };
        IacTarget {
            planned: PlannedSettings {
                connectivity: store.text(&["xks_proxy_connectivity"]),
                uri_endpoint: store.text(&["xks_proxy_uri_endpoint"]),
                uri_path: store.text(&["xks_proxy_uri_path"]),
                vpc_endpoint_service_name: store.text(&["xks_proxy_vpc_endpoint_service_name"]),
                vpc_endpoint_service_owner: store.text(&["xks_proxy_vpc_endpoint_service_owner"]),
                access_key_id: text(credential, &["access_key_id"]),
            },
            iac,
            vpc: service.map(|s| s.vpc_facts()),
            secret: secret_value.map(|s| (SecretShape::of(&s, source), Secret::new(s))),
        }
    }

    /// The first resource whose configuration runs `aws kms connect-custom-key-store` (a provisioner of
    /// a terraform_data or null_resource, typically).
    fn connector(&self) -> Option<String> {
        fn find(module: &Value, prefix: &str) -> Option<String> {
            for resource in module.get("resources").and_then(Value::as_array).into_iter().flatten() {
                if resource.to_string().contains("connect-custom-key-store") {
                    let address = resource.get("address").and_then(Value::as_str).unwrap_or("?");
                    return Some(format!("{prefix}{address}"));
                }
            }
            let calls = module.get("module_calls").and_then(Value::as_object)?;
            calls.iter().find_map(|(name, call)| find(call.get("module")?, &format!("{prefix}module.{name}.")))
        }
        find(at(self.document, &["configuration", "root_module"])?, "")
    }

    fn keys(&self, store: &Change) -> Vec<PlannedKeyFacts> {
        self.changes
            .iter()
            .filter(|c| c.kind == "aws_kms_key" && c.action().is_some())
            .filter(|key| self.refers_to(key, &["custom_key_store_id"], store))
            .map(|key| PlannedKeyFacts {
                address: key.address.to_string(),
                key_usage: key.text(&["key_usage"]),
                key_spec: key.text(&["customer_master_key_spec"]),
                multi_region: key.flag("multi_region"),
                xks_key_id: key.text(&["xks_key_id"]),
                known_after_apply: ["key_usage", "customer_master_key_spec", "multi_region", "xks_key_id"]
                    .iter()
                    .filter(|a| key.is_unknown(&[**a]))
                    .map(|a| a.to_string())
                    .collect(),
            })
            .collect()
    }

    fn service(&self, service: &Change) -> PlannedService {
        // The ARNs written in the list, not worked out from a planned aws_lb (those are unknown yet).
        let existing = |attribute: &str| -> Vec<String> {
            strings(service.after.get(attribute)).into_iter().filter(|arn| arn.starts_with("arn:")).collect()
        };
        let lbs = |attribute: &str| -> Vec<PlannedLb> {
            // A list known to be empty or null names no load balancer, whatever its expression refers to.
            let known_empty = !service.is_unknown(&[attribute])
                && service.after.get(attribute).and_then(Value::as_array).is_none_or(|a| a.is_empty());
            if known_empty {
                return Vec::new();
            }
            self.referred(service, &[attribute], "aws_lb").into_iter().map(|lb| self.load_balancer(lb)).collect()
        };
        let mut principals = strings(service.after.get("allowed_principals"));
        for allowed in self.changes.iter().filter(|c| c.kind == "aws_vpc_endpoint_service_allowed_principal") {
            if self.refers_to(allowed, &["vpc_endpoint_service_id"], service) {
                principals.extend(allowed.text(&["principal_arn"]));
            }
        }
        PlannedService {
            address: service.address.to_string(),
            acceptance_required: service.flag("acceptance_required"),
            private_dns_name: service.text(&["private_dns_name"]),
            ip_address_types: strings(service.after.get("supported_ip_address_types")),
            network_lbs: lbs("network_load_balancer_arns"),
            gateway_lbs: lbs("gateway_load_balancer_arns"),
            existing_network_lbs: existing("network_load_balancer_arns"),
            existing_gateway_lbs: existing("gateway_load_balancer_arns"),
            principals,
        }
    }

    fn load_balancer(&self, lb: &Change) -> PlannedLb {
        let mut subnets: Vec<&Change> = self.referred(lb, &["subnets"], "aws_subnet");
        for (index, _) in lb.after.get("subnet_mapping").and_then(Value::as_array).into_iter().flatten().enumerate() {
            let index = index.to_string();
            subnets.extend(self.referred(lb, &["subnet_mapping", index.as_str(), "subnet_id"], "aws_subnet"));
        }
        let listeners = self
            .changes
            .iter()
            .filter(|c| c.kind == "aws_lb_listener" && self.refers_to(c, &["load_balancer_arn"], lb))
            .map(|listener| ListenerFacts {
                port: listener.after.get("port").and_then(Value::as_i64).and_then(|p| i32::try_from(p).ok()),
                protocol: listener.text(&["protocol"]),
                certificate_arns: listener.text(&["certificate_arn"]).into_iter().collect(),
                target_group_arns: self
                    .referred(listener, &["default_action", "0", "target_group_arn"], "aws_lb_target_group")
                    .iter()
                    .map(|g| g.address.to_string())
                    .collect(),
            })
            .collect();
        PlannedLb {
            address: lb.address.to_string(),
            name: lb.text(&["name"]),
            lb_type: lb.text(&["load_balancer_type"]),
            internal: lb.flag("internal"),
            subnets: subnets.iter().map(|s| (s.address.to_string(), s.text(&["availability_zone"]))).collect(),
            listeners,
        }
    }
}
