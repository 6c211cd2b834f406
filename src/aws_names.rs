//! The shapes of AWS names that the tool takes apart or checks (VPC endpoint service names, Region
//! codes, role and SNS topic ARNs, store IDs) and the Regions that offer external key stores.

/// A VPC endpoint service name, `com.amazonaws.vpce.<region>.vpce-svc-<id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceName {
    pub region: String,
    pub service_id: String,
}

impl ServiceName {
    /// Parses a name the way KMS's CreateCustomKeyStore accepts it; the error says what is wrong.
    pub fn parse(name: &str) -> Result<ServiceName, String> {
        const SHAPE: &str = "expected com.amazonaws.vpce.<region>.vpce-svc-<id>";
        if !(20..=64).contains(&name.len()) {
            return Err(format!("{} characters where 20 to 64 are allowed; {SHAPE}", name.len()));
        }
        let rest = name
            .strip_prefix("com.amazonaws.vpce.")
            .ok_or_else(|| format!("does not start with com.amazonaws.vpce.; {SHAPE}"))?;
        let (region, service_id) = rest.split_once('.').ok_or_else(|| format!("has no Region part; {SHAPE}"))?;
        if !is_region_code(region) {
            return Err(format!("'{region}' is not a Region code; {SHAPE}"));
        }
        let id = service_id
            .strip_prefix("vpce-svc-")
            .ok_or_else(|| format!("'{service_id}' does not start with vpce-svc-; {SHAPE}"))?;
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) {
            return Err(format!("'{service_id}' may hold only lowercase letters and digits after vpce-svc-"));
        }
        Ok(ServiceName { region: region.to_string(), service_id: service_id.to_string() })
    }
}

/// `us-east-1`, `ap-southeast-2`, `us-gov-west-1`: two or three lowercase words, then a number.
pub fn is_region_code(code: &str) -> bool {
    let parts: Vec<&str> = code.split('-').collect();
    let Some((number, words)) = parts.split_last() else { return false };
    (2..=3).contains(&words.len())
        && words.iter().all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase()))
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
}

/// The account of an IAM role ARN, `arn:<partition>:iam::<12 digits>:role/<path/name>`; `None` when
/// the text is not one.
pub fn role_account(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    let fields: [&str; 6] = std::array::from_fn(|_| parts.next().unwrap_or(""));
    let [scheme, partition, service, region, account, resource] = fields;
    let role = resource.strip_prefix("role/").filter(|name| !name.is_empty() && !name.ends_with('/'));
    let valid = scheme == "arn"
        && partition.starts_with("aws")
        && service == "iam"
        && region.is_empty()
        && account.len() == 12
        && account.chars().all(|c| c.is_ascii_digit())
        && role.is_some();
    valid.then_some(account)
}

/// A custom key store ID as KMS makes them: `cks-` and 17 lowercase hexadecimal digits.
pub fn is_custom_key_store_id(id: &str) -> bool {
    id.strip_prefix("cks-")
        .is_some_and(|hex| hex.len() == 17 && hex.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)))
}

/// An SNS topic ARN, `arn:<partition>:sns:<region>:<12 digits>:<name>`, the name 1 to 256 letters, digits,
/// hyphens and underscores (a FIFO topic's ends in `.fifo`).
pub fn is_sns_topic_arn(arn: &str) -> bool {
    let fields: Vec<&str> = arn.splitn(6, ':').collect();
    let [scheme, partition, service, region, account, name] = fields[..] else { return false };
    let name = name.strip_suffix(".fifo").unwrap_or(name);
    scheme == "arn"
        && partition.starts_with("aws")
        && service == "sns"
        && is_region_code(region)
        && account.len() == 12
        && account.chars().all(|c| c.is_ascii_digit())
        && (1..=256).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

/// One account and Region as the report names it: `eu-west-1`, or `eu-west-1 of 111122223333` when the
/// account is known.
pub fn scope_name(region: &str, account: Option<&str>) -> String {
    match account {
        Some(account) => format!("{region} of {account}"),
        None => region.to_string(),
    }
}

/// Regions where KMS offers external key stores (KMS Developer Guide, 2023). Newer Regions are in
/// neither list.
pub const XKS_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ca-central-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-north-1",
    "me-south-1",
    "sa-east-1",
];
/// Regions where KMS does not offer external key stores (the same guide).
pub const NO_XKS_REGIONS: &[&str] = &[
    "ap-south-2",
    "cn-north-1",
    "cn-northwest-1",
    "eu-south-2",
    "eu-central-2",
    "me-central-1",
    "us-gov-east-1",
    "us-gov-west-1",
];
