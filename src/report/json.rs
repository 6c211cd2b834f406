use super::Report;

/// One JSON document, the whole report.
pub fn render(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(report).expect("the report is plain data and always serialises");
    text.push('\n');
    text
}
