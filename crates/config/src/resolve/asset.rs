//! What a contract's tokens are worth: `asset` (the token a DeFi template is
//! about) and `stable` (an ERC-20 worth exactly 1 USD).

use alloy::primitives::Address;

use crate::address::parse_address;
use crate::model::ContractKind;
use crate::read::{Ctx, Fields};
use crate::templates;

/// `asset`: `Some(None)` when absent and allowed, `None` after recording a
/// problem. `kind` is `None` when it is missing or invalid (already reported):
/// then only the address itself is checked.
pub(super) fn asset(
    ctx: &mut Ctx,
    fields: &mut Fields<'_>,
    kind: Option<ContractKind>,
) -> Option<Option<Address>> {
    let key = fields.key("asset");
    let Some(node) = fields.get("asset") else {
        if let Some(kind) = kind.filter(|k| templates::asset_required(*k)) {
            let meaning = templates::asset_meaning(kind).unwrap_or("the token it is about");
            let message = format!("missing required key: kind \"{kind}\" needs `asset`, {meaning}");
            ctx.error(fields.origin, key, message);
            return None;
        }
        return Some(None);
    };
    let text = ctx.string(&key, node)?;
    let address = match parse_address(text) {
        Ok(address) => address,
        Err(e) => {
            ctx.error(&node.origin, key, e.to_string());
            return None;
        }
    };
    match kind {
        Some(kind) if templates::asset_meaning(kind).is_none() => {
            let message = format!(
                "asset is not used by kind \"{kind}\"; it is for kinds {}",
                asset_kinds()
            );
            ctx.error(&node.origin, key, message);
            None
        }
        _ => Some(Some(address)),
    }
}

/// `stable` (default false), accepted for kind erc20 only.
pub(super) fn stable(
    ctx: &mut Ctx,
    fields: &mut Fields<'_>,
    kind: Option<ContractKind>,
) -> Option<bool> {
    let Some(node) = fields.get("stable") else {
        return Some(false);
    };
    let key = fields.key("stable");
    let stable = ctx.boolean(&key, node)?;
    match kind {
        Some(kind) if kind != ContractKind::Erc20 => {
            let message = format!(
                "stable is not used by kind \"{kind}\"; it marks an erc20 token worth exactly 1 USD"
            );
            ctx.error(&node.origin, key, message);
            None
        }
        _ => Some(stable),
    }
}

/// The kinds that take `asset`, comma separated.
fn asset_kinds() -> String {
    let kinds: Vec<&str> = ContractKind::ALL
        .into_iter()
        .filter(|k| templates::asset_meaning(*k).is_some())
        .map(ContractKind::as_str)
        .collect();
    kinds.join(", ")
}
