//! SigV4 as KMS signs proxy calls (service `kms-xks-proxy`, the store's Region, signed headers
//! `host;x-amz-date`), and the ways a signature can be wrong on purpose, with aws-sigv4.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use http_body_util::Full;
use hyper::body::Bytes;

use crate::facts::SignatureFault;

pub const SERVICE: &str = "kms-xks-proxy";
/// A secret of the allowed shape that no proxy issued: a signature with it must not verify.
const WRONG_SECRET: &str = "xksPreflightWrongSecretxksPreflightWrongSecret0";
/// An access key ID of the allowed shape that no proxy issued.
const UNKNOWN_ACCESS_KEY_ID: &str = "XKSPREFLIGHTUNKNOWNKEY2345";

/// How a call is signed.
#[derive(Clone, Copy)]
pub enum Signature<'a> {
    None,
    /// As KMS signs: the store's credential, the store's Region, now.
    Kms {
        access_key_id: &'a str,
        secret: &'a str,
    },
    /// With a secret the proxy cannot know, under the store's access key ID.
    WrongSecret {
        access_key_id: &'a str,
    },
    /// With the store's secret, wrong in one other way.
    Faulty {
        access_key_id: &'a str,
        secret: &'a str,
        fault: SignatureFault,
    },
}

impl Signature<'_> {
    pub fn is_signed(&self) -> bool {
        !matches!(self, Signature::None)
    }
}

/// Signs `request` for `host` in `region`; only `host` and `x-amz-date` are signed, as KMS signs.
pub fn apply(
    signature: Signature<'_>,
    request: &mut http::Request<Full<Bytes>>,
    body: &[u8],
    host: &str,
    region: &str,
) -> Result<(), String> {
    let now = SystemTime::now();
    let (access_key_id, secret, region, service, time) = match signature {
        Signature::None => return Ok(()),
        Signature::Kms { access_key_id, secret } => (access_key_id, secret, region, SERVICE, now),
        Signature::WrongSecret { access_key_id } => (access_key_id, WRONG_SECRET, region, SERVICE, now),
        Signature::Faulty { access_key_id, secret, fault } => match fault {
            SignatureFault::UnknownAccessKeyId => (UNKNOWN_ACCESS_KEY_ID, secret, region, SERVICE, now),
            SignatureFault::OtherRegion => (access_key_id, secret, other_region(region), SERVICE, now),
            SignatureFault::OtherService => (access_key_id, secret, region, "kms", now),
            SignatureFault::TenMinutesOld => {
                (access_key_id, secret, region, SERVICE, now - Duration::from_secs(10 * 60))
            }
        },
    };
    sign_at(request, body, host, (access_key_id, secret), (region, service), time)
}

/// Signs `request` as of `time`, adding `x-amz-date` and `authorization`: the step the SigV4 test
/// suite's known answers check (AWS publishes them for service `service`, hence the parameter).
pub fn sign_at(
    request: &mut http::Request<Full<Bytes>>,
    body: &[u8],
    host: &str,
    (access_key_id, secret): (&str, &str),
    (region, service): (&str, &str),
    time: SystemTime,
) -> Result<(), String> {
    let identity: Identity = Credentials::new(access_key_id, secret, None, None, "xks-preflight").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| e.to_string())?
        .into();
    let uri = format!("https://{host}{}", request.uri());
    let signable = SignableRequest::new(
        request.method().as_str(),
        uri,
        std::iter::once(("host", host)),
        SignableBody::Bytes(body),
    )
    .map_err(|e| e.to_string())?;
    let (instructions, _) = sign(signable, &params).map_err(|e| e.to_string())?.into_parts();
    instructions.apply_to_request_http1x(request);
    Ok(())
}

/// A Region that is not `region`.
fn other_region(region: &str) -> &'static str {
    if region == "eu-west-1" {
        "us-east-1"
    } else {
        "eu-west-1"
    }
}
