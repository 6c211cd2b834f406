//! What a Terraform plan or a CloudFormation template says about a target: where it is declared, what
//! is known only after apply, where the plan holds the proxy secret, and the KMS keys it plans in the
//! store. The planned endpoint service itself becomes ordinary [`super::VpcFacts`], marked as planned.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IacTool {
    Terraform,
    CloudFormation,
}

/// What the plan does to the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanAction {
    Create,
    Update,
    /// Destroyed and created again (a change Terraform cannot make in place).
    Replace,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IacFacts {
    pub tool: IacTool,
    pub file: String,
    /// The store's Terraform address, or the logical ID of the template's endpoint service.
    pub address: String,
    /// `None` for a template: CloudFormation has no custom key store resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<PlanAction>,
    /// The store's settings that are known only after apply, by their Terraform attribute name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub known_after_apply: Vec<String>,
    /// Where in the file the proxy secret is written in clear (never the value itself).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret_in_clear: Vec<String>,
    /// The resource of the plan or template that connects the store after it is created, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connected_by: Option<String>,
    /// The address or logical ID of the endpoint service the store's settings point at, when it is
    /// declared in the same file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// Values of the template that could not be worked out, each as `where: why`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unresolved: Vec<String>,
    /// The KMS keys the plan creates or changes in this store.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<PlannedKeyFacts>,
}

/// One `aws_kms_key` of the plan whose `custom_key_store_id` is this store's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedKeyFacts {
    pub address: String,
    pub key_usage: Option<String>,
    pub key_spec: Option<String>,
    pub multi_region: Option<bool>,
    pub xks_key_id: Option<String>,
    /// The key's attributes known only after apply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub known_after_apply: Vec<String>,
}
