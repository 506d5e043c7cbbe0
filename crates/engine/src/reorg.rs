//! Finding where our stored chain and the node's chain part ways.

use tributary_source::{EvmSource, SourceError};
use tributary_types::BlockHeader;

/// How the stored headers relate to the node's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ancestry {
    /// Every stored header the node has matches; blocks it lacks mean it is
    /// behind (syncing, or a lagging endpoint), not that it reorged.
    Consistent,
    /// The node's chain differs above this stored header, which it still has.
    Reorg(BlockHeader),
    /// The node differs at every stored header: deeper than the kept window.
    Deep {
        /// Lowest stored header compared.
        lowest: u64,
    },
}

/// Compares stored headers (highest first) with the node's, walking back to
/// the highest one both agree on.
pub async fn find_ancestor(
    source: &EvmSource,
    stored_desc: &[BlockHeader],
) -> Result<Ancestry, SourceError> {
    let mut mismatch = false;
    for stored in stored_desc {
        match source.header(stored.number).await? {
            // The node does not have this block yet: nothing to compare.
            None => continue,
            Some(theirs) if theirs.hash == stored.hash => {
                return Ok(if mismatch {
                    Ancestry::Reorg(*stored)
                } else {
                    Ancestry::Consistent
                });
            }
            Some(_) => mismatch = true,
        }
    }
    Ok(match (mismatch, stored_desc.last()) {
        (true, Some(lowest)) => Ancestry::Deep {
            lowest: lowest.number,
        },
        _ => Ancestry::Consistent,
    })
}
