//! Infrastructure as code as a way in: a Terraform plan (`terraform show -json`) or a CloudFormation
//! template becomes targets with planned settings, the endpoint service they declare as VPC facts, and
//! what only a plan shows ([`crate::facts::IacFacts`]). Reading a file is all this does: AWS and the
//! network are `gather`'s, judging is `checks`'.
//!
//! No message written here quotes a value from the file: a plan holds the proxy secret in clear.

mod cloudformation;
mod json;
mod service;
mod terraform;

pub use cloudformation::{read_template, template_from};
pub use terraform::{plan_from, read_plan};

use crate::facts::{IacFacts, PlannedSettings, SecretShape, VpcFacts};
use crate::user_input::Secret;

/// One store (Terraform) or one endpoint service (CloudFormation) of the file, ready to be checked.
#[derive(Debug, Clone)]
pub struct IacTarget {
    pub planned: PlannedSettings,
    pub iac: IacFacts,
    /// The endpoint service as the file declares it; `None` when the settings name an existing one.
    pub vpc: Option<VpcFacts>,
    /// The secret the plan holds, to sign the proxy calls with; only its shape reaches the facts.
    pub secret: Option<(SecretShape, Secret)>,
}

/// A file's targets, and the Region its provider names, if it names one.
#[derive(Debug)]
pub struct IacFile {
    pub targets: Vec<IacTarget>,
    pub region: Option<String>,
}
