//! The recommended alarms as something that creates them: `aws cloudwatch put-metric-alarm` commands,
//! a CloudFormation template, or Terraform. Every value is quoted for where it goes, so a profile name
//! or an ARN cannot end a string early.

use serde_json::json;

use super::RecommendedAlarm;

/// The store the alarms watch, and where they are created.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    pub store_id: &'a str,
    pub region: &'a str,
    /// The AWS profile the commands (or Terraform's provider) use; the default chain when none.
    pub profile: Option<&'a str>,
    /// What the alarms notify when they fire: an SNS topic ARN.
    pub alarm_action: Option<&'a str>,
}

/// The ID of the one query of each alarm, as the console names it.
const QUERY_ID: &str = "q1";

/// One `aws cloudwatch put-metric-alarm` command that creates `alarm`, on one line.
pub fn put_metric_alarm(alarm: RecommendedAlarm, to: &Destination) -> String {
    let spec = alarm.spec();
    let metrics = json!([{
        "Id": QUERY_ID,
        "Expression": alarm.query(to.store_id),
        "Label": spec.label,
        "Period": spec.period_s,
        "ReturnData": true,
    }]);
    let mut words = vec!["aws".to_string(), "cloudwatch".into(), "put-metric-alarm".into()];
    let mut option = |name: &str, value: &str| {
        words.push(format!("--{name}"));
        words.push(crate::shell::word(value));
    };
    option("region", to.region);
    if let Some(profile) = to.profile {
        option("profile", profile);
    }
    option("alarm-name", &alarm.name(to.store_id));
    option("alarm-description", &alarm.description(to.store_id));
    option("metrics", &metrics.to_string());
    option("comparison-operator", spec.comparison.as_str());
    option("threshold", &number(spec.threshold));
    option("evaluation-periods", &spec.evaluation_periods.to_string());
    option("datapoints-to-alarm", &spec.evaluation_periods.to_string());
    option("treat-missing-data", spec.missing_data.as_str());
    if let Some(action) = to.alarm_action {
        option("alarm-actions", action);
    }
    words.join(" ")
}

/// The commands for `alarms`, one a line, each after a comment that says what it watches.
pub fn cli(alarms: &[RecommendedAlarm], to: &Destination) -> String {
    let mut text = format!("# CloudWatch alarms for the external key store {} in {}\n", to.store_id, to.region);
    for alarm in alarms {
        text.push_str(&format!("# {}: {}\n", alarm.spec().label, alarm.summary()));
        text.push_str(&put_metric_alarm(*alarm, to));
        text.push('\n');
    }
    text
}

/// A CloudFormation template (YAML) with one `AWS::CloudWatch::Alarm` for each of `alarms`.
pub fn cloudformation(alarms: &[RecommendedAlarm], to: &Destination) -> String {
    let mut text = format!(
        "# Deploy in {region}: aws cloudformation deploy --region {region} --stack-name xks-alarms-{store} \
         --template-file THIS_FILE\n\
         AWSTemplateFormatVersion: \"2010-09-09\"\n\
         Description: {description}\n\
         Resources:\n",
        region = to.region,
        store = to.store_id,
        description = quoted(&format!("CloudWatch alarms AWS recommends for the external key store {}", to.store_id)),
    );
    for alarm in alarms {
        let spec = alarm.spec();
        text.push_str(&format!(
            "  {logical_id}:\n\
             \x20   Type: AWS::CloudWatch::Alarm\n\
             \x20   Properties:\n\
             \x20     AlarmName: {name}\n\
             \x20     AlarmDescription: {description}\n\
             \x20     Metrics:\n\
             \x20       - Id: {QUERY_ID}\n\
             \x20         Expression: {expression}\n\
             \x20         Label: {label}\n\
             \x20         Period: {period}\n\
             \x20         ReturnData: true\n\
             \x20     ComparisonOperator: {comparison}\n\
             \x20     Threshold: {threshold}\n\
             \x20     EvaluationPeriods: {periods}\n\
             \x20     DatapointsToAlarm: {periods}\n\
             \x20     TreatMissingData: {missing}\n",
            logical_id = pascal_case(spec.slug),
            name = quoted(&alarm.name(to.store_id)),
            description = quoted(&alarm.description(to.store_id)),
            expression = quoted(&alarm.query(to.store_id)),
            label = quoted(spec.label),
            period = spec.period_s,
            comparison = spec.comparison.as_str(),
            threshold = number(spec.threshold),
            periods = spec.evaluation_periods,
            missing = spec.missing_data.as_str(),
        ));
        if let Some(action) = to.alarm_action {
            text.push_str(&format!("      AlarmActions:\n        - {}\n", quoted(action)));
        }
    }
    text
}

/// Terraform: a provider for the store's Region (and profile), aliased so that it sits beside the
/// configuration's own, and one `aws_cloudwatch_metric_alarm` for each of `alarms`. Laid out as
/// `terraform fmt` lays it out.
pub fn terraform(alarms: &[RecommendedAlarm], to: &Destination) -> String {
    let provider = format!("xks_{}", identifier(to.store_id));
    let mut settings = vec![("alias", hcl(&provider)), ("region", hcl(to.region))];
    if let Some(profile) = to.profile {
        settings.push(("profile", hcl(profile)));
    }
    let mut text = format!(
        "# CloudWatch alarms for the external key store {} in {}\n\nprovider \"aws\" {{\n{}}}\n",
        to.store_id,
        to.region,
        aligned(&settings, "  ")
    );
    for alarm in alarms {
        let spec = alarm.spec();
        let mut settings = vec![
            ("provider", format!("aws.{provider}")),
            ("alarm_name", hcl(&alarm.name(to.store_id))),
            ("alarm_description", hcl(&alarm.description(to.store_id))),
            ("comparison_operator", hcl(spec.comparison.as_str())),
            ("threshold", number(spec.threshold)),
            ("evaluation_periods", spec.evaluation_periods.to_string()),
            ("datapoints_to_alarm", spec.evaluation_periods.to_string()),
            ("treat_missing_data", hcl(spec.missing_data.as_str())),
        ];
        if let Some(action) = to.alarm_action {
            settings.push(("alarm_actions", format!("[{}]", hcl(action))));
        }
        let query = [
            ("id", hcl(QUERY_ID)),
            ("expression", hcl(&alarm.query(to.store_id))),
            ("label", hcl(spec.label)),
            ("period", spec.period_s.to_string()),
            ("return_data", "true".to_string()),
        ];
        text.push_str(&format!(
            "\nresource \"aws_cloudwatch_metric_alarm\" \"{}_{}\" {{\n{}\n  metric_query {{\n{}  }}\n}}\n",
            identifier(to.store_id),
            identifier(spec.slug),
            aligned(&settings, "  "),
            aligned(&query, "    "),
        ));
    }
    text
}

/// `key = value` lines with the `=` signs lined up, as `terraform fmt` does.
fn aligned(settings: &[(&str, String)], indent: &str) -> String {
    let width = settings.iter().map(|(key, _)| key.len()).max().unwrap_or(0);
    settings.iter().map(|(key, value)| format!("{indent}{key:<width$} = {value}\n")).collect()
}

/// A string in double quotes with JSON's escapes, which YAML's double-quoted strings share.
fn quoted(value: &str) -> String {
    serde_json::Value::from(value).to_string()
}

/// A Terraform string: quoted, with `${` and `%{` doubled, since Terraform's strings are templates.
fn hcl(value: &str) -> String {
    quoted(value).replace("${", "$${").replace("%{", "%%{")
}

/// A number as the tools write it: `10`, not `10.0`.
fn number(value: f64) -> String {
    match value.fract() == 0.0 {
        true => format!("{value:.0}"),
        false => value.to_string(),
    }
}

/// `cks-1234` as a Terraform name: `cks_1234`.
fn identifier(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

/// `proxy-latency` as a CloudFormation logical ID: `ProxyLatency`.
fn pascal_case(slug: &str) -> String {
    slug.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}
