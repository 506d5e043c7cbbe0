//! The dropped-log defence: blooms that promise logs an answer lacks.

use alloy::primitives::Bloom;

use super::*;

const TOPIC: B256 = B256::repeat_byte(0xdd);

fn token() -> Address {
    Address::repeat_byte(0x42)
}

/// Headers 0..=20; blocks in `with_logs` have a bloom holding `token()`.
fn header_with_bloom(n: u64, with_logs: &[u64]) -> Value {
    let mut h = header_json(n);
    let mut bloom = Bloom::ZERO;
    if with_logs.contains(&n) {
        bloom.accrue_raw_log(token(), &[TOPIC]);
    }
    h["logsBloom"] = json!(bloom);
    h
}

fn filter() -> LogFilter {
    LogFilter {
        addresses: vec![token()],
        topics0: vec![TOPIC],
    }
}

/// A node whose blocks 3, 7 and 12 hold one log each, and whose
/// `eth_getLogs` drops the blocks in `dropped` on its first `drops` answers.
fn flaky_node(
    dropped: &'static [u64],
    drops: u64,
    blooms_for: &'static [u64],
) -> impl Fn(&str, &Value) -> Result<Value, (i64, String)> + Send + Sync + 'static {
    let answered = Arc::new(AtomicU64::new(0));
    move |method, params| match method {
        "eth_getLogs" => {
            let (a, b) = range_of(params);
            let n = answered.fetch_add(1, Ordering::SeqCst);
            Ok(Value::Array(
                [3u64, 7, 12]
                    .into_iter()
                    .filter(|blk| (a..=b).contains(blk))
                    .filter(|blk| n >= drops || !dropped.contains(blk))
                    .map(|blk| log_json(blk, 0, token()))
                    .collect(),
            ))
        }
        _ => Ok(header_with_bloom(quantity(&params[0]), blooms_for)),
    }
}

async fn fetch_all(src: &EvmSource, mode: HeaderMode) -> Vec<u64> {
    let plan = FetchPlan::fixed(filter(), mode);
    let ranges: Vec<_> = src
        .fetch_ahead(0, 20, plan)
        .try_collect()
        .await
        .expect("fetch");
    ranges
        .iter()
        .flat_map(|r| r.logs.iter().map(|l| l.block_number))
        .collect()
}

#[tokio::test]
async fn dropped_and_truncated_logs_are_fetched_again() {
    // Block 7 dropped inside the range, block 12 cut off at its end.
    let node = TestNode::rpc(flaky_node(&[7, 12], 1, &[3, 7, 12])).await;
    let src = EvmSource::connect(RpcSettings {
        initial_block_range: 21,
        max_block_range: 21,
        ..settings(vec![node.url.clone()])
    })
    .await
    .expect("connect");
    assert_eq!(fetch_all(&src, HeaderMode::All).await, vec![3, 7, 12]);
    let ranges: Vec<(u64, u64)> = node.params_of("eth_getLogs").iter().map(range_of).collect();
    assert_eq!(
        ranges,
        vec![(0, 20), (7, 12)],
        "only the suspicious span is fetched again"
    );
}

#[tokio::test]
async fn a_bloom_false_positive_is_accepted_after_refetches() {
    // The bloom of block 9 matches, but block 9 really has no log.
    let node = TestNode::rpc(flaky_node(&[], 0, &[3, 7, 9, 12])).await;
    let src = EvmSource::connect(RpcSettings {
        initial_block_range: 21,
        max_block_range: 21,
        ..settings(vec![node.url.clone()])
    })
    .await
    .expect("connect");
    assert_eq!(fetch_all(&src, HeaderMode::All).await, vec![3, 7, 12]);
    assert_eq!(
        node.params_of("eth_getLogs").len(),
        1 + crate::verify::REFETCHES as usize,
        "fetched once, then re-fetched REFETCHES times"
    );
}

#[tokio::test]
async fn backfill_checks_blooms_only_when_asked() {
    for (check, expected, header_calls) in [
        (BloomCheck::Tail, vec![3, 12], 1),
        (BloomCheck::Always, vec![3, 7, 12], 21),
    ] {
        let node = TestNode::rpc(flaky_node(&[7], 1, &[3, 7, 12])).await;
        let src = EvmSource::connect(RpcSettings {
            initial_block_range: 21,
            max_block_range: 21,
            bloom_check: check,
            ..settings(vec![node.url.clone()])
        })
        .await
        .expect("connect");
        assert_eq!(
            fetch_all(&src, HeaderMode::LastOnly).await,
            expected,
            "{check:?}"
        );
        assert_eq!(
            node.params_of("eth_getBlockByNumber").len(),
            header_calls,
            "{check:?}"
        );
    }
}

#[tokio::test]
async fn a_second_endpoint_answers_the_refetch() {
    // The first endpoint always drops block 7; the second is complete.
    let bad = TestNode::rpc(flaky_node(&[7], u64::MAX, &[3, 7, 12])).await;
    let good = TestNode::rpc(flaky_node(&[], 0, &[3, 7, 12])).await;
    let src = EvmSource::connect(RpcSettings {
        initial_block_range: 21,
        max_block_range: 21,
        ..settings(vec![bad.url.clone(), good.url.clone()])
    })
    .await
    .expect("connect");
    assert_eq!(fetch_all(&src, HeaderMode::All).await, vec![3, 7, 12]);
    assert_eq!(good.params_of("eth_getLogs").len(), 1);
}
