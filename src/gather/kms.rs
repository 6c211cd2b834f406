use aws_sdk_kms::primitives::DateTimeFormat;
use aws_sdk_kms::types::CustomKeyStoresListEntry;
use futures_util::stream::{self, StreamExt};

use super::aws::call_failure;
use crate::facts::{KmsKeyFacts, Observed, StoreFacts, Why, XksProxySettings};

/// Bounded: KMS allows at most a few dozen stores per Region and pages of up to 1,000 keys; a marker
/// that never ends is a broken endpoint.
const MAX_PAGES: usize = 1000;

/// Every custom key store of the account in the client's Region, through the SDK's paginator.
pub async fn list_stores(kms: &aws_sdk_kms::Client) -> Observed<Vec<StoreFacts>> {
    let mut pages = kms.describe_custom_key_stores().into_paginator().send();
    let mut stores = Vec::new();
    for _ in 0..MAX_PAGES {
        match pages.next().await {
            None => return Observed::Seen(stores),
            Some(Ok(page)) => stores.extend(page.custom_key_stores().iter().map(store_facts)),
            Some(Err(error)) => return Observed::Failed(call_failure("kms:DescribeCustomKeyStores", &error)),
        }
    }
    Observed::NotGathered(Why::EndlessPages { action: "kms:DescribeCustomKeyStores".into() })
}

fn store_facts(entry: &CustomKeyStoresListEntry) -> StoreFacts {
    StoreFacts {
        id: entry.custom_key_store_id().unwrap_or_default().to_string(),
        name: entry.custom_key_store_name().map(str::to_string),
        store_type: entry.custom_key_store_type().map(|t| t.as_str().to_string()),
        connection_state: entry.connection_state().map(|s| s.as_str().to_string()),
        connection_error_code: entry.connection_error_code().map(|c| c.as_str().to_string()),
        creation_date: entry.creation_date().and_then(|d| d.fmt(DateTimeFormat::DateTime).ok()),
        xks: entry.xks_proxy_configuration().map(|xks| XksProxySettings {
            connectivity: xks.connectivity().map(|c| c.as_str().to_string()),
            access_key_id: xks.access_key_id().map(str::to_string),
            uri_endpoint: xks.uri_endpoint().map(str::to_string),
            uri_path: xks.uri_path().map(str::to_string),
            vpc_endpoint_service_name: xks.vpc_endpoint_service_name().map(str::to_string),
            vpc_endpoint_service_owner: xks.vpc_endpoint_service_owner().map(str::to_string),
        }),
    }
}

/// The KMS keys that belong to a custom key store: every key of the Region is listed, and described
/// a few at a time.
pub async fn store_keys(kms: &aws_sdk_kms::Client) -> Observed<Vec<KmsKeyFacts>> {
    let mut ids = Vec::new();
    let mut pages = kms.list_keys().into_paginator().items().send();
    // Keys, not pages: a listing that never ends is said as such, never judged on the keys seen so far.
    let mut ended = false;
    for _ in 0..MAX_PAGES * 1000 {
        match pages.next().await {
            None => {
                ended = true;
                break;
            }
            Some(Ok(key)) => ids.extend(key.key_id().map(str::to_string)),
            Some(Err(error)) => return Observed::Failed(call_failure("kms:ListKeys", &error)),
        }
    }
    if !ended {
        return Observed::NotGathered(Why::EndlessPages { action: "kms:ListKeys".into() });
    }
    // A few DescribeKey calls at once, as the SDK's retries allow without throttling.
    let described: Vec<_> = stream::iter(ids)
        .map(|id| async move {
            kms.describe_key().key_id(&id).send().await.map_err(|e| call_failure("kms:DescribeKey", &e))
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let mut keys = Vec::new();
    for described in described {
        let metadata = match described {
            Ok(output) => output.key_metadata().cloned(),
            Err(failure) => return Observed::Failed(failure),
        };
        let Some(metadata) = metadata.filter(|m| m.custom_key_store_id().is_some()) else { continue };
        keys.push(KmsKeyFacts {
            key_id: metadata.key_id().to_string(),
            arn: metadata.arn().map(str::to_string),
            custom_key_store_id: metadata.custom_key_store_id().map(str::to_string),
            key_state: metadata.key_state().map(|s| s.as_str().to_string()),
            xks_key_id: metadata.xks_key_configuration().and_then(|x| x.id()).map(str::to_string),
        });
    }
    keys.sort_by(|a, b| a.key_id.cmp(&b.key_id));
    Observed::Seen(keys)
}
