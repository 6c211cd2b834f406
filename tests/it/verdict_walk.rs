//! The verdict, proved on every check: from the healthy baseline (`healthy.rs`), one mutation of the facts
//! per requirement breaks exactly it, as gathering would have seen it broken. Alone, and together with each
//! check upstream of it, every mutation must give exit 1 (a warning, for a requirement AWS only
//! recommends) and a diagnosis that names a real cause: every blocked check's chain of blockers ends at a
//! failure that is counted and named, and no check names a reason the catalogue does not declare.

use xks_preflight::alarms::RecommendedAlarm;
use xks_preflight::catalogue::{CheckId, Severity};
use xks_preflight::checks::{run_target, Status};
use xks_preflight::exit::ExitCode;
use xks_preflight::facts::*;
use xks_preflight::verdict::{self, Verdict};

use crate::healthy::HEALTHY;

use CheckId::*;

const PUBLIC: usize = 0;
const VPC: usize = 1;
const PLANNED: usize = 2;

fn baseline() -> Facts {
    let mut facts: Facts = serde_json::from_str(&std::fs::read_to_string(HEALTHY).unwrap()).unwrap();
    facts.targets[PUBLIC].monitor = Some(Observed::Seen(healthy_monitor()));
    facts
}

/// Three hours of what KMS saw of a healthy store, by the minute from 09:00 to 12:00 UTC on the day the
/// facts were gathered: what the monitor requirements are broken from.
fn healthy_monitor() -> MonitorFacts {
    const START: i64 = 1_736_931_600; // 2025-01-15T09:00:00Z
    let store = Dimension { name: "CustomKeyStoreId".into(), value: "cks-0a1b2c3d4e5f6a7b8".into() };
    let series = |metric: &str, extra: &[(&str, &str)], statistic: &str, value: f64| MetricSeries {
        metric: metric.into(),
        dimensions: std::iter::once(store.clone())
            .chain(extra.iter().map(|(name, value)| Dimension { name: name.to_string(), value: value.to_string() }))
            .collect(),
        statistic: statistic.into(),
        points: (0..180).map(|minute| Point { at: START + minute * 60, value }).collect(),
    };
    let encrypt = [("KmsOperation", "Encrypt"), ("XksOperation", "Encrypt"), ("KeySpec", "AES_256")];
    let succeeded = [
        ("KmsOperation", "Encrypt"),
        ("XksOperation", "Encrypt"),
        ("KeySpec", "AES_256"),
        ("ErrorType", "None"),
        ("ExceptionName", "None"),
    ];
    MonitorFacts {
        start: "2025-01-15T09:00:00Z".into(),
        end: "2025-01-15T12:00:00Z".into(),
        period_s: 60,
        metrics: Observed::Seen(vec![
            series("XksProxyLatency", &encrypt, "p99", 42.0),
            series("XksProxyLatency", &encrypt, "Average", 21.0),
            series("XksProxyLatency", &encrypt, "Maximum", 60.0),
            series("XksProxyErrors", &succeeded, "Sum", 600.0),
            series("XksProxyCertificateDaysToExpire", &[("CertificateName", "xks.1password.com")], "Minimum", 158.0),
            series("XksProxyCredentialAge", &[], "Maximum", 12.0),
            series("XksExternalKeyManagerStates", &[("XksExternalKeyManagerState", "Active")], "Minimum", 2.0),
            series("XksExternalKeyManagerStates", &[("XksExternalKeyManagerState", "Active")], "Maximum", 2.0),
            series("XksExternalKeyManagerStates", &[("XksExternalKeyManagerState", "Degraded")], "Maximum", 0.0),
            series("XksExternalKeyManagerStates", &[("XksExternalKeyManagerState", "Unavailable")], "Maximum", 0.0),
        ]),
        trail: Observed::Seen(TrailFacts { events: Vec::new(), unread: Vec::new() }),
        alarms: Observed::Seen(recommended_alarms("cks-0a1b2c3d4e5f6a7b8")),
    }
}

/// The four alarms AWS recommends for `store`, as DescribeAlarms gives back what `alarms` creates.
pub fn recommended_alarms(store: &str) -> Vec<AlarmFacts> {
    RecommendedAlarm::ALL
        .into_iter()
        .map(|alarm| {
            let spec = alarm.spec();
            AlarmFacts {
                name: alarm.name(store),
                state: Some("OK".into()),
                metric: None,
                namespace: None,
                dimensions: Vec::new(),
                statistic: None,
                period_s: None,
                threshold: Some(spec.threshold),
                comparison: Some(spec.comparison.as_str().into()),
                queries: vec![AlarmQuery {
                    id: "q1".into(),
                    expression: Some(alarm.query(store)),
                    metric: None,
                    namespace: None,
                    dimensions: Vec::new(),
                    statistic: None,
                    period_s: Some(spec.period_s as i32),
                }],
            }
        })
        .collect()
}

fn monitor(facts: &mut Facts) -> &mut MonitorFacts {
    match &mut facts.targets[PUBLIC].monitor {
        Some(Observed::Seen(monitor)) => monitor,
        _ => panic!("the healthy public store has what KMS saw"),
    }
}

/// The series of the healthy monitor reading with this metric, statistic and dimension value.
fn series<'a>(facts: &'a mut Facts, metric: &str, statistic: &str, value: &str) -> &'a mut MetricSeries {
    let Observed::Seen(all) = &mut monitor(facts).metrics else { panic!("the healthy reading has metrics") };
    all.iter_mut()
        .find(|s| s.metric == metric && s.statistic == statistic && s.dimensions.iter().any(|d| d.value == value))
        .unwrap_or_else(|| panic!("no {metric} {statistic} {value} series"))
}

fn net(facts: &mut Facts) -> &mut NetworkFacts {
    match &mut facts.targets[PUBLIC].network {
        Observed::Seen(net) => net,
        _ => panic!("the healthy public store has network facts"),
    }
}

fn calls(facts: &mut Facts) -> &mut ProxyFacts {
    match &mut net(facts).proxy {
        Observed::Seen(proxy) => proxy,
        _ => panic!("the healthy public store has proxy facts"),
    }
}

fn exchange(probed: &mut Probed<ProxyExchange>) -> &mut ProxyExchange {
    match probed {
        Observed::Seen(exchange) => exchange,
        _ => panic!("the healthy proxy answered this call"),
    }
}

fn signed(facts: &mut Facts) -> &mut ProxyExchange {
    exchange(&mut calls(facts).signed_health)
}

fn key(facts: &mut Facts) -> &mut ExternalKeyFacts {
    &mut calls(facts).keys[0]
}

fn store<'a>(facts: &'a mut Facts, id: &str) -> &'a mut StoreFacts {
    match &mut facts.region_stores {
        Observed::Seen(stores) => stores.iter_mut().find(|s| s.id == id).unwrap(),
        _ => panic!("the healthy region has its stores"),
    }
}

fn public_store(facts: &mut Facts) -> &mut StoreFacts {
    store(facts, crate::healthy::PUBLIC_STORE)
}

fn xks<'a>(facts: &'a mut Facts, id: &str) -> &'a mut XksProxySettings {
    store(facts, id).xks.as_mut().unwrap()
}

fn vpc(facts: &mut Facts) -> &mut VpcFacts {
    facts.targets[VPC].vpc.as_mut().unwrap()
}

fn service(facts: &mut Facts) -> &mut ServiceConfigFacts {
    match &mut vpc(facts).provider_view {
        Observed::Seen(Some(service)) => service,
        _ => panic!("the healthy VPC store's service is its own"),
    }
}

fn load_balancer(facts: &mut Facts) -> &mut LoadBalancerFacts {
    match &mut vpc(facts).load_balancers {
        Observed::Seen(lbs) => &mut lbs[0],
        _ => panic!("the healthy service has its load balancer"),
    }
}

fn vpc_net(facts: &mut Facts) -> &mut NetworkFacts {
    match &mut facts.targets[VPC].network {
        Observed::Seen(net) => net,
        _ => panic!("the healthy VPC store has DNS facts"),
    }
}

fn probe_failure(step: &str) -> ProbeFailure {
    ProbeFailure { step: step.into(), timed_out: false, message: "connection refused".into() }
}

/// What gathering sees when no connection reaches the proxy.
fn no_connection(facts: &mut Facts) {
    let net = net(facts);
    net.tcp = Observed::Failed(probe_failure("TCP connect to 127.0.0.1:443"));
    net.rtt = Observed::Failed(probe_failure("TCP connect to 127.0.0.1:443"));
    net.tls.clear();
    net.proxy = Observed::NotGathered(Why::Needs { fact: Fact::KmsTlsSession });
}

fn error_body(exchange: &mut ProxyExchange, status: u16, name: &str) {
    exchange.status = status;
    exchange.body = format!(r#"{{"errorName":"{name}","errorMessage":"refused"}}"#);
}

fn another_store(facts: &mut Facts, id: &str, endpoint: &str, path: &str) {
    let mut copy = public_store(facts).clone();
    copy.id = id.into();
    copy.name = Some(format!("copy-{id}"));
    let xks = copy.xks.as_mut().unwrap();
    xks.uri_endpoint = Some(endpoint.into());
    xks.uri_path = Some(path.into());
    if let Observed::Seen(stores) = &mut facts.region_stores {
        stores.push(copy);
    }
}

type Mutation = Box<dyn Fn(&mut Facts)>;

/// The store a target names.
fn store_of(facts: &mut Facts, target: usize) -> &mut StoreFacts {
    let Subject::Store { query: StoreQuery::Id(id) } = facts.targets[target].subject.clone() else {
        panic!("target {target} is a store")
    };
    store(facts, &id)
}

/// The target a check is judged on (`on`, where the requirement belongs to any store), and the mutation
/// that breaks it there as the world would have shown it broken.
fn breaking(id: CheckId, on: Option<usize>) -> (usize, Mutation) {
    let store_target = on.filter(|t| *t != PLANNED).unwrap_or(PUBLIC);
    match id {
        ConfigStoreFound => (
            store_target,
            Box::new(move |f| {
                f.targets[store_target].subject =
                    Subject::Store { query: StoreQuery::Id("cks-0000000000000000f".into()) };
            }),
        ),
        ConfigStoreType => {
            (store_target, Box::new(move |f| store_of(f, store_target).store_type = Some("AWS_CLOUDHSM".into())))
        }
        ConfigEndpointFormat => (
            store_target,
            Box::new(move |f| {
                let xks = store_of(f, store_target).xks.as_mut().unwrap();
                let endpoint = xks.uri_endpoint.clone().unwrap();
                xks.uri_endpoint = Some(format!("{endpoint}:8443"));
                f.targets[store_target].network = Observed::NotGathered(Why::Needs { fact: Fact::EndpointHost });
            }),
        ),
        other => (fixed(other).0, Box::new(fixed(other).1)),
    }
}

/// The mutations whose target is fixed.
fn fixed(id: CheckId) -> (usize, fn(&mut Facts)) {
    match id {
        ConfigStoreFound | ConfigStoreType | ConfigEndpointFormat => unreachable!("breaking() places these"),
        ConfigConnectionState => (PUBLIC, |f| {
            public_store(f).connection_state = Some("FAILED".into());
            public_store(f).connection_error_code = Some("XKS_PROXY_NOT_REACHABLE".into());
        }),
        ConfigPathFormat => {
            (PUBLIC, |f| xks(f, crate::healthy::PUBLIC_STORE).uri_path = Some("/tenant a/kms/xks/v1".into()))
        }
        ConfigUriLength => (PLANNED, |f| {
            let Subject::Planned(planned) = &mut f.targets[PLANNED].subject else { unreachable!() };
            planned.uri_endpoint = Some(format!("https://{}.example.test", "x".repeat(100)));
            planned.uri_path = Some(format!("/{}/kms/xks/v1", "p".repeat(116)));
        }),
        ConfigAccessKeyIdFormat => (PLANNED, |f| {
            let Subject::Planned(planned) = &mut f.targets[PLANNED].subject else { unreachable!() };
            planned.access_key_id = Some("akse2vpz7wq4xks3proxy5ab".into());
        }),
        ConfigSecretFormat => (PUBLIC, |f| f.targets[PUBLIC].secret.as_mut().unwrap().length = 20),
        ConfigProxyConfigMatch => (PUBLIC, |f| {
            f.targets[PUBLIC].proxy_config.as_mut().unwrap().uri_path = Some("/tenant-z/kms/xks/v1".into())
        }),
        ConfigEndpointUnique => {
            (PUBLIC, |f| another_store(f, "cks-2c3d4e5f6a7b8c9d0", "https://xks.1password.com", "/tenant-a/kms/xks/v1"))
        }
        ConfigRegionSupported => (PLANNED, |f| f.region = "cn-north-1".into()),
        ConfigStoreQuota => (PLANNED, |f| {
            for n in 0..8 {
                another_store(
                    f,
                    &format!("cks-9{n}00000000000000"),
                    &format!("https://xks-{n}.example.test"),
                    "/kms/xks/v1",
                );
            }
        }),
        VpcServiceFound => (VPC, |f| {
            vpc(f).provider_view = Observed::Seen(None);
            vpc(f).consumer_view = Observed::Seen(None);
        }),
        VpcServiceRegion => (VPC, |f| {
            let name = xks(f, crate::healthy::VPC_STORE).vpc_endpoint_service_name.clone().unwrap();
            xks(f, crate::healthy::VPC_STORE).vpc_endpoint_service_name = Some(name.replace("us-east-1", "eu-west-1"));
            vpc(f).provider_view = Observed::Seen(None);
            vpc(f).consumer_view = Observed::Seen(None);
        }),
        VpcServiceState => (VPC, |f| service(f).service_state = Some("Pending".into())),
        VpcServiceType => (VPC, |f| service(f).service_types = vec!["Gateway".into()]),
        VpcLoadBalancerType => (VPC, |f| load_balancer(f).lb_type = Some("gateway".into())),
        VpcAvailabilityZones => (VPC, |f| {
            load_balancer(f).zones.truncate(1);
            service(f).availability_zones.truncate(1);
        }),
        VpcSubnetsPrivate => (VPC, |f| {
            if let Observed::Seen(routes) = &mut load_balancer(f).subnet_routes {
                routes[0].internet_gateway_routes = vec!["0.0.0.0/0 -> igw-0123456789abcdef0".into()];
            }
        }),
        VpcNlbScheme => (VPC, |f| load_balancer(f).scheme = Some("internet-facing".into())),
        VpcNlbListener => (VPC, |f| {
            if let Observed::Seen(listeners) = &mut load_balancer(f).listeners {
                listeners[0].port = Some(8443);
            }
        }),
        VpcTargetsHealthy => (VPC, |f| {
            if let Observed::Seen(groups) = &mut load_balancer(f).target_groups {
                if let Observed::Seen(targets) = &mut groups[0].targets {
                    for target in targets {
                        target.state = Some("unhealthy".into());
                    }
                }
            }
        }),
        VpcAcceptanceRequired => (VPC, |f| service(f).acceptance_required = Some(true)),
        VpcAllowedPrincipal => (VPC, |f| vpc(f).permissions = Observed::Seen(Vec::new())),
        VpcPrivateDnsName => (VPC, |f| service(f).private_dns_name = Some("xks-other.payments.test".into())),
        VpcPrivateDnsVerified => {
            (VPC, |f| service(f).private_dns_verification.as_mut().unwrap().state = Some("pendingVerification".into()))
        }
        VpcIpAddressType => (VPC, |f| service(f).supported_ip_address_types = vec!["ipv6".into()]),
        DnsResolves => (PUBLIC, |f| {
            net(f).ipv4 = Observed::Seen(DnsAnswer { addresses: Vec::new(), name_exists: false, duration_ms: 1.0 })
        }),
        DnsPublicParent => (VPC, |f| {
            for parent in vpc_net(f).parent_domains.as_mut().unwrap() {
                parent.name_servers = Observed::Seen(Vec::new());
            }
        }),
        DnsVerificationTxt => (VPC, |f| {
            for lookup in &mut vpc_net(f).verification_txt.as_mut().unwrap().lookups {
                lookup.values = Observed::Seen(Vec::new());
            }
            service(f).private_dns_verification.as_mut().unwrap().state = Some("pendingVerification".into());
        }),
        NetTcpConnect => (PUBLIC, no_connection),
        NetRtt => (PUBLIC, |f| {
            if let Observed::Seen(rtt) = &mut net(f).rtt {
                rtt.samples_ms = vec![90.0, 60.0, 75.0];
            }
        }),
        TlsVersion => (PUBLIC, |f| {
            let net = net(f);
            for attempt in &mut net.tls {
                attempt.server_alert = Some(TlsAlert(70));
                attempt.outcome = Observed::Failed(probe_failure("TLS handshake"));
            }
            net.proxy = Observed::NotGathered(Why::Needs { fact: Fact::KmsTlsSession });
        }),
        TlsCipherSuite => (PUBLIC, |f| {
            let net = net(f);
            for attempt in &mut net.tls {
                match &mut attempt.outcome {
                    Observed::Seen(handshake) if !attempt.kms_suites_only => {
                        handshake.cipher_suite = CipherSuite(0xc02f)
                    }
                    _ => attempt.outcome = Observed::Failed(probe_failure("TLS handshake")),
                }
            }
            net.proxy = Observed::NotGathered(Why::Needs { fact: Fact::KmsTlsSession });
        }),
        TlsClientCertificate => (PUBLIC, |f| {
            for attempt in &mut net(f).tls {
                attempt.client_certificate_requested = Some(true);
            }
        }),
        TlsHostname => (PUBLIC, |f| net(f).host = "xks.example.org".into()),
        TlsValidity => (PUBLIC, |f| f.gathered_at = "2025-06-30T00:00:00Z".into()),
        TlsChainComplete => (PUBLIC, |f| {
            for attempt in &mut net(f).tls {
                if let Observed::Seen(handshake) = &mut attempt.outcome {
                    handshake.chain.truncate(1);
                }
            }
        }),
        TlsTrustedCa => (PUBLIC, |f| {
            // The same server certificate, its chain ending at a root the server sent and KMS never trusted.
            let root = crate::support::pki::Ca::root("xks-preflight Walk Root");
            let leaf = root.server(&["xks.1password.com"], 1, 30);
            let chain: Vec<String> =
                leaf.chain(&[]).iter().chain([root.cert.der()]).map(|c| xks_preflight_base64(c)).collect();
            f.gathered_at = aws_now();
            for attempt in &mut net(f).tls {
                if let Observed::Seen(handshake) = &mut attempt.outcome {
                    handshake.chain = chain.clone();
                }
            }
        }),
        TlsHttp11 => (PUBLIC, |f| exchange(&mut calls(f).unsigned_health).http_version = HttpVersion::Http10),
        ProxyHealth => (PUBLIC, |f| signed(f).body = r#"{"xksProxyFleetSize":0}"#.into()),
        ProxyEkmAvailable => (PUBLIC, |f| {
            let body = signed(f).body.replace("ACTIVE", "UNAVAILABLE");
            signed(f).body = body;
        }),
        ProxyCredentialAccepted => (PUBLIC, |f| error_body(signed(f), 401, "AuthenticationFailedException")),
        ProxyAuthEnforced => (PUBLIC, |f| {
            let health = signed(f).clone();
            calls(f).unsigned_health = Observed::Seen(ProxyExchange { signed: false, ..health });
        }),
        ProxyUriPath => (PUBLIC, |f| {
            let health = signed(f).clone();
            calls(f).wrong_path = Observed::Seen(health);
        }),
        ProxyAccess => (PUBLIC, |f| error_body(signed(f), 403, "AccessDeniedException")),
        ProxyMethodPostOnly => (PUBLIC, |f| exchange(&mut calls(f).get).status = 200),
        ProxyErrorFormat => (PUBLIC, |f| exchange(&mut calls(f).unsigned_health).body = "unauthorized\n".into()),
        ProxyLatency => (PUBLIC, |f| {
            if let Observed::Seen(kept) = &mut calls(f).kept_alive {
                kept.durations_ms = vec![20.0, 310.0, 25.0];
            }
        }),
        ProxyClockSkew => (PUBLIC, |f| {
            let proxy = calls(f);
            for probed in [&mut proxy.signed_health, &mut proxy.unsigned_health] {
                exchange(probed).date = Some("Wed, 02 Dec 2099 07:54:44 GMT".into());
            }
        }),
        KeyMetadata => (PUBLIC, |f| {
            exchange(&mut key(f).metadata).body = r#"{"keySpec":"RSA_0","keyUsage":[],"keyStatus":"ENABLED"}"#.into()
        }),
        KeyRoundTrip => (PUBLIC, |f| exchange(&mut key(f).decrypt).body = r#"{"plaintext":"AAAA"}"#.into()),
        KeyTamperRejected => (PUBLIC, |f| {
            let decrypted = exchange(&mut key(f).decrypt).clone();
            key(f).decrypt_flipped = Observed::Seen(decrypted);
        }),
        KeyUnique => (PUBLIC, |f| {
            if let Observed::Seen(keys) = &mut f.store_keys {
                let mut twin = keys[0].clone();
                twin.key_id = "1234abcd-0000-4000-8000-00000000a002".into();
                keys.push(twin);
            }
        }),
        MonitorMetricsPresent => (PUBLIC, |f| {
            if let Observed::Seen(all) = &mut monitor(f).metrics {
                all.clear();
            }
        }),
        MonitorLatency => (PUBLIC, |f| {
            // From 10:05 to 10:19 the p99 was 480 ms, and KMS retried.
            for point in &mut series(f, "XksProxyLatency", "p99", "Encrypt").points[65..80] {
                point.value = 480.0;
            }
        }),
        MonitorErrors => (PUBLIC, |f| {
            let mut failed = series(f, "XksProxyErrors", "Sum", "Encrypt").clone();
            for dimension in &mut failed.dimensions {
                match dimension.name.as_str() {
                    "ErrorType" => dimension.value = "Non-retryable".into(),
                    "ExceptionName" => dimension.value = "AuthenticationFailedException".into(),
                    _ => {}
                }
            }
            failed.points = vec![Point { at: 1_736_938_800, value: 12.0 }];
            if let Observed::Seen(all) = &mut monitor(f).metrics {
                all.push(failed);
            }
        }),
        MonitorCertificateDays => (PUBLIC, |f| {
            series(f, "XksProxyCertificateDaysToExpire", "Minimum", "xks.1password.com")
                .points
                .last_mut()
                .unwrap()
                .value = 6.0
        }),
        MonitorCredentialAge => (PUBLIC, |f| {
            for point in &mut series(f, "XksProxyCredentialAge", "Maximum", "cks-0a1b2c3d4e5f6a7b8").points {
                point.value = 200.0;
            }
        }),
        MonitorEkmStates => (PUBLIC, |f| {
            series(f, "XksExternalKeyManagerStates", "Minimum", "Active").points.last_mut().unwrap().value = 0.0
        }),
        MonitorThrottle => (PUBLIC, |f| {
            let mut throttled = series(f, "XksProxyLatency", "p99", "Encrypt").clone();
            throttled.metric = "ExternalKeyStoreThrottle".into();
            throttled.statistic = "Sum".into();
            throttled.points = vec![Point { at: 1_736_938_800, value: 3.0 }];
            if let Observed::Seen(all) = &mut monitor(f).metrics {
                all.push(throttled);
            }
        }),
        MonitorAlarms => (PUBLIC, |f| {
            if let Observed::Seen(alarms) = &mut monitor(f).alarms {
                alarms.retain(|alarm| !alarm.name.contains("latency"));
            }
        }),
        MonitorRecentFailures => (PUBLIC, |f| {
            if let Observed::Seen(trail) = &mut monitor(f).trail {
                trail.events.push(TrailEvent {
                    time: "2025-01-15T10:07:12Z".into(),
                    event_name: "Decrypt".into(),
                    key_arn: Some("arn:aws:kms:us-east-1:123456789012:key/1234abcd-0000-4000-8000-00000000a001".into()),
                    xks_key_id: Some("key-1".into()),
                    error_code: Some("KMSInvalidStateException".into()),
                    error_message: Some(
                        "The external key store proxy did not respond to the request in the time allotted.".into(),
                    ),
                    request_id: Some("5b7c0c55-3f6e-4a8b-9c1d-0e2f3a4b5c6d".into()),
                });
            }
        }),
        IacStoreConnected => (PLANNED, |f| f.targets[PLANNED].iac = Some(from_plan(PlanAction::Create))),
        IacSecretInPlan => (PLANNED, |f| {
            let mut iac = from_plan(PlanAction::Update);
            iac.secret_in_clear = vec!["planned_values".into(), "resource_changes".into()];
            f.targets[PLANNED].iac = Some(iac);
        }),
        IacServiceResolved => (PLANNED, |f| {
            f.targets[PLANNED].iac = Some(from_plan(PlanAction::Update));
            if let Subject::Planned(planned) = &mut f.targets[PLANNED].subject {
                planned.connectivity = Some(VPC_ENDPOINT_SERVICE.into());
                planned.vpc_endpoint_service_name = None;
            }
        }),
        IacKeySettings => (PLANNED, |f| {
            let mut iac = from_plan(PlanAction::Update);
            iac.keys = vec![PlannedKeyFacts {
                address: "aws_kms_key.signing".into(),
                key_usage: Some("SIGN_VERIFY".into()),
                key_spec: Some("ECC_NIST_P256".into()),
                multi_region: Some(false),
                xks_key_id: Some("key-1".into()),
                known_after_apply: Vec::new(),
            }];
            f.targets[PLANNED].iac = Some(iac);
        }),
        KeyKmsKeyState => (PUBLIC, |f| {
            if let Observed::Seen(keys) = &mut f.store_keys {
                keys[0].key_state = Some("PendingDeletion".into());
            }
        }),
        ProxyRequestValidation => (PUBLIC, |f| {
            let served = exchange(&mut key(f).encrypt).clone();
            key(f).encrypt_without_plaintext = Observed::Seen(served);
        }),
        ProxyUnknownOperation => {
            (PUBLIC, |f| error_body(exchange(&mut calls(f).unknown_operation_health), 400, "ValidationException"))
        }
        ProxyLongMetadata => (PUBLIC, |f| error_body(exchange(&mut key(f).metadata_long), 400, "ValidationException")),
        ProxyCredentialRotation => (PUBLIC, |f| {
            // A rehearsal against a proxy that holds only the current credential.
            let mut refused = signed(f).clone();
            error_body(&mut refused, 401, "AuthenticationFailedException");
            calls(f).next_access_key_id = Some("NEXT2VPZ7WQ4XKS3PROXY5AB".into());
            calls(f).next_signed_health = Observed::Seen(refused);
        }),
        KeyNotFound => (PUBLIC, |f| {
            let served = exchange(&mut key(f).metadata).clone();
            calls(f).absent_key.as_mut().unwrap().metadata = Observed::Seen(served);
        }),
        KeyCiphertextShape => (PUBLIC, |f| {
            // The metadata changed, and Decrypt still gave the plaintext back: the metadata is not bound.
            let decrypted = exchange(&mut key(f).decrypt).clone();
            let tamper = key(f).more_tampering.iter_mut().find(|t| t.tampering == Tampering::ChangedMetadata);
            tamper.expect("the healthy proxy answers ciphertextMetadata").decrypt = Observed::Seen(decrypted);
        }),
    }
}

/// The planned target as a Terraform plan would declare it: a store the plan creates or updates, with
/// nothing else said.
fn from_plan(action: PlanAction) -> IacFacts {
    IacFacts {
        tool: IacTool::Terraform,
        file: "plan.json".into(),
        address: "aws_kms_custom_key_store.this".into(),
        action: Some(action),
        known_after_apply: Vec::new(),
        secret_in_clear: Vec::new(),
        connected_by: None,
        service: None,
        unresolved: Vec::new(),
        keys: Vec::new(),
    }
}

fn xks_preflight_base64(der: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(der)
}

/// Now, as the facts write times: the rcgen certificate of the trust mutation is valid now.
fn aws_now() -> String {
    use aws_sdk_kms::primitives::{DateTime, DateTimeFormat};
    DateTime::from(std::time::SystemTime::now()).fmt(DateTimeFormat::DateTime).unwrap()
}

/// What no verdict may ever do, checked on every one the walk makes.
fn assert_trustworthy(facts: &Facts, verdict: &Verdict, context: &str) {
    let mut any_failed = false;
    for (target_facts, target) in facts.targets.iter().zip(&verdict.targets) {
        let find = |id: CheckId| target.checks.iter().find(|c| c.id == id).unwrap();
        let counted: Vec<CheckId> =
            target.checks.iter().filter(|c| c.status == Status::Fail && c.blocked_by.is_none()).map(|c| c.id).collect();
        any_failed |= target.checks.iter().any(|c| c.status == Status::Fail);
        let problems: Vec<CheckId> = target.diagnosis.as_ref().map(|d| d.problems.clone()).unwrap_or_default();
        if target.checks.iter().any(|c| c.status == Status::Fail) {
            assert!(!problems.is_empty(), "{context}: {} fails, and its diagnosis names no cause", target.label);
        }
        for (at, later) in problems.iter().enumerate() {
            for earlier in &problems[at + 1..] {
                assert!(!later.depends_on(*earlier), "{context}: {later} is fixed before {earlier}, its cause");
            }
        }
        let mut sorted_problems = problems.clone();
        sorted_problems.sort();
        assert_eq!(sorted_problems, counted, "{context}: the diagnosis names every counted failure, and only those");
        for check in &target.checks {
            if check.id.requirement().severity == Severity::Warn {
                assert_ne!(check.status, Status::Fail, "{context}: {} is a recommendation", check.id);
            }
            // Follow the chain of blockers: it ends at a counted failure the diagnosis names.
            let mut at = check;
            for _ in 0..CheckId::ALL.len() {
                let Some(blocker) = at.blocked_by else { break };
                assert!(at.id.depends_on(blocker), "{context}: {} blocked by {blocker}, not upstream of it", at.id);
                at = find(blocker);
            }
            if check.blocked_by.is_some() {
                assert!(
                    at.blocked_by.is_none() && at.status == Status::Fail,
                    "{context}: {}'s chain ends at {}",
                    check.id,
                    at.id
                );
                assert!(
                    problems.contains(&at.id),
                    "{context}: {} is blocked by {}, which the diagnosis omits",
                    check.id,
                    at.id
                );
            }
        }
        // Every reason a check gives is one the catalogue declares upstream of it.
        for (id, outcome) in run_target(facts, target_facts, &Default::default(), &Default::default()) {
            if let Some(because) = outcome.because {
                assert!(id.depends_on(because), "{context}: {id} names {because}, which is not upstream of it");
            }
        }
    }
    if any_failed {
        assert_eq!(verdict.exit_code, ExitCode::Failed, "{context}: a failure exits 1");
    } else {
        assert_ne!(verdict.exit_code, ExitCode::Failed, "{context}");
    }
}

#[test]
fn the_healthy_baseline_is_trustworthy_and_clean() {
    let facts = baseline();
    let verdict = verdict::judge(std::slice::from_ref(&facts), &Default::default());
    assert_trustworthy(&facts, &verdict, "baseline");
    assert_eq!(verdict.exit_code, ExitCode::Ok);
    assert_eq!((verdict.summary.fail, verdict.summary.warn, verdict.summary.error), (0, 0, 0));
}

#[test]
fn every_check_broken_alone_is_counted_and_named() {
    for &id in CheckId::ALL {
        let (target, mutate) = breaking(id, None);
        let mut facts = baseline();
        mutate(&mut facts);
        let verdict = verdict::judge(std::slice::from_ref(&facts), &Default::default());
        let context = format!("{id} broken");
        assert_trustworthy(&facts, &verdict, &context);
        let judged = verdict.targets[target].checks.iter().find(|c| c.id == id).unwrap();
        let expected = match id.requirement().severity {
            Severity::Fail => Status::Fail,
            Severity::Warn => Status::Warn,
        };
        assert_eq!(judged.status, expected, "{context}: {}", judged.evidence);
        assert!(judged.blocked_by.is_none(), "{context}: blocked by {:?}", judged.blocked_by);
        if expected == Status::Fail {
            assert_eq!(verdict.exit_code, ExitCode::Failed, "{context}");
            let problems = &verdict.targets[target].diagnosis.as_ref().unwrap().problems;
            assert!(problems.contains(&id), "{context}: the diagnosis names {problems:?}");
        }
    }
}

#[test]
fn every_check_broken_with_each_of_its_blockers_still_exits_1_and_names_a_real_cause() {
    let mut pairs = 0;
    for &id in CheckId::ALL {
        let (target, mutate) = breaking(id, None);
        for &blocker in id.requirement().blocked_by {
            let (_, mutate_blocker) = breaking(blocker, Some(target));
            let mut facts = baseline();
            mutate(&mut facts);
            mutate_blocker(&mut facts);
            let verdict = verdict::judge(std::slice::from_ref(&facts), &Default::default());
            let context = format!("{id} and {blocker} broken");
            assert_trustworthy(&facts, &verdict, &context);
            let judged = verdict.targets[target].checks.iter().find(|c| c.id == id).unwrap();
            let blocker_failed =
                verdict.targets[target].checks.iter().any(|c| c.id == blocker && c.status == Status::Fail);
            if judged.status == Status::Fail || blocker_failed {
                assert_eq!(verdict.exit_code, ExitCode::Failed, "{context}");
            }
            pairs += 1;
        }
    }
    assert!(pairs > 150, "{pairs} pairs walked");
}

#[test]
fn a_call_that_got_no_answer_fails_latency_and_blocks_only_the_checks_that_needed_it() {
    let mut facts = baseline();
    let stalled = |message: &str| {
        Observed::Failed(ProbeFailure { step: "POST /encrypt".into(), timed_out: true, message: message.into() })
    };
    key(&mut facts).encrypt = stalled("no answer within 5000 ms");
    key(&mut facts).decrypt =
        stalled("not sent: the proxy stopped answering (POST /encrypt: no answer within 5000 ms)");
    let verdict = verdict::judge(std::slice::from_ref(&facts), &Default::default());
    assert_trustworthy(&facts, &verdict, "a stalled Encrypt");
    let check = |id: CheckId| verdict.targets[PUBLIC].checks.iter().find(|c| c.id == id).unwrap();
    assert_eq!(check(ProxyLatency).status, Status::Fail, "{}", check(ProxyLatency).evidence);
    assert_eq!(check(KeyRoundTrip).blocked_by, Some(ProxyLatency), "{}", check(KeyRoundTrip).evidence);
    for answered in [KeyMetadata, ProxyHealth, ProxyAuthEnforced, ProxyUnknownOperation, KeyNotFound] {
        assert_eq!(check(answered).status, Status::Pass, "{answered}: {}", check(answered).evidence);
    }
    assert_eq!(verdict.targets[PUBLIC].diagnosis.as_ref().unwrap().problems, vec![ProxyLatency]);
}
