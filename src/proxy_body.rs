//! What is kept of a proxy's answer body: at most a fixed number of bytes, read as strict UTF-8. Apart
//! from gathering so that the fuzz targets reach it without the network side.

use crate::facts::BodyProblem;

/// Enough for an Encrypt answer at the specification's largest plaintext (4300 bytes, 5736 in base64).
pub const BODY_LIMIT: usize = 64 * 1024;

/// A body as text, strictly: up to the first byte that is not UTF-8, and what stopped it. `too_large`
/// when the body went on past [`BODY_LIMIT`] and `bytes` is its first part.
pub fn body_text(bytes: &[u8], too_large: bool) -> (String, Option<BodyProblem>) {
    let (text, not_utf8) = match std::str::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(error) => {
            let offset = error.valid_up_to();
            // A multi-byte character cut by the read limit is the limit's doing, not the proxy's.
            let cut_by_limit = too_large && error.error_len().is_none();
            let valid = std::str::from_utf8(&bytes[..offset]).expect("valid up to here");
            (valid, (!cut_by_limit).then_some(BodyProblem::NotUtf8 { offset }))
        }
    };
    let problem = if too_large { Some(BodyProblem::TooLarge { limit_bytes: BODY_LIMIT }) } else { not_utf8 };
    (text.to_string(), problem)
}
