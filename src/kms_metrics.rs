//! The names under which KMS publishes its external key store metrics in CloudWatch, every spelling AWS
//! has used for each (the developer guide's older examples use others): one table for the reading, the
//! checks and the alarms.

/// The namespace of every KMS metric.
pub const NAMESPACE: &str = "AWS/KMS";
/// The dimension that names the store in every external key store metric.
pub const STORE_DIMENSION: &str = "CustomKeyStoreId";

pub const LATENCY: &[&str] = &["XksProxyLatency"];
pub const ERRORS: &[&str] = &["XksProxyErrors"];
pub const THROTTLE: &[&str] = &["ExternalKeyStoreThrottle", "ExtenalKeyStoreThrottle"];
pub const CERTIFICATE_DAYS: &[&str] = &["XksProxyCertificateDaysToExpire"];
pub const CREDENTIAL_AGE: &[&str] = &["XksProxyCredentialAge"];
pub const MANAGER_STATES: &[&str] = &["XksExternalKeyManagerStates", "XksProxyHsmStates"];

/// The dimension of a manager state's series, and of the certificate's (the metrics list
/// `CertificateName`, the alarm procedure selects `XksProxyCertificateName`).
pub const MANAGER_STATE_DIMENSIONS: &[&str] = &["XksExternalKeyManagerState", "XksProxyHsmState"];
pub const CERTIFICATE_DIMENSIONS: &[&str] = &["CertificateName", "XksProxyCertificateName"];

/// The statistics the tool reads of a metric, by any of its names; other metrics are left unread.
pub fn statistics(metric: &str) -> &'static [&'static str] {
    let is = |names: &[&str]| names.contains(&metric);
    if is(LATENCY) {
        &["p99", "Average", "Maximum"]
    } else if is(ERRORS) || is(THROTTLE) {
        &["Sum"]
    } else if is(CERTIFICATE_DAYS) {
        &["Minimum"]
    } else if is(CREDENTIAL_AGE) {
        &["Maximum"]
    } else if is(MANAGER_STATES) {
        &["Minimum", "Maximum"]
    } else {
        &[]
    }
}
