//! Dates as the facts and reports write them: RFC 3339 in UTC, and the HTTP date of a proxy's Date
//! header, through the `time` crate.

use time::format_description::well_known::{Rfc2822, Rfc3339};
use time::OffsetDateTime;

/// Unix time of an RFC 3339 date.
pub fn epoch(rfc3339: &str) -> Result<i64, String> {
    OffsetDateTime::parse(rfc3339, &Rfc3339).map(OffsetDateTime::unix_timestamp).map_err(|e| e.to_string())
}

/// Unix time of an HTTP date (`Wed, 03 Dec 2026 10:25:46 GMT`, RFC 9110's IMF-fixdate, a form of
/// RFC 2822's).
pub fn http_date(text: &str) -> Result<i64, String> {
    OffsetDateTime::parse(text, &Rfc2822).map(OffsetDateTime::unix_timestamp).map_err(|e| e.to_string())
}

/// RFC 3339, UTC, of a Unix time; the number itself when it is out of the calendar's range.
pub fn rfc3339(epoch: i64) -> String {
    OffsetDateTime::from_unix_timestamp(epoch)
        .ok()
        .and_then(|at| at.format(&Rfc3339).ok())
        .unwrap_or_else(|| epoch.to_string())
}

/// Now, RFC 3339, UTC, to the microsecond.
pub fn now() -> String {
    let now = OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(now.nanosecond() / 1000 * 1000).unwrap_or(now);
    now.format(&Rfc3339).unwrap_or_else(|_| "unknown".to_string())
}
