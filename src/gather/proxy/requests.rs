//! Request bodies shaped as KMS sends them: the requestMetadata each API carries (SPEC §GetKeyMetadata,
//! §Encrypt, §Decrypt, §GetHealthStatus), and the longest and fullest forms a proxy must accept.

use serde_json::{json, Map, Value};

use crate::facts::LONG_ARN_CHARS;

/// Who KMS says is calling when it calls for itself; the tool is nobody's principal.
pub const PRINCIPAL: &str = "AWS Internal";

/// requestMetadata as a JSON object (call() adds kmsRequestId).
pub type Metadata = Map<String, Value>;

fn object(value: Value) -> Metadata {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("the metadata literals are objects"),
    }
}

/// GetHealthStatus: the operation KMS is doing (CreateCustomKeyStore, ConnectCustomKeyStore, KmsHealthCheck…).
pub fn health(kms_operation: &str) -> Metadata {
    object(json!({"kmsOperation": kms_operation}))
}

/// The kmsOperation of every GetKeyMetadata the tool sends: DescribeKey only reads, while a proxy may take
/// CreateKey as leave to create the key it is asked about (Cosmian KMS does), and the tool never creates.
pub const DESCRIBE_KEY: &str = "DescribeKey";

/// GetKeyMetadata for the operation `kms_operation` on the KMS key `kms_key_arn`, which KMS sends with
/// DescribeKey (the key exists), and not with CreateKey.
pub fn key_metadata(kms_operation: &str, kms_key_arn: &str) -> Metadata {
    object(json!({"awsPrincipalArn": PRINCIPAL, "kmsKeyArn": kms_key_arn, "kmsOperation": kms_operation}))
}

/// Encrypt and Decrypt for the KMS key `kms_key_arn`.
pub fn crypto(kms_operation: &str, kms_key_arn: &str) -> Metadata {
    object(json!({"awsPrincipalArn": PRINCIPAL, "kmsKeyArn": kms_key_arn, "kmsOperation": kms_operation}))
}

/// A body whose requestMetadata is an empty object: no kmsRequestId, no kmsOperation.
pub fn empty_metadata() -> Map<String, Value> {
    object(json!({"requestMetadata": {}}))
}

/// An ARN of exactly 2,048 characters: `head` followed by a path of repeated segments.
fn long_arn(head: &str, tail: &str) -> String {
    let mut arn = head.to_string();
    while arn.len() + tail.len() < LONG_ARN_CHARS {
        arn.push_str("xks-preflight/");
    }
    arn.truncate(LONG_ARN_CHARS - tail.len());
    arn.push_str(tail);
    arn
}

/// The fullest requestMetadata: 2,048-character principal and key ARNs, and every optional field KMS adds
/// when a call comes through an AWS service and a VPC endpoint.
pub fn long(kms_operation: &str, region: &str, with_key_arn: bool) -> Metadata {
    let mut metadata = object(json!({
        "awsPrincipalArn": long_arn("arn:aws:iam::111122223333:role/", "XksPreflightRole"),
        "kmsOperation": kms_operation,
        "kmsViaService": "ebs",
        "awsSourceVpc": "vpc-0123456789abcdef0",
        "awsSourceVpce": "vpce-0123456789abcdef0",
    }));
    if with_key_arn {
        let arn = long_arn(&format!("arn:aws:kms:{region}:111122223333:key/"), "1234abcd-12ab-34cd-56ef-1234567890ab");
        metadata.insert("kmsKeyArn".into(), arn.into());
    }
    metadata
}
