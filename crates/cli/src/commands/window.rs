//! `replay --since/--until`: a time window mapped to the blocks it covers,
//! by binary search over block timestamps from the RPC.

use tributary_source::EvmSource;

use crate::exit::UsageError;

/// A point in time as given on the command line, in Unix seconds with an
/// optional fraction (block timestamps are whole seconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimePoint {
    /// Whole seconds since the Unix epoch.
    pub secs: i64,
    /// Whether a fraction of a second followed.
    pub fraction: bool,
}

impl TimePoint {
    /// The first whole second at or after this instant.
    fn ceil(self) -> i64 {
        self.secs + i64::from(self.fraction)
    }

    /// The last whole second at or before this instant.
    fn floor(self) -> i64 {
        self.secs
    }
}

/// Parses `text` as Unix seconds (`1700000000`) or RFC 3339
/// (`2024-05-01T12:00:00Z`, `2024-05-01T14:00:00.5+02:00`). `flag` names the
/// option in the error.
pub fn parse_time(flag: &str, text: &str) -> Result<TimePoint, UsageError> {
    let bad = |why: &str| {
        UsageError(format!(
            "{flag} {text:?}: {why}; expected Unix seconds (1700000000) or RFC 3339 (2024-05-01T12:00:00Z)"
        ))
    };
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        let secs = t.parse::<i64>().map_err(|_| bad("out of range"))?;
        return Ok(TimePoint {
            secs,
            fraction: false,
        });
    }
    parse_rfc3339(t).map_err(|why| bad(&why))
}

fn parse_rfc3339(t: &str) -> Result<TimePoint, String> {
    // RFC 3339 allows a space for the `T`; chrono's parser takes both.
    let parsed = chrono::DateTime::parse_from_rfc3339(t).map_err(|e| e.to_string())?;
    Ok(TimePoint {
        secs: parsed.timestamp(),
        fraction: parsed.timestamp_subsec_nanos() != 0,
    })
}

/// The blocks of `[since, until]`: the first block whose timestamp is at or
/// after `since` and the last whose timestamp is at or before `until`.
pub async fn blocks_of(
    source: &EvmSource,
    chain: &str,
    since: TimePoint,
    until: TimePoint,
) -> anyhow::Result<(u64, u64)> {
    if since.ceil() > until.floor() {
        return Err(UsageError(format!(
            "--since is after --until ({} > {} Unix seconds)",
            since.ceil(),
            until.floor()
        ))
        .into());
    }
    let head = source.latest_header().await?;
    let genesis = timestamp(source, 0).await?;
    let since_s = u64::try_from(since.ceil()).unwrap_or(0);
    if until.floor() < 0 || u64::try_from(until.floor()).unwrap_or(0) < genesis {
        return Err(UsageError(format!(
            "--until {} is before chain {chain}'s genesis block (timestamp {genesis})",
            until.floor()
        ))
        .into());
    }
    if since_s > head.timestamp {
        return Err(UsageError(format!(
            "--since {since_s} is after chain {chain}'s head (block {} at timestamp {})",
            head.number, head.timestamp
        ))
        .into());
    }
    let until_s = u64::try_from(until.floor()).unwrap_or(0);
    // Block timestamps never decrease, so "timestamp >= t" is monotonic in the number.
    let from = first_at_or_after(source, since_s, head.number).await?;
    let to = match first_at_or_after(source, until_s.saturating_add(1), head.number).await? {
        n if timestamp(source, n).await? > until_s => n.checked_sub(1),
        n => Some(n),
    };
    match to {
        Some(to) if to >= from => Ok((from, to)),
        _ => Err(UsageError(format!(
            "no block of chain {chain} has a timestamp in [{since_s}, {until_s}]"
        ))
        .into()),
    }
}

/// The lowest block at or below `head` whose timestamp is at least `t`
/// (`head` when none is).
async fn first_at_or_after(source: &EvmSource, t: u64, head: u64) -> anyhow::Result<u64> {
    let (mut lo, mut hi) = (0, head);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if timestamp(source, mid).await? >= t {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Ok(lo)
}

async fn timestamp(source: &EvmSource, number: u64) -> anyhow::Result<u64> {
    match source.header(number).await? {
        Some(h) => Ok(h.timestamp),
        None => anyhow::bail!("the node has no block {number} although its head is above it"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(text: &str) -> i64 {
        parse_time("--since", text).expect(text).secs
    }

    #[test]
    fn unix_seconds_and_rfc3339_agree() {
        assert_eq!(secs("1700000000"), 1_700_000_000);
        assert_eq!(secs("2023-11-14T22:13:20Z"), 1_700_000_000);
        assert_eq!(secs("2023-11-15T00:13:20+02:00"), 1_700_000_000);
        assert_eq!(secs("2023-11-14 20:13:20-02:00"), 1_700_000_000);
        assert_eq!(secs("1970-01-01T00:00:00Z"), 0);
        assert_eq!(secs("2024-02-29T00:00:00Z"), 1_709_164_800);
        let t = parse_time("--since", "2023-11-14T22:13:20.25Z").expect("fraction");
        assert_eq!((t.ceil(), t.floor()), (1_700_000_001, 1_700_000_000));
        let t = parse_time("--since", "2023-11-14T22:13:20.000Z").expect("zero fraction");
        assert_eq!((t.ceil(), t.floor()), (1_700_000_000, 1_700_000_000));
    }

    #[test]
    fn bad_times_name_the_flag_and_the_problem() {
        // chrono words the reason; every message names the flag, the text
        // and the accepted forms.
        for text in [
            "yesterday",
            "2023-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2023-11-14T25:00:00Z",
            "2023-11-14T22:13:20",
            "2023-11-14T22:13:20+0200",
            "2023/11/14T22:13:20Z",
            "-5",
            "99999999999999999999",
        ] {
            let e = parse_time("--until", text).expect_err(text).0;
            assert!(e.starts_with(&format!("--until {text:?}: ")), "{e}");
            assert!(e.contains("expected Unix seconds"), "{text}: {e}");
        }
    }
}
