//! The shapes of AWS names that the tool takes apart: VPC endpoint service names and Region codes.

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
