//! Following the head of anvil by polling and over WebSocket.

use std::time::Duration;

use futures::StreamExt;
use tributary_source::RpcSettings;
use tributary_types::BlockHeader;

use crate::chain::Chain;

async fn next_head(
    heads: &mut (
             impl futures::Stream<Item = Result<BlockHeader, tributary_source::SourceError>> + Unpin
         ),
) -> BlockHeader {
    tokio::time::timeout(Duration::from_secs(5), heads.next())
        .await
        .expect("a head within 5s")
        .expect("the stream goes on")
        .expect("a head")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_yields_mined_blocks() {
    let chain = Chain::spawn();
    let source = chain.source(chain.settings()).await;
    let mut heads = Box::pin(source.new_heads());
    let first = next_head(&mut heads).await;
    assert_eq!(first.number, chain.head().await);
    let mut last = first;
    for _ in 0..3 {
        chain.mine(1).await;
        let head = next_head(&mut heads).await;
        assert_eq!(head.number, last.number + 1);
        assert!(last.is_parent_of(&head));
        last = head;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_yields_every_mined_block() {
    let chain = Chain::spawn();
    // A poll interval far longer than the test: heads must come over ws.
    let settings = RpcSettings {
        ws: Some(chain.anvil.ws_endpoint_url()),
        poll_interval: Duration::from_secs(60),
        ..chain.settings()
    };
    let source = chain.source(settings).await;
    let mut heads = Box::pin(source.new_heads());
    let first = next_head(&mut heads).await;
    let mut last = first;
    for _ in 0..3 {
        chain.mine(1).await;
        let head = next_head(&mut heads).await;
        assert!(last.is_parent_of(&head), "{last:?} -> {head:?}");
        last = head;
    }
    // Several blocks at once still arrive one by one.
    chain.mine(3).await;
    for _ in 0..3 {
        let head = next_head(&mut heads).await;
        assert!(last.is_parent_of(&head), "{last:?} -> {head:?}");
        last = head;
    }
}
