//! docs/iam-policy.json grants exactly the AWS actions the code calls: read from the gathering code
//! itself (each Describe/List SDK operation it calls, and the action name it reports a failure under),
//! so that a new read call without its permission, or a permission no call needs, fails here.

use std::collections::BTreeSet;

/// `describe_key` → `DescribeKey`.
fn pascal(snake: &str) -> String {
    snake.split('_').map(|word| word[..1].to_uppercase() + &word[1..]).collect()
}

/// Every `.describe_…()`, `.list_…()`, `.get_metric_…()` and `.lookup_…()` call in the gathering code:
/// the SDK operations it sends (a plain `.get_…()` is as often a getter).
fn operations_called(source: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for prefix in [".describe_", ".list_", ".get_metric_", ".lookup_"] {
        for (at, _) in source.match_indices(prefix) {
            let rest = &source[at + 1..];
            let name: String = rest.chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
            if rest[name.len()..].starts_with("()") {
                found.insert(pascal(&name));
            }
        }
    }
    found
}

/// Every `"service:Action…"` the gathering code names its calls by.
fn actions_named(source: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for service in ["kms", "ec2", "elasticloadbalancing", "cloudwatch", "cloudtrail"] {
        for (at, _) in source.match_indices(&format!("\"{service}:")) {
            // The action's name ends where the text about it (a progress line's "in {region}") starts.
            let rest = &source[at + 1 + service.len() + 1..];
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
            found.insert(format!("{service}:{name}"));
        }
    }
    found
}

#[test]
fn iam_policy_grants_exactly_the_actions_the_code_calls() {
    let mut source = String::new();
    // src/gather and its subdirectories, a bounded walk of the repository's own tree.
    let mut directories = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src/gather"))];
    while let Some(directory) = directories.pop() {
        for entry in std::fs::read_dir(directory).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                directories.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                source.push_str(&std::fs::read_to_string(path).unwrap());
            }
        }
    }
    let operations = operations_called(&source);
    let actions = actions_named(&source);
    let action_operations: BTreeSet<String> =
        actions.iter().map(|a| a.split(':').nth(1).unwrap().to_string()).collect();
    assert_eq!(operations, action_operations, "every SDK call is named by its action, and only those");
    let policy: serde_json::Value =
        serde_json::from_str(include_str!("../../docs/iam-policy.json")).expect("docs/iam-policy.json is JSON");
    let granted: BTreeSet<String> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|statement| statement["Effect"] == "Allow")
        .flat_map(|statement| statement["Action"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()))
        .collect();
    assert_eq!(granted, actions, "docs/iam-policy.json against the calls in src/gather");
    let reads = [":Describe", ":List", ":GetMetricData", ":LookupEvents"];
    assert!(granted.iter().all(|a| reads.iter().any(|read| a.contains(read))), "read-only: {granted:?}");
}
