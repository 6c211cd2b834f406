use crate::verdict::Verdict;

/// One JSON document, the whole report.
pub fn render(report: &Verdict) -> String {
    let mut text = serde_json::to_string_pretty(report).expect("the report is plain data and always serialises");
    text.push('\n');
    text
}
