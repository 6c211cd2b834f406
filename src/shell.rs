//! Text for a shell command line that an operator pastes.

/// A word the shell reads back as `value`: as it is when it holds nothing the shell would take apart,
/// else in single quotes (a quote inside written `'\''`).
pub fn word(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':' | '=' | '@' | ','));
    match plain {
        true => value.to_string(),
        false => format!("'{}'", value.replace('\'', "'\\''")),
    }
}
