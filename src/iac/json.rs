//! Small readers over `serde_json::Value`: a plan is read as an untyped document so that no parse error
//! can quote a value from it (serde's type errors do; its syntax errors give only a line and a column).

use serde_json::Value;

/// The value at a path of object keys.
pub fn at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |value, key| value.get(key))
}

pub fn text(value: &Value, path: &[&str]) -> Option<String> {
    at(value, path).and_then(Value::as_str).map(str::to_string)
}

pub fn strings(value: Option<&Value>) -> Vec<String> {
    value.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(str::to_string).collect()
}

/// What a JSON value is, as the proxy configuration's errors say it.
pub(crate) use crate::user_input::kind;

/// The top-level keys of `document` under which `needle` appears as a whole string, in document order.
pub fn sections_holding(document: &Value, needle: &str) -> Vec<String> {
    fn holds(value: &Value, needle: &str) -> bool {
        match value {
            Value::String(s) => s == needle,
            Value::Array(items) => items.iter().any(|v| holds(v, needle)),
            Value::Object(map) => map.values().any(|v| holds(v, needle)),
            _ => false,
        }
    }
    match document {
        Value::Object(map) => map.iter().filter(|(_, v)| holds(v, needle)).map(|(k, _)| k.clone()).collect(),
        _ => Vec::new(),
    }
}
