//! Evidence text: what a proxy, a certificate or a DNS answer says is quoted on one line and bounded,
//! so that a hostile or broken peer cannot flood or reshape the report.

/// The longest quote of outside text kept in evidence, in characters.
const QUOTE_CHARS: usize = 200;
/// Lists longer than this show their first items and a count.
const LIST_ITEMS: usize = 8;
const LIST_SHOWN: usize = 5;

/// Outside text on one line: control characters escaped, cut at 200 characters with a count of the rest.
pub fn quote(text: &str) -> String {
    quote_at_most(text, QUOTE_CHARS)
}

pub fn quote_at_most(text: &str, limit: usize) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    for (shown, c) in chars.by_ref().enumerate() {
        if shown == limit {
            let rest = 1 + chars.count();
            out.push_str(&format!("… ({rest} more characters)"));
            return out;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Joins names for evidence: `a, b and c`; past eight items, the first five and how many more.
pub fn list(items: &[String]) -> String {
    match items {
        [] => "none".to_string(),
        [one] => one.clone(),
        items if items.len() > LIST_ITEMS => {
            format!("{} and {} more", items[..LIST_SHOWN].join(", "), items.len() - LIST_SHOWN)
        }
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
