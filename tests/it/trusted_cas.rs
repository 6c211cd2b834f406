//! The trusted-CA table shipped in data/ against the list it is derived from.

use xks_preflight::trusted_cas;

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (if month <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, month, day)
}

/// `Tue Dec 31 01:37:37 PST 2030` (keytool's Pacific time) as RFC 3339 UTC.
fn keytool_date_to_utc(text: &str) -> String {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [_, month, day, time, zone, year] = parts[..] else { panic!("unexpected date {text}") };
    let month = MONTHS.iter().position(|m| *m == month).unwrap() as i64 + 1;
    let offset = match zone {
        "PST" => 8,
        "PDT" => 7,
        other => panic!("unexpected zone {other}"),
    };
    let hms: Vec<i64> = time.split(':').map(|n| n.parse().unwrap()).collect();
    let seconds = days_from_civil(year.parse().unwrap(), month, day.parse().unwrap()) * 86400
        + (hms[0] + offset) * 3600
        + hms[1] * 60
        + hms[2];
    let (y, m, d) = civil_from_days(seconds.div_euclid(86400));
    let rest = seconds.rem_euclid(86400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

fn derive(text: &str) -> String {
    let mut out = String::from("# Derived from the XKS proxy API's TrustedCertificateAuthorities: alias, SHA-256, valid until (UTC), subject.\n");
    for block in text.split("Alias name: ").skip(1) {
        let field = |prefix: &str| {
            block
                .lines()
                .find_map(|l| l.trim().strip_prefix(prefix))
                .unwrap_or_else(|| panic!("no {prefix} in {block}"))
                .trim()
        };
        let alias = block.lines().next().unwrap().trim();
        let until = field("Valid from:").split(" until: ").nth(1).unwrap();
        // One line of the list carries stray characters after the fingerprint.
        let sha256 = field("SHA256:").split_whitespace().next().unwrap_or_default().replace(':', "");
        out.push_str(&format!("{alias}\t{sha256}\t{}\t{}\n", keytool_date_to_utc(until), field("Owner:")));
    }
    out
}

#[test]
fn trusted_ca_table_has_130_roots_with_unique_fingerprints() {
    let roots = trusted_cas::all();
    assert_eq!(roots.len(), 130);
    let mut fingerprints: Vec<&str> = roots.iter().map(|r| r.sha256).collect();
    fingerprints.sort_unstable();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), 130);
    assert!(roots.iter().all(|r| r.sha256.len() == 64 && r.sha256.chars().all(|c| c.is_ascii_hexdigit())));
    let amazon = roots.iter().find(|r| r.alias == "amazonrootca1").unwrap();
    assert_eq!(amazon.subject, "CN=Amazon Root CA 1, O=Amazon, C=US");
}

/// data/kms-roots.pem carries the certificate of every listed root, and nothing else: the same 130
/// SHA-256 fingerprints as data/trusted-cas.tsv, each certificate valid until the date the list gives.
#[test]
fn root_bundle_holds_exactly_the_certificates_of_the_listed_fingerprints() {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let bundle = concat!(env!("CARGO_MANIFEST_DIR"), "/data/kms-roots.pem");
    let mut in_bundle: Vec<String> =
        CertificateDer::pem_file_iter(bundle).unwrap().map(|der| trusted_cas::fingerprint(&der.unwrap())).collect();
    in_bundle.sort();
    let mut listed: Vec<String> = trusted_cas::all().iter().map(|r| r.sha256.to_string()).collect();
    listed.sort();
    assert_eq!(in_bundle.len(), 130);
    assert_eq!(in_bundle, listed);
    for root in trusted_cas::certificates() {
        let listed_until = root.listed.valid_until;
        let shipped_until = xks_preflight_date(root.not_after);
        assert_eq!(shipped_until, listed_until, "{}: the certificate is not the listed one", root.listed.alias);
    }
}

fn xks_preflight_date(epoch: i64) -> String {
    use aws_sdk_kms::primitives::{DateTime, DateTimeFormat};
    DateTime::from_secs(epoch).fmt(DateTimeFormat::DateTime).unwrap()
}

#[test]
fn keytool_pacific_dates_become_utc() {
    assert_eq!(keytool_date_to_utc("Tue Dec 31 16:37:37 PST 2030"), "2031-01-01T00:37:37Z");
    assert_eq!(keytool_date_to_utc("Thu May 05 02:37:37 PDT 2011"), "2011-05-05T09:37:37Z");
}

/// Needs the reference beside the repository; `XKS_UPDATE_DERIVED=1` rewrites `data/trusted-cas.tsv`.
#[test]
#[ignore = "reads ../shared/xks/TrustedCertificateAuthorities, which only CI and the team have"]
fn derived_trusted_ca_table_matches_the_shared_list() {
    let shared = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/xks/TrustedCertificateAuthorities");
    let derived = derive(&std::fs::read_to_string(shared).expect("the shared list beside the repository"));
    let table = concat!(env!("CARGO_MANIFEST_DIR"), "/data/trusted-cas.tsv");
    if std::env::var("XKS_UPDATE_DERIVED").is_ok() {
        std::fs::write(table, &derived).unwrap();
    }
    assert_eq!(std::fs::read_to_string(table).unwrap(), derived, "rerun with XKS_UPDATE_DERIVED=1");
}
