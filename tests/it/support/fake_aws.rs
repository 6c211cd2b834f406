//! A local AWS endpoint for the tests, bound to 127.0.0.1. KMS's DescribeCustomKeyStores is answered
//! from the stores a test gives (paged two at a time, as a real marker chain), per account and Region
//! when the test says so, and UpdateCustomKeyStore is recorded and answered as AWS answers it; chosen
//! EC2, ELBv2 and STS actions are answered from `fixtures/aws/`; everything else goes to moto's server
//! unchanged. The account of a KMS call is known by its access key: the keys moto hands out through
//! AssumeRole are learned on their way back.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};

use super::loopback::Loopback;

const PAGE_SIZE: usize = 2;

/// What every call answers instead of its answer, each in the wire format of the call's service.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fault {
    /// The service's throttling error (KMS `ThrottlingException`, EC2 `RequestLimitExceeded`, ELBv2 and
    /// STS `Throttling`): retried by the SDK, answered the same every time.
    Throttle,
    /// The first `n` calls are answered; every call after them finds the session token expired (KMS
    /// `ExpiredTokenException`, EC2 `RequestExpired`, ELBv2 and STS `ExpiredToken`).
    ExpiresAfter(usize),
    /// An HTML page with this status: a captive portal or a proxy's error page in front of AWS.
    Html(u16),
    /// The real answer cut in half: a body that ends in the middle.
    Truncated,
}

#[derive(Clone)]
struct Canned {
    status: u16,
    content_type: &'static str,
    body: String,
}

#[derive(Default)]
struct State {
    stores: Vec<Value>,
    /// (account, Region) → the stores there, in place of `stores`.
    scoped: HashMap<(String, String), Vec<Value>>,
    /// Access key → account, from the AssumeRole answers that passed through.
    accounts: HashMap<String, String>,
    /// The (account, Region) of each DescribeCustomKeyStores call; no account for keys not from AssumeRole.
    kms_scopes: Vec<(Option<String>, String)>,
    /// KeyMetadata of the account's KMS keys, for ListKeys and DescribeKey.
    keys: Vec<Value>,
    kms_error: Option<Canned>,
    /// (service, action) → answer.
    canned: HashMap<(String, String), Canned>,
    /// Role ARN → the answer to an AssumeRole of it, before `canned`.
    refused_roles: Vec<(String, Canned)>,
    upstream: Option<String>,
    /// Every (service, action) asked, in order.
    seen: Vec<(String, String)>,
    /// The body of every UpdateCustomKeyStore, in order: answered as AWS does, with an empty object.
    updates: Vec<Value>,
    /// (moto's spelling, AWS's spelling) of ARNs, swapped in what passes to and from moto.
    arns: Vec<(String, String)>,
    fault: Option<Fault>,
    /// KMS action → its answer, before anything else.
    kms_answers: HashMap<String, Canned>,
    /// (service, action) → answers by page: the first without a token, page n for the token `page-n`.
    pages: HashMap<(String, String), Vec<String>>,
    /// The keys' ListKeys pages: how many keys a page holds.
    key_page_size: Option<usize>,
}

/// A value as the query protocol's form encoding spells it.
fn form_encoded(value: &str) -> String {
    value.replace(':', "%3A").replace('/', "%2F")
}

pub struct FakeAws {
    pub url: String,
    state: Arc<Mutex<State>>,
    _server: Loopback,
}

pub fn fixture(path: &str, values: &[(&str, &str)]) -> String {
    let full = format!("{}/fixtures/aws/{path}", env!("CARGO_MANIFEST_DIR"));
    let mut text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("fixture {full}: {e}"));
    for (key, value) in values {
        text = text.replace(&format!("{{{{{key}}}}}"), value);
    }
    assert!(!text.contains("{{"), "fixture {path} has a placeholder left: {text}");
    text
}

impl FakeAws {
    /// Starts the server; `upstream` is moto's URL for what is not canned.
    pub fn start(upstream: Option<&str>) -> FakeAws {
        let state = Arc::new(Mutex::new(State { upstream: upstream.map(str::to_string), ..State::default() }));
        let server = Loopback::http(state.clone(), handle);
        FakeAws { url: format!("http://{}", server.address), state, _server: server }
    }

    pub fn with_stores(self, stores: Vec<Value>) -> Self {
        self.state.lock().unwrap().stores = stores;
        self
    }

    /// The stores of one account in one Region.
    pub fn with_stores_in(self, account: &str, region: &str, stores: Vec<Value>) -> Self {
        self.state.lock().unwrap().scoped.insert((account.to_string(), region.to_string()), stores);
        self
    }

    /// The (account, Region) each DescribeCustomKeyStores call was signed for.
    pub fn kms_scopes(&self) -> Vec<(Option<String>, String)> {
        self.state.lock().unwrap().kms_scopes.clone()
    }

    pub fn with_keys(self, keys: Vec<Value>) -> Self {
        self.state.lock().unwrap().keys = keys;
        self
    }

    pub fn with_kms_error(self, status: u16, body: String) -> Self {
        self.state.lock().unwrap().kms_error =
            Some(Canned { status, content_type: "application/x-amz-json-1.1", body });
        self
    }

    /// Answers `action` of `service` (`ec2` or `elasticloadbalancing`) with this XML.
    pub fn with_canned(self, service: &str, action: &str, status: u16, body: String) -> Self {
        self.state
            .lock()
            .unwrap()
            .canned
            .insert((service.to_string(), action.to_string()), Canned { status, content_type: "text/xml", body });
        self
    }

    /// Answers an AssumeRole of `role_arn` (only that role) with this XML.
    pub fn with_refused_role(self, role_arn: &str, status: u16, body: String) -> Self {
        let canned = Canned { status, content_type: "text/xml", body };
        self.state.lock().unwrap().refused_roles.push((role_arn.to_string(), canned));
        self
    }

    /// moto names every load balancer `loadbalancer/app/…`; AWS names a Network Load Balancer
    /// `loadbalancer/net/…`. Shows `arn` (moto's) as AWS would, to the tool and back to moto.
    pub fn with_network_load_balancer(self, arn: &str) -> Self {
        let real = arn.replace(":loadbalancer/app/", ":loadbalancer/net/");
        self.state.lock().unwrap().arns.push((arn.to_string(), real));
        self
    }

    /// Answers KMS's `action` with this JSON, whatever the request.
    pub fn with_kms_answer(self, action: &str, status: u16, body: String) -> Self {
        let canned = Canned { status, content_type: "application/x-amz-json-1.1", body };
        self.state.lock().unwrap().kms_answers.insert(action.to_string(), canned);
        self
    }

    /// Answers `action` of `service` with these XML pages, each found by its `NextToken` (`page-1` …),
    /// which the page before it gives.
    pub fn with_pages(self, service: &str, action: &str, pages: Vec<String>) -> Self {
        self.state.lock().unwrap().pages.insert((service.to_string(), action.to_string()), pages);
        self
    }

    /// Every call answers with `fault` instead.
    pub fn with_fault(self, fault: Fault) -> Self {
        self.state.lock().unwrap().fault = Some(fault);
        self
    }

    /// ListKeys answers `size` keys a page, with a marker to the next.
    pub fn with_key_pages_of(self, size: usize) -> Self {
        self.state.lock().unwrap().key_page_size = Some(size);
        self
    }

    pub fn seen(&self) -> Vec<(String, String)> {
        self.state.lock().unwrap().seen.clone()
    }

    /// The requests of every UpdateCustomKeyStore received.
    pub fn updates(&self) -> Vec<Value> {
        self.state.lock().unwrap().updates.clone()
    }
}

fn respond(canned: Canned) -> Response<Full<Bytes>> {
    Response::builder()
        .status(canned.status)
        .header("content-type", canned.content_type)
        .header("x-amzn-requestid", "6b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
        .body(Full::new(Bytes::from(canned.body)))
        .unwrap()
}

/// A part of a SigV4-signed request's credential, `AKID/date/region/service/aws4_request`: 0 the access
/// key, 2 the Region, 3 the service.
fn credential_part(request: &Request<Incoming>, part: usize) -> String {
    let authorization = request.headers().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    authorization
        .split("Credential=")
        .nth(1)
        .and_then(|credential| credential.split(['/', ',']).nth(part))
        .unwrap_or("unknown")
        .to_string()
}

/// The text of the first `<tag>` in an XML answer.
fn xml_text<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = xml[start..].find(&format!("</{tag}>"))?;
    Some(&xml[start..start + end])
}

fn form_action(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .split('&')
        .find_map(|pair| pair.strip_prefix("Action="))
        .unwrap_or("unknown")
        .to_string()
}

/// The fault's answer to the `calls`-th call (from 1) of `service`, if it has one: `None` lets the call
/// be answered.
fn fault_answer(fault: Fault, service: &str, calls: usize) -> Option<Canned> {
    let (kms_fixture, xml_fixture) = match fault {
        Fault::Throttle => (
            "kms/throttling.json",
            if service == "ec2" { "ec2/request-limit-exceeded.xml" } else { "elbv2/throttling.xml" },
        ),
        Fault::ExpiresAfter(answered) if calls > answered => (
            "kms/expired-token.json",
            if service == "ec2" { "ec2/request-expired.xml" } else { "elbv2/expired-token.xml" },
        ),
        Fault::Html(status) => {
            let body = "<!DOCTYPE html><html><head><title>Sign in</title></head><body><h1>Sign in to continue</h1></body></html>";
            return Some(Canned { status, content_type: "text/html; charset=utf-8", body: body.into() });
        }
        Fault::ExpiresAfter(_) | Fault::Truncated => return None,
    };
    Some(match service {
        "kms" => Canned { status: 400, content_type: "application/x-amz-json-1.1", body: fixture(kms_fixture, &[]) },
        "ec2" if fault == Fault::Throttle => {
            Canned { status: 503, content_type: "text/xml", body: fixture(xml_fixture, &[]) }
        }
        _ => Canned { status: 400, content_type: "text/xml", body: fixture(xml_fixture, &[]) },
    })
}

async fn handle(state: Arc<Mutex<State>>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let response = answer(state.clone(), request).await?;
    if state.lock().unwrap().fault != Some(Fault::Truncated) {
        return Ok(response);
    }
    let (mut parts, body) = response.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    parts.headers.remove("content-length");
    Ok(Response::from_parts(parts, Full::new(body.slice(..body.len() / 2))))
}

async fn answer(state: Arc<Mutex<State>>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let service = credential_part(&request, 3);
    let (access_key, region) = (credential_part(&request, 0), credential_part(&request, 2));
    let target = request.headers().get("x-amz-target").and_then(|v| v.to_str().ok()).map(str::to_string);
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();

    if let Some(target) = target {
        let action = target.rsplit('.').next().unwrap_or("").to_string();
        let scope = {
            let mut state = state.lock().unwrap();
            state.seen.push(("kms".into(), action.clone()));
            if let Some(canned) = state.fault.and_then(|fault| fault_answer(fault, "kms", state.seen.len())) {
                return Ok(respond(canned));
            }
            (state.accounts.get(&access_key).cloned(), region)
        };
        return Ok(respond(kms(&state, &action, &body, scope)));
    }
    let action = form_action(&body);
    let (canned, upstream, arns) = {
        let mut state = state.lock().unwrap();
        state.seen.push((service.clone(), action.clone()));
        if let Some(canned) = state.fault.and_then(|fault| fault_answer(fault, &service, state.seen.len())) {
            return Ok(respond(canned));
        }
        let form = String::from_utf8_lossy(&body);
        let refused = state.refused_roles.iter().find(|(arn, _)| {
            action == "AssumeRole" && form.split('&').any(|pair| pair == format!("RoleArn={}", form_encoded(arn)))
        });
        let page: usize = form
            .split('&')
            .find_map(|pair| pair.strip_prefix("NextToken=page-"))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let paged = state
            .pages
            .get(&(service.clone(), action.clone()))
            .and_then(|pages| pages.get(page))
            .map(|body| Canned { status: 200, content_type: "text/xml", body: body.clone() });
        if let Some(paged) = paged {
            return Ok(respond(paged));
        }
        let canned = refused.map(|(_, canned)| canned).or(state.canned.get(&(service.clone(), action.clone())));
        (canned.cloned(), state.upstream.clone(), state.arns.clone())
    };
    if let Some(canned) = canned {
        return Ok(respond(canned));
    }
    let Some(upstream) = upstream else {
        return Ok(respond(Canned {
            status: 500,
            content_type: "text/plain",
            body: format!("the test gave no answer for {service} {action} and no moto"),
        }));
    };
    let mut body = String::from_utf8_lossy(&body).into_owned();
    for (moto, real) in &arns {
        body = body.replace(&form_encoded(real), &form_encoded(moto)).replace(real, moto);
    }
    let mut forward = Request::builder().method(parts.method).uri(format!("{upstream}{}", parts.uri));
    for (name, value) in &parts.headers {
        // The body may have changed length; hyper sets it anew.
        if name != "host" && name != "content-length" {
            forward = forward.header(name, value);
        }
    }
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let answer = client.request(forward.body(Full::new(Bytes::from(body))).unwrap()).await;
    Ok(match answer {
        Ok(answer) => {
            let (mut parts, body) = answer.into_parts();
            let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
            let mut body = String::from_utf8_lossy(&body).into_owned();
            for (moto, real) in &arns {
                body = body.replace(moto, real);
            }
            if action == "AssumeRole" {
                let account = xml_text(&body, "Arn").and_then(|arn| arn.split(':').nth(4));
                if let (Some(key), Some(account)) = (xml_text(&body, "AccessKeyId"), account) {
                    state.lock().unwrap().accounts.insert(key.to_string(), account.to_string());
                }
            }
            parts.headers.remove("content-length");
            Response::from_parts(parts, Full::new(Bytes::from(body)))
        }
        Err(error) => respond(Canned { status: 502, content_type: "text/plain", body: format!("moto: {error}") }),
    })
}

fn kms(state: &Arc<Mutex<State>>, action: &str, body: &[u8], scope: (Option<String>, String)) -> Canned {
    let mut state = state.lock().unwrap();
    let answer = |status: u16, body: Value| Canned {
        status,
        content_type: "application/x-amz-json-1.1",
        body: body.to_string(),
    };
    let request: Value = serde_json::from_slice(body).unwrap_or(json!({}));
    if let Some(canned) = state.kms_answers.get(action) {
        return canned.clone();
    }
    match action {
        "ListKeys" => {
            let keys: Vec<Value> =
                state.keys.iter().map(|k| json!({"KeyId": k["KeyId"], "KeyArn": k["Arn"]})).collect();
            let size = state.key_page_size.unwrap_or(keys.len().max(1));
            let start: usize = request["Marker"]
                .as_str()
                .and_then(|m| m.strip_prefix("keys-"))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let page: Vec<Value> = keys.iter().skip(start).take(size).cloned().collect();
            let next = start + page.len();
            let mut listed = json!({"Keys": page, "Truncated": next < keys.len()});
            if next < keys.len() {
                listed["NextMarker"] = json!(format!("keys-{next}"));
            }
            return answer(200, listed);
        }
        "DescribeKey" => {
            return match state.keys.iter().find(|k| k["KeyId"] == request["KeyId"]) {
                Some(key) => answer(200, json!({"KeyMetadata": key})),
                None => answer(400, json!({"__type": "NotFoundException", "message": "Key does not exist"})),
            };
        }
        "UpdateCustomKeyStore" => {
            state.updates.push(request);
            return answer(200, json!({}));
        }
        "DescribeCustomKeyStores" => {}
        _ => return answer(400, json!({"__type": "UnknownOperationException"})),
    }
    if let Some(error) = &state.kms_error {
        return error.clone();
    }
    state.kms_scopes.push(scope.clone());
    let stores = match scope {
        (Some(account), region) => state.scoped.get(&(account, region)).unwrap_or(&state.stores),
        (None, _) => &state.stores,
    };
    let start: usize =
        request["Marker"].as_str().and_then(|m| m.strip_prefix("page-")).and_then(|n| n.parse().ok()).unwrap_or(0);
    let page: Vec<Value> = stores.iter().skip(start).take(PAGE_SIZE).cloned().collect();
    let next = start + page.len();
    let mut answer = json!({"CustomKeyStores": page, "Truncated": next < stores.len()});
    if next < stores.len() {
        answer["NextMarker"] = json!(format!("page-{next}"));
    }
    Canned { status: 200, content_type: "application/x-amz-json-1.1", body: answer.to_string() }
}
