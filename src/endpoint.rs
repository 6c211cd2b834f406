//! The proxy URI endpoint, taken apart with a URI parser (`http::Uri`) and judged by KMS's rule: `https://`
//! and a DNS host name, nothing else (`^https://[a-zA-Z0-9.-]+$`, 10 to 128 characters).

use std::net::Ipv4Addr;

const MIN_LENGTH: usize = 10;
const MAX_LENGTH: usize = 128;

/// The host of a well-formed endpoint, or what keeps the endpoint from being one, said for the user.
pub fn host(endpoint: &str) -> Result<&str, String> {
    if let Some(bad) = endpoint.chars().find(|c| !c.is_ascii()) {
        return Err(format!(
            "contains the non-ASCII character '{bad}'; KMS takes only ASCII, so give an internationalised name in \
             its IDNA form (xn--…)"
        ));
    }
    if let Some(bad) = endpoint.chars().find(|c| c.is_ascii_control() || *c == ' ') {
        return Err(format!("contains the control or space character {:?}", bad));
    }
    let uri: http::Uri = endpoint.parse().map_err(|e| format!("is not a URL ({e})"))?;
    match uri.scheme_str() {
        Some("https") => {}
        Some(scheme) => {
            return Err(format!("starts with {scheme}:// instead of https://; KMS speaks only HTTPS to the proxy"))
        }
        None => return Err("has no scheme; KMS needs https:// followed by the host name".into()),
    }
    let authority = uri.authority().ok_or("has no host after https://")?.as_str();
    let after_scheme = &endpoint[endpoint.find("://").map_or(0, |at| at + 3)..];
    let rest = after_scheme.strip_prefix(authority).unwrap_or_default();
    if let Some((user, _)) = authority.rsplit_once('@') {
        return Err(format!("has user information ({user}@); KMS takes the host name alone"));
    }
    let host = uri.host().unwrap_or_default();
    if host.starts_with('[') {
        return Err(format!(
            "is the IPv6 address {host}; KMS needs a DNS name that the TLS certificate names, and reaches proxies over IPv4"
        ));
    }
    if host.parse::<Ipv4Addr>().is_ok() {
        return Err(format!("is the IPv4 address {host}; KMS needs a DNS name that the TLS certificate names"));
    }
    if let Some((_, port)) = authority.rsplit_once(':') {
        return Err(format!("has a port (:{port}); KMS always uses 443 and accepts no port"));
    }
    match rest.chars().next() {
        None => {}
        Some('?') => return Err(format!("has a query ({rest}); KMS takes the host name alone")),
        Some(_) => return Err(format!("has a path ({rest}); the path belongs in XksProxyUriPath")),
    }
    if let Some(bad) = host.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))) {
        return Err(format!("contains '{bad}'; only letters, digits, dots and hyphens are allowed"));
    }
    if host.split('.').any(str::is_empty) {
        return Err("has an empty label (two dots in a row, or a leading or trailing dot)".into());
    }
    if !(MIN_LENGTH..=MAX_LENGTH).contains(&endpoint.len()) {
        return Err(format!("{} characters where {MIN_LENGTH} to {MAX_LENGTH} are allowed", endpoint.len()));
    }
    Ok(&endpoint[endpoint.len() - host.len()..])
}
