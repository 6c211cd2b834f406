//! A CloudFormation template, JSON or YAML (a CDK synth output is the main case): each
//! `AWS::EC2::VPCEndpointService` is a target, judged against the store's planned settings given by
//! flags or the proxy configuration file (CloudFormation has no custom key store resource). `Ref`,
//! `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`, `Fn::Select` over `Fn::GetAZs` and parameters with defaults are
//! worked out; anything else is reported as unresolvable, never guessed.

use std::path::Path;

use serde_json::{Map, Value};

use super::json::kind;
use super::service::{PlannedLb, PlannedService};
use super::{IacFile, IacTarget};
use crate::error::InputError;
use crate::facts::*;
use crate::user_input::file_text;

const WHAT: &str = "CloudFormation template";
const EXPECTED: &str = "expected a CloudFormation template (JSON or YAML) with a Resources section";
const SERVICE: &str = "AWS::EC2::VPCEndpointService";

/// Reads a template; `planned` are the store's settings from the command line, `region` the Region the
/// template is deployed to (what `AWS::Region` stands for).
pub fn read_template(path: &Path, planned: &PlannedSettings, region: Option<&str>) -> Result<IacFile, InputError> {
    template_from(&file_text(path, WHAT)?, path, planned, region)
}

/// A template's text, read from `path`.
pub fn template_from(
    text: &str,
    path: &Path,
    planned: &PlannedSettings,
    region: Option<&str>,
) -> Result<IacFile, InputError> {
    let malformed = |problem: String| InputError::Malformed { what: WHAT, path: path.to_path_buf(), problem };
    let document = match serde_json::from_str::<Value>(text) {
        Ok(document) => document,
        // YAML is a superset of JSON, so a JSON file with a syntax error is reported by the YAML parser.
        Err(_) => {
            let yaml: serde_norway::Value = serde_norway::from_str(text)
                .map_err(|e| malformed(format!("is neither JSON nor YAML ({}); {EXPECTED}", yaml_problem(&e))))?;
            from_yaml(yaml)
        }
    };
    let resources = match document.get("Resources") {
        Some(Value::Object(resources)) => resources,
        Some(other) => return Err(malformed(format!("has Resources as {}; {EXPECTED}", kind(other)))),
        None => return Err(malformed(format!("has no Resources section; {EXPECTED}"))),
    };
    let template = Template { resources, parameters: document.get("Parameters").and_then(Value::as_object), region };
    let file = path.display().to_string();
    let targets: Vec<IacTarget> = resources
        .iter()
        .filter(|(_, r)| r.get("Type").and_then(Value::as_str) == Some(SERVICE))
        .map(|(id, _)| template.target(id, &file, planned))
        .collect();
    if targets.is_empty() {
        return Err(malformed(format!("declares no {SERVICE} ({} resources)", resources.len())));
    }
    Ok(IacFile { targets, region: None })
}

/// What the YAML parser found wrong, without a word of the file. Its syntax errors are fixed sentences;
/// a key given twice is the one error it words with the file's own text (the key, and the keys above
/// it), so that one is worded here.
fn yaml_problem(error: &serde_norway::Error) -> String {
    let said = error.to_string();
    if !said.contains("duplicate entry") {
        return said;
    }
    match error.location() {
        Some(at) => format!("a key given twice in one mapping, at line {} column {}", at.line(), at.column()),
        None => "a key given twice in one mapping".to_string(),
    }
}

/// A YAML document as the JSON CloudFormation reads: the short forms (`!Ref X`, `!GetAtt A.B`, `!Sub …`,
/// `!Join …`) become the long ones (`{"Ref": "X"}`, `{"Fn::GetAtt": ["A", "B"]}`, …).
fn from_yaml(value: serde_norway::Value) -> Value {
    use serde_norway::Value as Y;
    match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(&n).unwrap_or(Value::Null),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(from_yaml).collect()),
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = match from_yaml(k) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (key, from_yaml(v))
                })
                .collect(),
        ),
        Y::Tagged(tagged) => {
            let name = tagged.tag.to_string();
            let name = name.trim_start_matches('!');
            let inner = from_yaml(tagged.value);
            let (key, inner) = match (name, inner) {
                ("Ref", inner) => ("Ref".to_string(), inner),
                ("GetAtt", Value::String(dotted)) => {
                    let parts: Vec<Value> = match dotted.split_once('.') {
                        Some((id, attribute)) => vec![id.into(), attribute.into()],
                        None => vec![dotted.into()],
                    };
                    ("Fn::GetAtt".to_string(), Value::Array(parts))
                }
                (other, inner) => (format!("Fn::{other}"), inner),
            };
            Value::Object(Map::from_iter([(key, inner)]))
        }
    }
}

/// A value worked out as far as the template allows.
enum Resolved {
    Value(Value),
    /// A resource's `Ref` (its ARN or ID, by type) or one of its attributes: known after deploy, but
    /// which resource it is, is known now.
    Resource(String),
    Unresolvable(String),
}

struct Template<'a> {
    resources: &'a Map<String, Value>,
    parameters: Option<&'a Map<String, Value>>,
    region: Option<&'a str>,
}

impl<'a> Template<'a> {
    fn resolve(&self, value: &Value) -> Resolved {
        let Value::Object(map) = value else { return Resolved::Value(value.clone()) };
        let Some((function, argument)) = map.iter().next().filter(|_| map.len() == 1) else {
            return Resolved::Value(value.clone());
        };
        match function.as_str() {
            "Ref" => match argument.as_str() {
                Some(name) => self.reference(name),
                None => Resolved::Unresolvable(format!("a Ref to {}", kind(argument))),
            },
            "Fn::GetAtt" => {
                let id = match argument {
                    Value::Array(parts) => parts.first().and_then(Value::as_str),
                    Value::String(dotted) => dotted.split('.').next(),
                    _ => None,
                };
                match id.filter(|id| self.resources.contains_key(*id)) {
                    Some(id) => Resolved::Resource(id.to_string()),
                    None => Resolved::Unresolvable("an Fn::GetAtt of no resource of the template".into()),
                }
            }
            "Fn::Sub" => self.substitute(argument),
            "Fn::Join" => self.join(argument),
            "Fn::Select" => self.select(argument),
            other => Resolved::Unresolvable(format!("{other} is not worked out")),
        }
    }

    fn reference(&self, name: &str) -> Resolved {
        if self.resources.contains_key(name) {
            return Resolved::Resource(name.to_string());
        }
        if let Some(parameter) = self.parameters.and_then(|p| p.get(name)) {
            return match parameter.get("Default") {
                Some(default) => Resolved::Value(default.clone()),
                None => Resolved::Unresolvable(format!("parameter {name} has no default")),
            };
        }
        match (name, self.region) {
            ("AWS::Region", Some(region)) => Resolved::Value(region.into()),
            ("AWS::Region", None) => Resolved::Unresolvable("AWS::Region: no --region given".into()),
            ("AWS::URLSuffix", _) => Resolved::Value("amazonaws.com".into()),
            ("AWS::Partition", _) => Resolved::Value("aws".into()),
            _ => Resolved::Unresolvable(format!("Ref {name} is known only when the stack is deployed")),
        }
    }

    /// `${Name}` and `${Resource.Attribute}` in a string, with the variables an `Fn::Sub` list gives.
    fn substitute(&self, argument: &Value) -> Resolved {
        let (text, variables) = match argument {
            Value::String(text) => (text.as_str(), None),
            Value::Array(parts) => match (parts.first().and_then(Value::as_str), parts.get(1)) {
                (Some(text), variables) => (text, variables.and_then(Value::as_object)),
                _ => return Resolved::Unresolvable("an Fn::Sub without a string".into()),
            },
            other => return Resolved::Unresolvable(format!("an Fn::Sub of {}", kind(other))),
        };
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else { return Resolved::Unresolvable("an unclosed ${ in Fn::Sub".into()) };
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else {
                let value = match variables.and_then(|v| v.get(name)) {
                    Some(value) => self.resolve(value),
                    None if name.contains('.') && !name.starts_with("AWS::") => {
                        Resolved::Unresolvable(format!("${{{name}}} is known only when the stack is deployed"))
                    }
                    None => self.reference(name),
                };
                match value {
                    Resolved::Value(Value::String(s)) => out.push_str(&s),
                    Resolved::Value(Value::Number(n)) => out.push_str(&n.to_string()),
                    Resolved::Value(other) => {
                        return Resolved::Unresolvable(format!("${{{name}}} is {}", kind(&other)))
                    }
                    Resolved::Resource(id) => {
                        return Resolved::Unresolvable(format!("${{{name}}} names {id}, known only when deployed"))
                    }
                    unresolvable => return unresolvable,
                }
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Resolved::Value(out.into())
    }

    fn join(&self, argument: &Value) -> Resolved {
        let (Some(separator), Some(Value::Array(parts))) = (argument.get(0).and_then(Value::as_str), argument.get(1))
        else {
            return Resolved::Unresolvable("an Fn::Join that is not [separator, list]".into());
        };
        let mut out = Vec::new();
        for part in parts {
            match self.resolve(part) {
                Resolved::Value(Value::String(s)) => out.push(s),
                Resolved::Value(other) => return Resolved::Unresolvable(format!("an Fn::Join of {}", kind(&other))),
                Resolved::Resource(id) => {
                    return Resolved::Unresolvable(format!("an Fn::Join of {id}, known only when deployed"))
                }
                unresolvable => return unresolvable,
            }
        }
        Resolved::Value(out.join(separator).into())
    }

    /// `Fn::Select` of a list; of `Fn::GetAZs`, the Region's zone by its place: two different places are
    /// two different zones, which is all the checks need to know.
    fn select(&self, argument: &Value) -> Resolved {
        let index = argument.get(0).and_then(|i| i.as_u64().or_else(|| i.as_str()?.parse().ok()));
        let (Some(index), Some(list)) = (index, argument.get(1)) else {
            return Resolved::Unresolvable("an Fn::Select that is not [index, list]".into());
        };
        if list.get("Fn::GetAZs").is_some() {
            let region = self.region.unwrap_or("the stack's Region");
            // Counted from 1 in a wider type: the largest index a template can write is still one zone.
            return Resolved::Value(format!("Availability Zone #{} of {region}", u128::from(index) + 1).into());
        }
        let list = match list {
            Value::Array(_) => Resolved::Value(list.clone()),
            other => self.resolve(other),
        };
        match list {
            Resolved::Value(Value::Array(items)) => match items.get(index as usize) {
                Some(item) => self.resolve(item),
                None => Resolved::Unresolvable(format!("an Fn::Select of item {index} of {} items", items.len())),
            },
            Resolved::Value(other) => Resolved::Unresolvable(format!("an Fn::Select of {}", kind(&other))),
            Resolved::Resource(id) => {
                Resolved::Unresolvable(format!("an Fn::Select of {id}, known only when deployed"))
            }
            unresolvable => unresolvable,
        }
    }

    fn property(&self, id: &str, name: &str) -> Option<&'a Value> {
        self.resources.get(id)?.get("Properties")?.get(name)
    }

    fn type_of(&self, id: &str) -> Option<&'a str> {
        self.resources.get(id)?.get("Type")?.as_str()
    }

    /// A property as a plain value; what cannot be worked out is noted in `unresolved`.
    fn value(&self, id: &str, name: &str, unresolved: &mut Vec<String>) -> Option<Value> {
        match self.resolve(self.property(id, name)?) {
            Resolved::Value(value) => Some(value),
            Resolved::Resource(other) => {
                unresolved.push(format!("{id}.{name}: names {other}, known only when deployed"));
                None
            }
            Resolved::Unresolvable(why) => {
                unresolved.push(format!("{id}.{name}: {why}"));
                None
            }
        }
    }

    /// The resources of type `kind` that a list property names (by Ref or Fn::GetAtt); an ARN written
    /// out goes to `existing` when the caller reads those from AWS, else it is unresolved.
    fn resources_in(
        &self,
        id: &str,
        name: &str,
        kind: &str,
        unresolved: &mut Vec<String>,
        mut existing: Option<&mut Vec<String>>,
    ) -> Vec<String> {
        let items = match self.property(id, name) {
            Some(Value::Array(items)) => items.clone(),
            Some(other) => match self.resolve(other) {
                Resolved::Value(Value::Array(items)) => items,
                Resolved::Unresolvable(why) => {
                    unresolved.push(format!("{id}.{name}: {why}"));
                    return Vec::new();
                }
                _ => return Vec::new(),
            },
            None => return Vec::new(),
        };
        let mut found = Vec::new();
        for item in &items {
            match self.resolve(item) {
                Resolved::Resource(other) if self.type_of(&other) == Some(kind) => found.push(other),
                Resolved::Resource(other) => unresolved.push(format!("{id}.{name}: {other} is not an {kind}")),
                Resolved::Value(Value::String(arn)) if arn.starts_with("arn:") && existing.is_some() => {
                    existing.as_deref_mut().into_iter().for_each(|e| e.push(arn.clone()))
                }
                Resolved::Value(_) => unresolved.push(format!("{id}.{name}: names a resource outside the template")),
                Resolved::Unresolvable(why) => unresolved.push(format!("{id}.{name}: {why}")),
            }
        }
        found
    }

    /// The resources of `kind` whose property `name` refers to `target`.
    fn referring(&self, kind: &str, name: &str, target: &str) -> Vec<&'a str> {
        self.resources
            .iter()
            .filter(|(_, r)| r.get("Type").and_then(Value::as_str) == Some(kind))
            .filter(|(id, _)| {
                self.property(id, name).is_some_and(|v| matches!(self.resolve(v), Resolved::Resource(t) if t == target))
            })
            .map(|(id, _)| id.as_str())
            .collect()
    }

    fn target(&self, id: &str, file: &str, planned: &PlannedSettings) -> IacTarget {
        let mut unresolved = Vec::new();
        let service = self.service(id, &mut unresolved);
        let mut known_after_apply = Vec::new();
        if planned.vpc_endpoint_service_name.is_none() {
            known_after_apply.push("xks_proxy_vpc_endpoint_service_name".to_string());
        }
        IacTarget {
            planned: PlannedSettings { connectivity: Some(VPC_ENDPOINT_SERVICE.into()), ..planned.clone() },
            iac: IacFacts {
                tool: IacTool::CloudFormation,
                file: file.to_string(),
                address: id.to_string(),
                action: None,
                known_after_apply,
                secret_in_clear: Vec::new(),
                connected_by: None,
                service: Some(id.to_string()),
                unresolved,
                keys: Vec::new(),
            },
            vpc: Some(service.vpc_facts()),
            secret: None,
        }
    }

    fn service(&self, id: &str, unresolved: &mut Vec<String>) -> PlannedService {
        // A list of strings, each item worked out on its own (`!Sub cks.kms.${AWS::Region}.amazonaws.com`).
        let strings = |owner: &str, name: &str, unresolved: &mut Vec<String>| -> Vec<String> {
            let items = self.value(owner, name, unresolved).and_then(|v| v.as_array().cloned()).unwrap_or_default();
            let mut out = Vec::new();
            for item in &items {
                match self.resolve(item) {
                    Resolved::Value(Value::String(s)) => out.push(s),
                    Resolved::Value(other) => unresolved.push(format!("{owner}.{name}: an item is {}", kind(&other))),
                    Resolved::Resource(other) => {
                        unresolved.push(format!("{owner}.{name}: names {other}, known only when deployed"))
                    }
                    Resolved::Unresolvable(why) => unresolved.push(format!("{owner}.{name}: {why}")),
                }
            }
            out
        };
        let lbs = |name: &str, unresolved: &mut Vec<String>, existing: &mut Vec<String>| -> Vec<PlannedLb> {
            let lb_kind = "AWS::ElasticLoadBalancingV2::LoadBalancer";
            let ids = self.resources_in(id, name, lb_kind, unresolved, Some(existing));
            ids.iter().map(|lb| self.load_balancer(lb, unresolved)).collect()
        };
        let (mut existing_network_lbs, mut existing_gateway_lbs) = (Vec::new(), Vec::new());
        let mut principals = Vec::new();
        for permissions in self.referring("AWS::EC2::VPCEndpointServicePermissions", "ServiceId", id) {
            principals.extend(strings(permissions, "AllowedPrincipals", unresolved));
        }
        PlannedService {
            address: id.to_string(),
            // CloudFormation's default: no acceptance required.
            acceptance_required: match self.property(id, "AcceptanceRequired") {
                None => Some(false),
                Some(_) => self
                    .value(id, "AcceptanceRequired", unresolved)
                    .and_then(|v| v.as_bool().or_else(|| v.as_str().and_then(|s| s.parse().ok()))),
            },
            // CloudFormation has no property for it: the name is set on the service after deploy.
            private_dns_name: None,
            ip_address_types: strings(id, "SupportedIpAddressTypes", unresolved),
            network_lbs: lbs("NetworkLoadBalancerArns", unresolved, &mut existing_network_lbs),
            gateway_lbs: lbs("GatewayLoadBalancerArns", unresolved, &mut existing_gateway_lbs),
            existing_network_lbs,
            existing_gateway_lbs,
            principals,
        }
    }

    fn load_balancer(&self, id: &str, unresolved: &mut Vec<String>) -> PlannedLb {
        let mut subnets = self.resources_in(id, "Subnets", "AWS::EC2::Subnet", unresolved, None);
        if let Some(Value::Array(mappings)) = self.property(id, "SubnetMappings") {
            for mapping in mappings {
                if let Some(Resolved::Resource(subnet)) = mapping.get("SubnetId").map(|s| self.resolve(s)) {
                    subnets.push(subnet);
                }
            }
        }
        let subnets = subnets
            .into_iter()
            .map(|subnet| {
                let zone =
                    self.value(&subnet, "AvailabilityZone", unresolved).and_then(|z| z.as_str().map(str::to_string));
                (subnet, zone)
            })
            .collect();
        let listeners = self
            .referring("AWS::ElasticLoadBalancingV2::Listener", "LoadBalancerArn", id)
            .into_iter()
            .map(|listener| {
                let port = self
                    .value(listener, "Port", unresolved)
                    .and_then(|p| p.as_i64().or_else(|| p.as_str().and_then(|s| s.parse().ok())));
                let certificates = self.property(listener, "Certificates").and_then(Value::as_array);
                let groups = self.property(listener, "DefaultActions").and_then(Value::as_array);
                ListenerFacts {
                    port: port.and_then(|p| i32::try_from(p).ok()),
                    protocol: self.value(listener, "Protocol", unresolved).and_then(|p| p.as_str().map(str::to_string)),
                    certificate_arns: certificates
                        .into_iter()
                        .flatten()
                        .filter_map(|c| match self.resolve(c.get("CertificateArn")?) {
                            Resolved::Value(Value::String(arn)) => Some(arn),
                            Resolved::Resource(id) => Some(id),
                            _ => None,
                        })
                        .collect(),
                    target_group_arns: groups
                        .into_iter()
                        .flatten()
                        .filter_map(|a| match self.resolve(a.get("TargetGroupArn")?) {
                            Resolved::Resource(id) => Some(id),
                            _ => None,
                        })
                        .collect(),
                }
            })
            .collect();
        // CloudFormation's defaults when a property is left out: an application load balancer,
        // internet-facing. A property given but not worked out stays unknown.
        let mut text = |name: &str, default: &str| match self.property(id, name) {
            None => Some(default.to_string()),
            Some(_) => self.value(id, name, unresolved).and_then(|v| v.as_str().map(str::to_string)),
        };
        let lb_type = text("Type", "application");
        let scheme = text("Scheme", "internet-facing");
        PlannedLb {
            address: id.to_string(),
            name: self.value(id, "Name", unresolved).and_then(|n| n.as_str().map(str::to_string)),
            lb_type,
            internal: scheme.map(|s| s == "internal"),
            subnets,
            listeners,
        }
    }
}
