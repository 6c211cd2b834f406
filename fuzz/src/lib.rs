//! What every fuzz target shares: the healthy facts, read once, and the target's body, found by name
//! in `xks_preflight::fuzzing::TARGETS`.

use std::sync::OnceLock;

use serde_json::Value;
use xks_preflight::fuzzing::{baseline, TARGETS};

pub fn run(name: &str, data: &[u8]) {
    static HEALTHY: OnceLock<Value> = OnceLock::new();
    let healthy = HEALTHY.get_or_init(|| baseline(include_str!("../../fixtures/examples/healthy-stores.json")));
    let (_, body) = TARGETS.iter().find(|(target, _)| *target == name).expect("a target of fuzzing::TARGETS");
    body(data, healthy);
}
