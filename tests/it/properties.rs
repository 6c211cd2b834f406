//! Properties over generated inputs (proptest): facts written with `--save-facts` read back equal; every
//! report format renders any verdict; the blocking a verdict reports is acyclic and ends at a judged
//! failure for any `--only`/`--skip` choice. A failing case is shrunk and printed by proptest.

use std::path::Path;

use proptest::prelude::*;
use xks_preflight::catalogue::{CheckId, Operation, Section};
use xks_preflight::checks::{Measure, MeasureName, Selection, Series, Status};
use xks_preflight::exit::ExitCode;
use xks_preflight::facts::{
    self, BodyProblem, CallFailure, CipherSuite, Fact, Facts, Flag, HttpVersion, Observed, ProbeFailure, ProxyExchange,
    TlsAlert, TlsVersion, Why,
};
use xks_preflight::report::{self, Detail, Layout};
use xks_preflight::user_input::facts_from;
use xks_preflight::verdict::{
    self, AwsProblem, CheckVerdict, DeclaredIn, Diagnosis, FailOn, KmsAnswer, Options, ScopeVerdict, StoreSummary,
    Summary, TargetVerdict, Verdict,
};

use crate::healthy::HEALTHY;
use crate::replay::EXAMPLE;

fn read(path: &str) -> Vec<Facts> {
    facts_from(&std::fs::read_to_string(path).unwrap(), Path::new(path)).unwrap()
}

/// Any text, control characters, wide characters and right-to-left marks included.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(any::<char>(), 0..24).prop_map(String::from_iter),
        Just(String::new()),
        Just("\u{1b}[31mred\u{1b}[0m\r\n\t|<b>&amp;</b>\"'`".to_string()),
        Just("漢字\u{202e}\u{200b}e\u{301}🔑".repeat(3)),
        "[a-z ]{200,400}",
    ]
}

fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), 0.0..1e6f64, any::<f64>().prop_filter("finite", |v| v.is_finite())]
}

fn why() -> impl Strategy<Value = Why> {
    prop_oneof![
        prop_oneof![Just(Flag::NoAws), Just(Flag::NoNetwork), Just(Flag::NoMonitor)]
            .prop_map(|flag| Why::TurnedOff { flag }),
        Just(Why::NoSecret),
        Just(Why::NoAccessKeyId),
        prop_oneof![
            Just(Fact::Settings),
            Just(Fact::EndpointHost),
            Just(Fact::KmsTlsSession),
            Just(Fact::Ciphertext),
            Just(Fact::Listeners),
        ]
        .prop_map(|fact| Why::Needs { fact }),
        Just(Why::AwsUnreadable),
        Just(Why::OwnerOnly),
        Just(Why::PrivateName),
        text().prop_map(|action| Why::EndlessPages { action }),
        Just(Why::OlderFacts),
        text().prop_map(|text| Why::Recorded { text }),
    ]
}

fn call_failure() -> impl Strategy<Value = CallFailure> {
    (text(), any::<bool>(), prop::option::of(text()), text(), any::<bool>()).prop_map(
        |(action, access_denied, code, message, out_of_time)| CallFailure {
            action,
            access_denied,
            code,
            message,
            out_of_time,
        },
    )
}

fn probe_failure() -> impl Strategy<Value = ProbeFailure> {
    (text(), any::<bool>(), text()).prop_map(|(step, timed_out, message)| ProbeFailure { step, timed_out, message })
}

fn exchange() -> impl Strategy<Value = ProxyExchange> {
    let version = prop_oneof![Just(HttpVersion::Http10), Just(HttpVersion::Http11), Just(HttpVersion::Http2)];
    let problem = prop::option::of(prop_oneof![
        any::<usize>().prop_map(|limit_bytes| BodyProblem::TooLarge { limit_bytes }),
        any::<usize>().prop_map(|offset| BodyProblem::NotUtf8 { offset }),
    ]);
    (
        (text(), any::<bool>(), version, text(), any::<u16>()),
        (prop::option::of(text()), prop::option::of(text()), text(), text(), problem, finite(), any::<bool>()),
    )
        .prop_map(
            |(
                (request, signed, http_version, kms_request_id, status),
                (content_type, date, received_at, body, body_problem, duration_ms, new_connection),
            )| ProxyExchange {
                request,
                signed,
                http_version,
                kms_request_id,
                status,
                content_type,
                date,
                received_at,
                body,
                body_problem,
                duration_ms,
                new_connection,
            },
        )
}

fn probed<T: std::fmt::Debug + Clone + 'static>(
    seen: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = Observed<T, ProbeFailure>> {
    prop_oneof![
        2 => seen.prop_map(Observed::Seen),
        1 => probe_failure().prop_map(Observed::Failed),
        1 => why().prop_map(Observed::NotGathered),
    ]
}

/// Sub-records that gathering writes, put into the recorded healthy facts in their places.
#[derive(Debug, Clone)]
struct Changes {
    aws_problem: Option<CallFailure>,
    store_keys: Observed<Vec<facts::KmsKeyFacts>>,
    exchanges: Vec<Observed<ProxyExchange, ProbeFailure>>,
    handshake: (TlsVersion, Option<TlsAlert>, CipherSuite, Option<String>, f64),
    region: String,
}

fn changes() -> impl Strategy<Value = Changes> {
    let store_keys = prop_oneof![
        call_failure().prop_map(Observed::Failed),
        why().prop_map(Observed::NotGathered),
        Just(Observed::Seen(Vec::new())),
    ];
    let version = prop_oneof![Just(TlsVersion::Tls12), Just(TlsVersion::Tls13)];
    (
        prop::option::of(call_failure()),
        store_keys,
        prop::collection::vec(probed(exchange()), 0..6),
        (version, prop::option::of(any::<u8>().prop_map(TlsAlert)), any::<u16>().prop_map(CipherSuite)),
        (prop::option::of(text()), finite(), text()),
    )
        .prop_map(|(aws_problem, store_keys, exchanges, (version, alert, suite), (alpn, tcp_ms, region))| {
            Changes { aws_problem, store_keys, exchanges, handshake: (version, alert, suite, alpn, tcp_ms), region }
        })
}

fn apply(mut facts: Facts, changes: Changes) -> Facts {
    facts.aws_problem = changes.aws_problem;
    facts.store_keys = changes.store_keys;
    facts.region = changes.region;
    for target in &mut facts.targets {
        let Observed::Seen(network) = &mut target.network else { continue };
        let (version, alert, suite, alpn, tcp_ms) = changes.handshake.clone();
        for attempt in &mut network.tls {
            attempt.version = version;
            attempt.server_alert = alert;
            if let Observed::Seen(handshake) = &mut attempt.outcome {
                handshake.cipher_suite = suite;
                handshake.alpn = alpn.clone();
                handshake.tcp_ms = tcp_ms;
            }
        }
        let Observed::Seen(proxy) = &mut network.proxy else { continue };
        let slots = [
            &mut proxy.signed_health,
            &mut proxy.unsigned_health,
            &mut proxy.wrongly_signed_health,
            &mut proxy.wrong_path,
            &mut proxy.get,
            &mut proxy.unknown_operation_health,
        ];
        for (slot, exchange) in slots.into_iter().zip(&changes.exchanges) {
            *slot = exchange.clone();
        }
    }
    facts
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn facts_written_then_read_are_equal(changes in changes(), several in any::<bool>()) {
        let mut scopes = read(HEALTHY);
        scopes.truncate(1);
        let changed = apply(scopes.remove(0), changes);
        let scopes = if several { vec![changed.clone(), changed] } else { vec![changed] };
        let written = facts::to_file(&scopes);
        let back = facts_from(&written, Path::new("facts.json")).unwrap();
        prop_assert_eq!(back, scopes);
    }

    #[test]
    fn tls_names_read_back_as_the_same_code(alert in any::<u8>(), suite in any::<u16>()) {
        let json = serde_json::to_string(&(TlsAlert(alert), CipherSuite(suite))).unwrap();
        let (alert_back, suite_back): (TlsAlert, CipherSuite) = serde_json::from_str(&json).unwrap();
        prop_assert_eq!((alert_back, suite_back), (TlsAlert(alert), CipherSuite(suite)));
    }

    #[test]
    fn every_format_renders_any_verdict(verdict in any_verdict(), width in 0usize..200) {
        for detail in [Detail::Quiet, Detail::Normal, Detail::Verbose] {
            let table = report::render_table(&verdict, &Layout { width, detail });
            prop_assert!(!table.is_empty());
        }
        let json: serde_json::Value = serde_json::from_str(&report::render_json(&verdict)).unwrap();
        prop_assert_eq!(json["targets"].as_array().map(Vec::len), Some(verdict.targets.len()));
        prop_assert!(report::render_junit(&verdict).starts_with("<?xml"));
        prop_assert!(!report::render_prometheus(&verdict).is_empty());
        prop_assert!(!report::render_markdown(&verdict).is_empty());
        // Every line a workflow command, whatever line breaks the evidence holds; the summary last.
        let github = report::render_github(&verdict);
        prop_assert!(github.lines().all(|line| line.starts_with("::")), "{}", github);
        prop_assert!(github.lines().last().is_some_and(|line| line.starts_with("::notice title=xks-preflight::")));
    }

    #[test]
    fn blocking_is_acyclic_and_ends_at_a_judged_failure_for_any_selection(
        only in prop::collection::vec(pattern(), 0..4),
        skip in prop::collection::vec(pattern(), 0..4),
        fixture in prop_oneof![Just(HEALTHY), Just(EXAMPLE)],
    ) {
        let options = Options { selection: Selection { skip, only }, ..Options::default() };
        let verdict = verdict::judge(&read(fixture), &options);
        for target in &verdict.targets {
            let status = |id: CheckId| target.checks.iter().find(|c| c.id == id).map(|c| (c.status, c.blocked_by));
            for check in target.checks.iter().filter(|c| c.blocked_by.is_some()) {
                let mut at = check.id;
                let mut steps = 0;
                while let Some((_, Some(next))) = status(at) {
                    prop_assert!(check.id.depends_on(next) || at.depends_on(next), "{:?} is blocked by {:?}, which is not upstream", at, next);
                    at = next;
                    steps += 1;
                    prop_assert!(steps <= CheckId::ALL.len(), "a cycle of blocking from {:?}", check.id);
                }
                prop_assert_eq!(status(at).map(|(status, _)| status), Some(Status::Fail), "{:?} ends at {:?}", check.id, at);
                prop_assert!(options.selection.leaves_out(at).is_none(), "{:?} ends at {:?}, which was not judged", check.id, at);
            }
        }
    }
}

/// An `--only`/`--skip` pattern: an ID or a whole section.
fn pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(CheckId::ALL).prop_map(|id| id.as_str().to_string()),
        prop::sample::select(Section::ALL.to_vec()).prop_map(|section| format!("{}.*", section.prefix())),
    ]
}

fn status() -> impl Strategy<Value = Status> {
    prop::sample::select(vec![Status::Pass, Status::Warn, Status::Fail, Status::Skipped, Status::Error])
}

fn measure() -> impl Strategy<Value = Measure> {
    let names = vec![
        MeasureName::RoundTripMedianMs,
        MeasureName::CertificateDaysLeft,
        MeasureName::ProxyLatencyWorstMs,
        MeasureName::ExternalKeyManagerState,
        MeasureName::KmsSeenLatencyWorstMs,
        MeasureName::KmsSeenCertificateDaysLeft,
        MeasureName::KmsSeenCredentialAgeDays,
        MeasureName::KmsSeenPeakRequestsPerSecond,
    ];
    let value = prop_oneof![finite(), Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY)];
    (prop::sample::select(names), prop::collection::vec(text(), 0..3), value).prop_map(|(name, labels, value)| {
        Measure {
            name,
            labels: labels.into_iter().zip(["id", "state", "operation"]).map(|(text, label)| (label, text)).collect(),
            value,
        }
    })
}

fn series() -> impl Strategy<Value = Series> {
    let value = prop::option::of(prop_oneof![finite(), Just(f64::NAN), Just(-1.0), Just(f64::INFINITY)]);
    (text(), any::<i64>(), any::<u32>(), prop::collection::vec(value, 0..40))
        .prop_map(|(label, start, period_s, values)| Series { label, start, period_s, values })
}

fn check_verdict() -> impl Strategy<Value = CheckVerdict> {
    (
        prop::sample::select(CheckId::ALL),
        status(),
        text(),
        prop::option::of(text()),
        prop::option::of(prop::sample::select(CheckId::ALL)),
        any::<bool>(),
        prop::collection::vec(measure(), 0..3),
        prop::collection::vec(series(), 0..2),
        prop::collection::vec(text(), 0..3),
    )
        .prop_map(|(id, status, evidence, remedy, blocked_by, fails_run, measures, series, commands)| {
            let requirement = id.requirement();
            CheckVerdict {
                id,
                section: id.section(),
                title: requirement.title,
                status,
                evidence,
                remedy,
                commands,
                blocked_by,
                fails_run,
                kms_says: requirement.kms_says,
                kms_answers: vec![KmsAnswer { operation: Operation::ConnectStore, answer: "XKS_PROXY_TIMED_OUT" }],
                measures,
                series,
            }
        })
}

fn summary() -> impl Strategy<Value = Summary> {
    prop::collection::vec(0usize..100, 6).prop_map(|n| Summary {
        pass: n[0],
        warn: n[1],
        fail: n[2],
        skipped: n[3],
        error: n[4],
        blocked: n[5],
    })
}

fn target_verdict() -> impl Strategy<Value = TargetVerdict> {
    let store =
        prop::option::of((text(), prop::option::of(text()), prop::option::of(text())).prop_map(|(id, name, code)| {
            StoreSummary {
                id,
                name,
                connectivity: Some("PUBLIC_ENDPOINT".into()),
                connection_state: Some("FAILED".into()),
                connection_error_code: code,
            }
        }));
    let ids = || prop::collection::vec(prop::sample::select(CheckId::ALL), 0..4);
    let diagnosis = prop::option::of((prop::option::of(text()), ids(), ids(), ids(), text()).prop_map(
        |(reported, explained_by, problems, unchecked, summary)| Diagnosis {
            reported,
            explained_by,
            problems,
            unchecked,
            summary,
        },
    ));
    let declared_in = prop::option::of((text(), text()).prop_map(|(file, address)| DeclaredIn { file, address }));
    (
        (text(), text(), prop::option::of(text()), prop::option::of(finite())),
        (store, declared_in, diagnosis, summary(), prop::collection::vec(check_verdict(), 0..12)),
    )
        .prop_map(
            |((label, region, account, gathering_seconds), (store, declared_in, diagnosis, summary, checks))| {
                TargetVerdict {
                    label,
                    region,
                    account,
                    gathering_seconds,
                    store,
                    declared_in,
                    diagnosis,
                    summary,
                    checks,
                }
            },
        )
}

fn any_verdict() -> impl Strategy<Value = Verdict> {
    let problem = prop::option::of(
        (text(), prop::option::of(text()), text(), text()).prop_map(|(action, code, message, remedy)| AwsProblem {
            action,
            code,
            message,
            remedy,
        }),
    );
    let scope =
        (text(), prop::option::of(text()), text(), problem, 0usize..4, prop::option::of(finite()), any::<bool>())
            .prop_map(|(region, account, facts_gathered_at, aws_problem, targets, gathering_seconds, all_regions)| {
                ScopeVerdict {
                    region,
                    role_arn: account.as_ref().map(|a| format!("arn:aws:iam::{a}:role/x")),
                    account,
                    facts_gathered_at,
                    aws_problem,
                    targets,
                    gathering_seconds,
                    all_regions,
                }
            });
    let exit = prop::sample::select(vec![ExitCode::Ok, ExitCode::Failed, ExitCode::Incomplete]);
    let fail_on = prop_oneof![Just(FailOn::Fail), Just(FailOn::Warn)];
    (
        prop::collection::vec(scope, 0..3),
        prop::collection::vec(target_verdict(), 0..3),
        summary(),
        fail_on,
        exit,
        text(),
    )
        .prop_map(|(scopes, targets, summary, fail_on, exit_code, tool_version)| Verdict {
            schema_version: verdict::REPORT_SCHEMA_VERSION,
            tool_version,
            scopes,
            targets,
            summary,
            fail_on,
            exit_code,
        })
}
