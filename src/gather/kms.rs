use aws_sdk_kms::primitives::DateTimeFormat;
use aws_sdk_kms::types::CustomKeyStoresListEntry;

use super::aws::call_failure;
use crate::facts::{KmsKeyFacts, Observed, StoreFacts, Why, XksProxySettings};

/// Every custom key store of the account in the client's Region, following `NextMarker` to the end.
pub async fn list_stores(kms: &aws_sdk_kms::Client) -> Observed<Vec<StoreFacts>> {
    let mut stores = Vec::new();
    let mut marker: Option<String> = None;
    // Bounded: KMS allows at most a few dozen stores per Region; a marker that never ends is a broken endpoint.
    for _page in 0..1000 {
        let answer = kms.describe_custom_key_stores().set_marker(marker.take()).send().await;
        let page = match answer {
            Ok(page) => page,
            Err(error) => return Observed::Failed(call_failure("kms:DescribeCustomKeyStores", &error)),
        };
        stores.extend(page.custom_key_stores().iter().map(store_facts));
        match page.next_marker() {
            Some(next) if page.truncated() => marker = Some(next.to_string()),
            _ => return Observed::Seen(stores),
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
    let mut marker: Option<String> = None;
    for _page in 0..1000 {
        let page = match kms.list_keys().set_marker(marker.take()).send().await {
            Ok(page) => page,
            Err(error) => return Observed::Failed(call_failure("kms:ListKeys", &error)),
        };
        ids.extend(page.keys().iter().filter_map(|k| k.key_id()).map(str::to_string));
        match page.next_marker() {
            Some(next) if page.truncated() => marker = Some(next.to_string()),
            _ => break,
        }
    }
    let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(8));
    let mut tasks = tokio::task::JoinSet::new();
    for id in ids {
        let (kms, limit) = (kms.clone(), limit.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            kms.describe_key().key_id(&id).send().await.map_err(|e| call_failure("kms:DescribeKey", &e))
        });
    }
    let mut keys = Vec::new();
    for described in tasks.join_all().await {
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
