//! What clients send and receive on `WS /v1/ws` and `GET /v1/sse`. The
//! types are also the OpenAPI description of the pushes.

use alloy_primitives::Address;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::{BalanceItem, BlockJson, EventItem};

/// A topic a connection can subscribe to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Topic {
    /// Every new block of every chain.
    Blocks,
    /// Changes of one account's balances.
    Account(Address),
    /// New events of one configured contract (by config name).
    Events(String),
}

impl Topic {
    /// The topic as SSE's `topics=` writes it (and acknowledgements echo).
    pub(crate) fn label(&self) -> String {
        match self {
            Self::Blocks => "blocks".to_string(),
            Self::Account(a) => format!("account:{}", a.to_checksum(None)),
            Self::Events(c) => format!("events:{c}"),
        }
    }
}

/// A message a client sends on the WebSocket.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged, deny_unknown_fields)]
pub enum ClientMessage {
    /// Start receiving a topic.
    Subscribe(TopicRequest),
    /// Stop receiving a topic: `{"unsubscribe": "account", "address": "0x.."}`.
    Unsubscribe(UnsubscribeRequest),
}

/// `{"subscribe": "blocks"}`, `{"subscribe": "account", "address": "0x.."}`
/// or `{"subscribe": "events", "contract": "USDC"}`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicRequest {
    /// `blocks`, `account` or `events`.
    #[schema(example = "account")]
    pub subscribe: String,
    /// The account (topic `account`), any case.
    pub address: Option<String>,
    /// The contract config name (topic `events`).
    pub contract: Option<String>,
}

/// The same fields as a subscription, under `unsubscribe`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnsubscribeRequest {
    /// `blocks`, `account` or `events`.
    pub unsubscribe: String,
    /// The account (topic `account`).
    pub address: Option<String>,
    /// The contract config name (topic `events`).
    pub contract: Option<String>,
}

/// A message the server pushes. `type` says which.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PushMessage {
    /// A new block was committed (the last one of a committed batch).
    Block {
        /// Chain id.
        chain_id: u64,
        /// Block height.
        number: u64,
        /// Block hash, 0x-hex.
        hash: String,
        /// Unix timestamp in seconds.
        timestamp: u64,
    },
    /// A subscribed account's state changed; carries its fresh balances.
    Account {
        /// The account, EIP-55.
        address: String,
        /// Chain whose commit changed it.
        chain_id: u64,
        /// The block `balances` reflects.
        block: Option<BlockJson>,
        /// Every non-zero balance on that chain, as `/balances?chain=` answers.
        balances: Vec<BalanceItem>,
    },
    /// New events of a subscribed contract, in (block, log index) order.
    Events {
        /// Contract config name.
        contract: String,
        /// Chain id.
        chain_id: u64,
        /// The new events (at most 1000 per message; more come in further messages).
        #[schema(value_type = Vec<Object>)]
        items: Vec<EventItem>,
    },
    /// Every block from `from_block` on was undone; pushes for the new blocks follow.
    Reorg {
        /// Chain id.
        chain_id: u64,
        /// First block undone.
        from_block: u64,
    },
    /// A subscription was accepted (WebSocket only).
    Subscribed {
        /// The topic, e.g. `account:0xAbC..`, `events:USDC`, `blocks`.
        topic: String,
    },
    /// A subscription was removed (WebSocket only).
    Unsubscribed {
        /// The topic.
        topic: String,
    },
    /// A client message was refused; the connection stays open.
    Error {
        /// `invalid_message`, `invalid_address`, `unknown_contract` or `too_many_subscriptions`.
        code: String,
        /// What was wrong.
        message: String,
    },
}

impl PushMessage {
    /// The `type` tag (the SSE event name).
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::Block { .. } => "block",
            Self::Account { .. } => "account",
            Self::Events { .. } => "events",
            Self::Reorg { .. } => "reorg",
            Self::Subscribed { .. } => "subscribed",
            Self::Unsubscribed { .. } => "unsubscribed",
            Self::Error { .. } => "error",
        }
    }

    /// The error message for a refused client message.
    pub(crate) fn error(code: &str, message: impl Into<String>) -> Self {
        Self::Error {
            code: code.to_string(),
            message: message.into(),
        }
    }
}
