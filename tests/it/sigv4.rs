//! The proxy calls are signed with SigV4 as AWS specifies it: the signing step reproduces AWS's own
//! known answers from the SigV4 test suite (aws-sig-v4-test-suite, in the AWS General Reference's
//! "Signature Version 4 test suite"; credentials AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY,
//! 2015-08-30T12:36:00Z, us-east-1, service `service`), whose requests sign exactly the headers KMS signs
//! on a proxy call: `host` and `x-amz-date`.

use std::time::{Duration, SystemTime};

use http_body_util::Full;
use hyper::body::Bytes;
use xks_preflight::gather::sigv4_sign_at;

const HOST: &str = "example.amazonaws.com";
const SCOPE: &str = "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date";

fn signed(method: &str, path_and_query: &str, service: &str) -> (String, String) {
    let mut request =
        http::Request::builder().method(method).uri(path_and_query).body(Full::new(Bytes::new())).unwrap();
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160);
    let credential = ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    sigv4_sign_at(&mut request, b"", HOST, credential, ("us-east-1", service), time).unwrap();
    let header = |name: &str| request.headers()[name].to_str().unwrap().to_string();
    (header("x-amz-date"), header("authorization"))
}

#[test]
fn proxy_call_signing_gives_the_sigv4_test_suites_known_answers() {
    for (vector, method, path, signature) in [
        ("get-vanilla", "GET", "/", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        ("post-vanilla", "POST", "/", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        (
            "get-vanilla-query-order-key-case",
            "GET",
            "/?Param2=value2&Param1=value1",
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
        ),
    ] {
        let (date, authorization) = signed(method, path, "service");
        assert_eq!(date, "20150830T123600Z", "{vector}");
        assert_eq!(authorization, format!("AWS4-HMAC-SHA256 {SCOPE}, Signature={signature}"), "{vector}");
    }
}

#[test]
fn a_signature_for_another_service_differs_from_the_known_answer() {
    // The service name is part of what is signed: kms-xks-proxy, not kms or anything else.
    let (_, authorization) = signed("GET", "/", "kms-xks-proxy");
    assert!(authorization.contains("/us-east-1/kms-xks-proxy/aws4_request"), "{authorization}");
    assert!(!authorization.ends_with("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
}
