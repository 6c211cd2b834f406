//! What the user hands the tool: the proxy configuration file, and the secret from the environment, a
//! file or standard input. Not facts about the world: `gather` sees those.

use std::io::Read;
use std::path::Path;

use serde_json::Value;

use crate::error::InputError;
use crate::facts::{Facts, ProxyConfigFacts, SecretShape, READABLE_SCHEMA_VERSIONS, SCHEMA_VERSION};

pub const SECRET_ENV: &str = "XKS_PROXY_SECRET_ACCESS_KEY";

const PROXY_CONFIG: &str = "proxy configuration file";

/// The proxy configuration file; its secret is handed back separately and never kept in the facts.
/// No error message quotes a value from the file: the credential object holds the secret.
pub fn read_proxy_config(path: &Path) -> Result<(ProxyConfigFacts, Option<String>), InputError> {
    let text = file_text(path, PROXY_CONFIG)?;
    proxy_config_from(&text, path)
}

/// The proxy configuration file's text, read from `path`.
pub fn proxy_config_from(text: &str, path: &Path) -> Result<(ProxyConfigFacts, Option<String>), InputError> {
    const SHAPE: &str = "expected a JSON object {\"XksProxyUriPath\": \"/…/kms/xks/v1\", \
        \"XksProxyAuthenticationCredential\": {\"AccessKeyId\": \"…\", \"RawSecretAccessKey\": \"…\"}}";
    let malformed = |problem: String| InputError::Malformed { what: PROXY_CONFIG, path: path.to_path_buf(), problem };
    // serde_json's messages give a line and a column, never the text around them.
    let value: Value = serde_json::from_str(text).map_err(|e| malformed(format!("is not JSON ({e}); {SHAPE}")))?;
    let Value::Object(object) = &value else { return Err(malformed(format!("is not a JSON object; {SHAPE}"))) };
    let text_field = |value: Option<&Value>, field: &str| -> Result<Option<String>, InputError> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(malformed(format!("has {field} as {}, where a string belongs; {SHAPE}", kind(other)))),
        }
    };
    let uri_path = text_field(object.get("XksProxyUriPath"), "XksProxyUriPath")?;
    let credential = match object.get("XksProxyAuthenticationCredential") {
        None | Some(Value::Null) => None,
        Some(Value::Object(credential)) => Some(credential),
        Some(other) => {
            return Err(malformed(format!(
                "has XksProxyAuthenticationCredential as {}, where an object belongs; {SHAPE}",
                kind(other)
            )))
        }
    };
    let access_key_id =
        text_field(credential.and_then(|c| c.get("AccessKeyId")), "XksProxyAuthenticationCredential.AccessKeyId")?;
    let secret = text_field(
        credential.and_then(|c| c.get("RawSecretAccessKey")),
        "XksProxyAuthenticationCredential.RawSecretAccessKey",
    )?;
    if let Some(secret) = &secret {
        hide(secret);
    }
    if uri_path.is_none() && access_key_id.is_none() {
        return Err(malformed(format!("has neither XksProxyUriPath nor an AccessKeyId; {SHAPE}")));
    }
    Ok((ProxyConfigFacts { file: path.display().to_string(), uri_path, access_key_id }, secret))
}

/// A file's bytes; a failure to read it names what the file is for.
pub(crate) fn file_bytes(path: &Path, what: &'static str) -> Result<Vec<u8>, InputError> {
    std::fs::read(path).map_err(|e| unreadable(path, what, e))
}

/// A file's text; a failure to read it, or text that is not UTF-8, names what the file is for.
pub(crate) fn file_text(path: &Path, what: &'static str) -> Result<String, InputError> {
    std::fs::read_to_string(path).map_err(|e| unreadable(path, what, e))
}

fn unreadable(path: &Path, what: &'static str, e: std::io::Error) -> InputError {
    InputError::Unreadable { what, path: Some(path.to_path_buf()), cause: e.to_string() }
}

/// A facts file (`--facts`): one scope as an object, several as an array of them.
pub fn read_facts(path: &Path) -> Result<Vec<Facts>, InputError> {
    let text = file_text(path, FACTS_FILE)?;
    facts_from(&text, path)
}

const FACTS_FILE: &str = "facts file";

/// A facts file's text, read from `path`.
pub fn facts_from(text: &str, path: &Path) -> Result<Vec<Facts>, InputError> {
    let malformed = |problem: String| InputError::Malformed { what: FACTS_FILE, path: path.to_path_buf(), problem };
    let value: Value = serde_json::from_str(text).map_err(|e| malformed(format!("is not JSON: {e}")))?;
    // A report (--json, --output json) has a summary and an exit code, which facts never have.
    if value.get("summary").is_some() && value.get("exit_code").is_some() {
        return Err(malformed(
            "is a JSON report, not facts: write the facts with --save-facts FILE and give that file to --facts".into(),
        ));
    }
    let scopes = match value {
        Value::Array(scopes) if !scopes.is_empty() => scopes,
        Value::Array(_) => return Err(malformed("is an empty list of facts".into())),
        one => vec![one],
    };
    scopes
        .into_iter()
        .map(|scope| {
            let version = scope.get("schema_version").and_then(|v| v.as_u64());
            let readable =
                version.and_then(|v| u32::try_from(v).ok()).is_some_and(|v| READABLE_SCHEMA_VERSIONS.contains(&v));
            if !readable {
                return Err(malformed(format!(
                    "has schema_version {}, this xks-preflight reads versions {} to {SCHEMA_VERSION}",
                    version.map(|v| v.to_string()).unwrap_or_else(|| "missing".into()),
                    READABLE_SCHEMA_VERSIONS.start()
                )));
            }
            serde_json::from_value(scope)
                .map_err(|e| malformed(format!("is not a facts file written by xks-preflight --save-facts: {e}")))
        })
        .collect()
}

const CA_FILE: &str = "CA file";

/// `--ca-file`: PEM certificates (DER each), at least one.
pub fn read_ca_file(path: &Path) -> Result<Vec<Vec<u8>>, InputError> {
    let bytes = file_bytes(path, CA_FILE)?;
    ca_file_from(&bytes, path)
}

/// A CA file's bytes, read from `path`.
pub fn ca_file_from(bytes: &[u8], path: &Path) -> Result<Vec<Vec<u8>>, InputError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let malformed = |problem: String| InputError::Malformed { what: CA_FILE, path: path.to_path_buf(), problem };
    let certificates: Vec<Vec<u8>> = CertificateDer::pem_slice_iter(bytes)
        .map(|certificate| certificate.map(|c| c.to_vec()))
        .collect::<Result<_, _>>()
        .map_err(|e| malformed(format!("is not PEM: {e}")))?;
    if certificates.is_empty() {
        return Err(malformed("holds no PEM certificate".into()));
    }
    Ok(certificates)
}

/// What a JSON value is, never what it holds.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Every secret value the run has read, so that the one path that can print text the code did not
/// choose, a panic's message, hides them (`crate::panics`).
static READ_SECRETS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Keeps `secret` from any panic message of this process.
fn hide(secret: &str) {
    if secret.is_empty() {
        return;
    }
    // A panic while the list was held leaves it usable: it only ever grows.
    let mut secrets = READ_SECRETS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if !secrets.iter().any(|known| known == secret) {
        secrets.push(secret.to_string());
    }
}

/// `text` with every secret the run has read replaced by `(secret hidden)`.
pub fn without_secrets(text: &str) -> String {
    let secrets = READ_SECRETS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    secrets.iter().fold(text.to_string(), |text, secret| text.replace(secret.as_str(), "(secret hidden)"))
}

/// Forgets every secret read so far. For the fuzz targets (`crate::fuzzing`) alone: one fuzzing process
/// reads millions of different secrets, where a run reads a few, and the list would grow without end.
pub(crate) fn forget_read_secrets() {
    READ_SECRETS.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
}

/// The proxy secret access key. It has no `Display` and no `Serialize`, and its `Debug` hides it, so
/// that it cannot reach output, logs or a facts file by accident.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        hide(&value);
        Secret(value)
    }

    /// For signing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(hidden)")
    }
}

pub enum SecretSource<'a> {
    File(&'a Path),
    Stdin,
}

/// A line typed at the terminal with echo off, after a prompt on standard error: the secret is
/// neither shown nor left on the screen, and Enter ends it as a person expects. The terminal is read a
/// key at a time, so that Ctrl-C is seen here and the terminal's settings put back before the run ends,
/// rather than leaving a shell that no longer shows what is typed.
fn read_hidden_line(what: &str) -> std::io::Result<String> {
    use rustix::termios::{tcgetattr, tcsetattr, LocalModes, OptionalActions, SpecialCodeIndex};
    let stdin = std::io::stdin();
    let original = tcgetattr(&stdin)?;
    let mut hidden = original.clone();
    hidden.local_modes.remove(LocalModes::ECHO | LocalModes::ICANON | LocalModes::ISIG);
    hidden.special_codes[SpecialCodeIndex::VMIN] = 1;
    hidden.special_codes[SpecialCodeIndex::VTIME] = 0;
    tcsetattr(&stdin, OptionalActions::Flush, &hidden)?;
    eprint!("Proxy {what} (not shown as typed): ");
    let read = read_keys(&mut stdin.lock());
    // The terminal's settings come back whatever the read gave; what follows starts on a line of its own.
    let restored = tcsetattr(&stdin, OptionalActions::Flush, &original);
    eprintln!();
    let line = read?;
    restored?;
    Ok(line)
}

/// Keys up to Enter, with the editing a person expects at a prompt: Backspace, Ctrl-U, and Ctrl-D or
/// Ctrl-C to give up (Ctrl-D with nothing typed ends the input empty).
fn read_keys(keys: &mut impl Read) -> std::io::Result<String> {
    const INTERRUPT: u8 = 0x03;
    const END: u8 = 0x04;
    const ERASE_LINE: u8 = 0x15;
    let mut line = Vec::new();
    // Bounded: no secret is anywhere near this long, and a stuck terminal must not grow memory.
    for _ in 0..64 * 1024 {
        let mut key = [0u8];
        if keys.read(&mut key)? == 0 {
            break;
        }
        match key[0] {
            b'\r' | b'\n' => break,
            INTERRUPT => return Err(std::io::Error::new(std::io::ErrorKind::Interrupted, "interrupted at the prompt")),
            END if line.is_empty() => break,
            0x7f | 0x08 => {
                line.pop();
            }
            ERASE_LINE => line.clear(),
            byte => line.push(byte),
        }
    }
    String::from_utf8(line).map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8"))
}

/// Finds the secret access key: an explicit file or standard input, else the environment, else the
/// proxy configuration file. The facts keep only its shape.
pub fn read_secret(
    explicit: Option<SecretSource<'_>>,
    from_proxy_config: Option<(String, &str)>,
) -> Result<Option<(SecretShape, Secret)>, InputError> {
    let (secret, source) = match explicit {
        Some(source) => read_source(source, &CURRENT_SECRET)?,
        None => match std::env::var(SECRET_ENV) {
            Ok(value) => (value, format!("environment variable {SECRET_ENV}")),
            Err(_) => match from_proxy_config {
                Some((secret, file)) => (secret, format!("proxy configuration file {file}")),
                None => return Ok(None),
            },
        },
    };
    let secret = trimmed(&secret, &source, CURRENT_SECRET.secret)?;
    Ok(Some((SecretShape::of(secret, source.clone()), Secret::new(secret.to_string()))))
}

/// How errors name a secret and where it is read from: the current one, or the next one of a rotation.
struct Named {
    secret: &'static str,
    file: &'static str,
    stdin: &'static str,
}

const CURRENT_SECRET: Named = Named {
    secret: "secret access key",
    file: "secret access key file",
    stdin: "secret access key from standard input",
};

const NEXT_SECRET: Named = Named {
    secret: "next secret access key",
    file: "next secret access key file",
    stdin: "next secret access key from standard input",
};

/// The text of a file or of standard input, and where it came from.
fn read_source(source: SecretSource<'_>, named: &Named) -> Result<(String, String), InputError> {
    match source {
        SecretSource::File(path) => {
            let text = file_text(path, named.file)?;
            Ok((text, format!("file {}", path.display())))
        }
        SecretSource::Stdin => {
            let unreadable =
                |e: std::io::Error| InputError::Unreadable { what: named.stdin, path: None, cause: e.to_string() };
            // On a terminal a person types it: prompt, hide it, and end at Enter rather than Ctrl-D.
            let text = if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                read_hidden_line(named.secret).map_err(unreadable)?
            } else {
                let mut text = String::new();
                std::io::stdin().read_to_string(&mut text).map_err(unreadable)?;
                text
            };
            Ok((text, "standard input".to_string()))
        }
    }
}

/// The secret without the line end files and pipes close with; an empty one is refused.
fn trimmed<'a>(text: &'a str, source: &str, what: &'static str) -> Result<&'a str, InputError> {
    let secret = text.trim_end_matches(['\n', '\r']);
    if secret.is_empty() {
        return Err(InputError::Missing { what, how: format!("{source} is empty; give the secret the proxy issued") });
    }
    Ok(secret)
}

/// The secret a rotation moves to, for the rehearsal. Unlike the current one it has no check of its own
/// shape, so a shape KMS would refuse is refused here, saying how it is wrong and never what it is.
pub fn read_next_secret(source: SecretSource<'_>) -> Result<Secret, InputError> {
    let (text, from) = read_source(source, &NEXT_SECRET)?;
    let secret = trimmed(&text, &from, NEXT_SECRET.secret)?;
    let shape = SecretShape::of(secret, from.clone());
    if shape.disallowed_characters > 0 || !(43..=64).contains(&shape.length) {
        return Err(InputError::Missing {
            what: NEXT_SECRET.secret,
            how: format!(
                "the one from {from} has {} characters, {} of them outside A-Z a-z 0-9 / + = (value not shown); \
                 KMS takes 43 to 64 characters of that set",
                shape.length, shape.disallowed_characters
            ),
        });
    }
    Ok(Secret::new(secret.to_string()))
}
