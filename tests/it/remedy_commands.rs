//! A fix that is a command is printed whole on a line of its own, never wrapped, with --region (and
//! --profile when given) filled in, in every format: the table, Markdown as a code block, JSON as a
//! `commands` array, JUnit's description, GitHub's annotations. The prose around it stays prose.

use crate::support::{command, run};

const ACCEPTANCE: &str = "aws ec2 modify-vpc-endpoint-service-configuration --service-id vpce-svc-926d7268 \
                          --no-acceptance-required --region us-east-1";

fn example(args: &[&str]) -> crate::support::Run {
    let mut cmd = command(None);
    cmd.env("COLUMNS", "80");
    run(cmd, &[&["check", "--example", "failed-vpc"][..], args].concat())
}

#[test]
fn the_table_prints_each_command_whole_on_its_own_line_with_the_region() {
    let out = example(&[]);
    assert_eq!(out.code, 1);
    let line = out.stdout.lines().find(|l| l.contains("modify-vpc-endpoint-service-configuration")).unwrap();
    assert_eq!(line.trim(), ACCEPTANCE, "{}", out.stdout);
    // The store's reconnection: two commands, each whole, in order.
    let disconnect = out.stdout.lines().position(|l| l.trim().starts_with("aws kms disconnect-custom-key-store"));
    let connect = out.stdout.lines().position(|l| l.trim().starts_with("aws kms connect-custom-key-store"));
    assert!(disconnect.unwrap() + 1 == connect.unwrap(), "{}", out.stdout);
    // No command is left inside the prose.
    let prose: Vec<&str> = out.stdout.lines().filter(|l| l.contains("fix:")).collect();
    assert!(prose.iter().all(|l| !l.contains("aws ec2") && !l.contains("aws kms")), "{prose:#?}");
}

#[test]
fn a_profile_given_is_written_into_every_aws_command() {
    let out = example(&["--profile", "xks-audit", "--output", "json"]);
    let commands: Vec<String> = out.json()["targets"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["commands"].as_array().cloned().unwrap_or_default())
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert!(commands.len() >= 4, "{commands:?}");
    for command in commands.iter().filter(|c| c.starts_with("aws ")) {
        assert!(command.ends_with("--region us-east-1 --profile xks-audit"), "{command}");
    }
    assert!(commands.contains(&format!("{ACCEPTANCE} --profile xks-audit")), "{commands:?}");
}

#[test]
fn markdown_gives_the_commands_as_a_code_block_and_junit_on_lines_of_their_own() {
    let out = example(&["--output", "markdown"]);
    let block = format!("To fix `vpc.acceptance_required`:\n\n```sh\n{ACCEPTANCE}\n```");
    assert!(out.stdout.contains(&block), "{}", out.stdout);
    let junit = example(&["--output", "junit"]).stdout;
    assert!(junit.contains(&format!("\n{ACCEPTANCE}")), "{junit}");
}

#[test]
fn the_json_schema_has_the_commands_array() {
    let schema = include_str!("../../docs/report.schema.json");
    let schema: serde_json::Value = serde_json::from_str(schema).unwrap();
    let check = &schema["$defs"]["CheckVerdict"]["properties"]["commands"];
    assert_eq!(check["type"], "array", "{check}");
}

/// A pull request's annotation carries the fix's commands too, each on a line of its own.
#[test]
fn github_annotations_carry_each_command_on_a_line_of_its_own() {
    let out = example(&["--output", "github"]);
    let annotation = out
        .stdout
        .lines()
        .find(|line| line.contains(" vpc.acceptance_required%3A "))
        .unwrap_or_else(|| panic!("{}", out.stdout));
    // The runner turns %0A back into a line break.
    assert!(annotation.contains(&format!("%0A  {ACCEPTANCE}")), "{annotation}");
}

/// Every command of the example's fixes pastes into bash whole.
#[test]
fn every_command_of_the_examples_parses_in_bash_as_one_command() {
    for name in ["failed-vpc", "healthy"] {
        let out = run(command(None), &["check", "--example", name, "--output", "json"]);
        for check in out.json()["targets"][0]["checks"].as_array().unwrap() {
            out.pastable_commands(check["id"].as_str().unwrap());
        }
    }
}
