//! Shared helpers: the fake AWS endpoint, the CloudWatch and CloudTrail stand-in, moto scenarios, and
//! running the binary.

pub mod fake_aws;
pub mod fake_monitor;
pub mod fleet;
pub mod loopback;
pub mod moto;
pub mod netns;
pub mod pki;
pub mod pty;
pub mod readers;
pub mod servers;
pub mod terraform;
pub mod xks_proxy;

use std::path::Path;

use assert_cmd::Command;
use serde_json::{json, Value};

pub const REGION: &str = "us-east-1";
pub const ACCESS_KEY_ID: &str = "AKSE2VPZ7WQ4XKS3PROXY5AB";
pub const PATH: &str = "/tenant-a/kms/xks/v1";

/// The loopback resolver scripts/test starts (dnsmasq with tests/it/dnsmasq.conf).
pub fn dns_server() -> String {
    std::env::var("XKS_TEST_DNS")
        .expect("XKS_TEST_DNS is not set: run the tests through scripts/test, which starts dnsmasq")
}

/// The binary, cut off from the user's AWS configuration and pointed at `endpoint`.
pub fn command(endpoint: Option<&str>) -> Command {
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("xks-preflight"));
    isolate(&mut command, endpoint);
    Command::from_std(command)
}

/// The binary as `command` runs it, under an open-file limit of `files` (soft and hard, as `ulimit -n`
/// sets them).
pub fn command_with_open_files(files: u32, endpoint: Option<&str>) -> Command {
    Command::from_std(process_with_open_files(files, endpoint))
}

/// The binary as a plain process, for tests that wire its streams themselves.
pub fn process(endpoint: Option<&str>) -> std::process::Command {
    let mut process = std::process::Command::new(assert_cmd::cargo::cargo_bin("xks-preflight"));
    isolate(&mut process, endpoint);
    process
}

/// `command_with_open_files` as a plain process, for a caller that watches it run (the benchmarks).
/// The binary's process is the one started: the shell `exec`s it.
pub fn process_with_open_files(files: u32, endpoint: Option<&str>) -> std::process::Command {
    let binary = assert_cmd::cargo::cargo_bin("xks-preflight");
    let mut shell = std::process::Command::new("sh");
    shell.args(["-c", &format!("ulimit -n {files} && exec \"$0\" \"$@\"")]).arg(binary);
    isolate(&mut shell, endpoint);
    shell
}

pub fn isolate(command: &mut std::process::Command, endpoint: Option<&str>) {
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", REGION)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("COLUMNS", "110");
    if let Some(endpoint) = endpoint {
        command.env("AWS_ENDPOINT_URL", endpoint);
    }
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("stdout is not one JSON document ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr)
        })
    }

    /// The status of one check of the first target, from the JSON report.
    pub fn status(&self, id: &str) -> String {
        self.check(id)["status"].as_str().unwrap().to_string()
    }

    /// The first scope's AWS problem, which the test expects there.
    pub fn aws_problem(&self) -> Value {
        let problem = self.json()["scopes"][0]["aws_problem"].clone();
        assert!(problem.is_object(), "no AWS problem in the report: {}", self.stdout);
        problem
    }

    pub fn evidence(&self, id: &str) -> String {
        self.check(id)["evidence"].as_str().unwrap().to_string()
    }

    /// The commands of one check's fix, each whole.
    pub fn commands(&self, id: &str) -> Vec<String> {
        let commands = self.check(id)["commands"].as_array().cloned().unwrap_or_default();
        commands.iter().map(|c| c.as_str().unwrap().to_string()).collect()
    }

    /// The check's commands, each asserted to paste into bash as one whole command: no placeholder a shell
    /// reads as a redirection, no quote left open (`bash -n` parses without running).
    pub fn pastable_commands(&self, id: &str) -> Vec<String> {
        let commands = self.commands(id);
        for command in &commands {
            assert!(!command.contains('<') && !command.contains('>'), "{id}: a placeholder bash redirects: {command}");
            let parsed = std::process::Command::new("bash").args(["-n", "-c", command]).output().unwrap();
            assert!(
                parsed.status.success(),
                "{id}: bash cannot parse {command}: {}",
                String::from_utf8_lossy(&parsed.stderr)
            );
        }
        commands
    }

    pub fn remedy(&self, id: &str) -> String {
        self.check(id)["remedy"].as_str().unwrap_or_default().to_string()
    }

    pub fn check(&self, id: &str) -> Value {
        let report = self.json();
        report["targets"][0]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no check {id} in the report"))
            .clone()
    }

    /// Every check of the first target that another check's failure blocks.
    pub fn blocked(&self) -> Vec<String> {
        self.json()["targets"][0]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| !c["blocked_by"].is_null())
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    }

    /// Every check of the first target with the given status.
    pub fn with_status(&self, status: &str) -> Vec<String> {
        self.json()["targets"][0]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == status)
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    }
}

/// Runs the binary. No test may reach the internet: a `check` that names no local resolver
/// (`--dns-server`) and replays no facts file runs with `--no-network`, unless it says so itself (as a
/// command copied from the docs does).
pub fn run(mut command: Command, args: &[&str]) -> Run {
    command.args(args);
    // Facts from a file or a built-in example are judged with no network: the flag is refused with them.
    let gathers = !["--dns-server", "--facts", "--example", "--no-network"].iter().any(|flag| args.contains(flag));
    if args.first() == Some(&"check") && gathers {
        command.arg("--no-network");
    }
    let output = command.output().unwrap();
    Run {
        code: output.status.code().unwrap_or_else(|| {
            panic!(
                "the binary ended without an exit code ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )
        }),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// `check … --output json` against the fake endpoint.
/// A check of what `args` name against the test AWS at `endpoint`, reading no CloudWatch or CloudTrail
/// (the monitor tests give those their own stand-in).
pub fn check_json(endpoint: &str, args: &[&str]) -> Run {
    let mut all = vec!["check", "--output", "json", "--no-monitor"];
    all.extend_from_slice(args);
    run(command(Some(endpoint)), &all)
}

/// `check_json` reading what KMS saw from the CloudWatch and CloudTrail stand-in at `monitor`.
pub fn check_seen(endpoint: &str, monitor: &fake_monitor::FakeMonitor, args: &[&str]) -> Run {
    let mut cmd = command(Some(endpoint));
    cmd.env("AWS_ENDPOINT_URL_CLOUDWATCH", &monitor.url).env("AWS_ENDPOINT_URL_CLOUDTRAIL", &monitor.url);
    let mut all = vec!["check", "--output", "json"];
    all.extend_from_slice(args);
    run(cmd, &all)
}

/// Planned settings for `https://host` and `path`, checked without AWS through `connect_to` with the
/// test resolver, fast probes, and the secret in the environment when given.
pub fn probe(host: &str, path: &str, connect_to: &str, secret: Option<&str>, extra: &[&str]) -> Run {
    probe_to("json", host, path, connect_to, secret, extra)
}

/// `probe` with the report in `output`.
pub fn probe_to(output: &str, host: &str, path: &str, connect_to: &str, secret: Option<&str>, extra: &[&str]) -> Run {
    let dns = dns_server();
    let endpoint = format!("https://{host}");
    let mut cmd = command(None);
    if let Some(secret) = secret {
        cmd.env("XKS_PROXY_SECRET_ACCESS_KEY", secret);
    }
    let mut args = vec![
        "check",
        "--output",
        output,
        "--no-aws",
        "--endpoint",
        &endpoint,
        "--path",
        path,
        "--dns-server",
        &dns,
        "--connect-to",
        connect_to,
        "--rtt-samples",
        "3",
        "--probe-timeout",
        "2",
    ];
    args.extend_from_slice(extra);
    run(cmd, &args)
}

/// A DescribeCustomKeyStores entry, as KMS writes it.
pub struct Store {
    pub id: String,
    pub name: String,
    pub state: &'static str,
    pub error_code: Option<&'static str>,
    pub endpoint: String,
    pub path: String,
    pub access_key_id: String,
    pub service_name: Option<String>,
    pub service_owner: Option<String>,
}

impl Store {
    pub fn public(id: &str, endpoint: &str) -> Store {
        Store {
            id: id.to_string(),
            name: format!("store-{id}"),
            state: "CONNECTED",
            error_code: None,
            endpoint: endpoint.to_string(),
            path: PATH.to_string(),
            access_key_id: ACCESS_KEY_ID.to_string(),
            service_name: None,
            service_owner: None,
        }
    }

    pub fn vpc(id: &str, private_dns_name: &str, service_name: &str) -> Store {
        Store {
            service_name: Some(service_name.to_string()),
            ..Store::public(id, &format!("https://{private_dns_name}"))
        }
    }

    pub fn failed(mut self, code: &'static str) -> Store {
        self.state = "FAILED";
        self.error_code = Some(code);
        self
    }

    pub fn json(&self) -> Value {
        let mut xks = json!({
            "AccessKeyId": self.access_key_id,
            "Connectivity": if self.service_name.is_some() { "VPC_ENDPOINT_SERVICE" } else { "PUBLIC_ENDPOINT" },
            "UriEndpoint": self.endpoint,
            "UriPath": self.path,
        });
        if let Some(name) = &self.service_name {
            xks["VpcEndpointServiceName"] = json!(name);
        }
        if let Some(owner) = &self.service_owner {
            xks["VpcEndpointServiceOwner"] = json!(owner);
        }
        let mut entry = json!({
            "ConnectionState": self.state,
            "CreationDate": 1.7E9,
            "CustomKeyStoreId": self.id,
            "CustomKeyStoreName": self.name,
            "CustomKeyStoreType": "EXTERNAL_KEY_STORE",
            "XksProxyConfiguration": xks,
        });
        if let Some(code) = self.error_code {
            entry["ConnectionErrorCode"] = json!(code);
        }
        entry
    }
}

/// A loopback endpoint that accepts connections and never answers, until dropped.
pub struct Hanging {
    pub url: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Hanging {
    pub fn start() -> Hanging {
        use std::sync::atomic::{AtomicBool, Ordering};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            // Bounded: a minute at most, whatever the test does.
            for _ in 0..600 {
                if stopped.load(Ordering::Relaxed) {
                    break;
                }
                if let Ok((stream, _)) = listener.accept() {
                    held.push(stream);
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        });
        Hanging { url, stop }
    }
}

impl Drop for Hanging {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}
