//! Loading a contract's `abi` file.

use std::path::Path;

use alloy::dyn_abi::DynSolType;
use alloy::json_abi::{Event, JsonAbi};

use crate::read::Ctx;
use crate::tree::{Node, Origin};

/// An ABI read from a file.
pub(super) struct LoadedAbi<'a> {
    /// The ABI.
    pub abi: JsonAbi,
    /// The path as written in the config (for messages).
    pub shown: String,
    /// Where `abi = ".."` was written.
    pub origin: &'a Origin,
}

/// Reads and parses the ABI file named by `node` (relative to the config
/// file's directory). Accepts a plain ABI array or a compiler artifact with an
/// `abi` field.
pub(super) fn load<'a>(ctx: &mut Ctx, key: &str, node: &'a Node) -> Option<LoadedAbi<'a>> {
    let shown = ctx.string(key, node)?;
    match read(&ctx.dir.join(shown)) {
        Ok(abi) => Some(LoadedAbi {
            abi,
            shown: shown.to_owned(),
            origin: &node.origin,
        }),
        Err(message) => {
            ctx.error(&node.origin, key, message);
            None
        }
    }
}

fn read(path: &Path) -> Result<JsonAbi, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read ABI file {}: {e}", path.display()))?;
    let invalid = |e: serde_json::Error| format!("{} is not a valid JSON ABI: {e}", path.display());
    let mut value: serde_json::Value = serde_json::from_str(&text).map_err(invalid)?;
    if let Some(abi) = value.as_object_mut().and_then(|o| o.remove("abi")) {
        value = abi;
    }
    serde_json::from_value(value).map_err(invalid)
}

/// The canonical parameter types of `event` (e.g. `uint256`, `(address,uint8)[]`),
/// or a message naming the first parameter whose type is not a Solidity type.
pub(super) fn canonical_types(event: &Event) -> Result<Vec<String>, String> {
    event
        .inputs
        .iter()
        .enumerate()
        .map(|(i, param)| {
            let ty = param.selector_type();
            DynSolType::parse(&ty)
                .map(|t| t.sol_type_name().into_owned())
                .map_err(|e| {
                    let name = if param.name.is_empty() {
                        i.to_string()
                    } else {
                        param.name.clone()
                    };
                    format!(
                        "event {}: parameter {name} has an invalid type \"{ty}\": {e}",
                        event.name
                    )
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_types_normalize_aliases() {
        let event = Event::parse("event E(uint a, int b, (uint, address)[] c)").expect("parses");
        assert_eq!(
            canonical_types(&event),
            Ok(vec![
                "uint256".to_owned(),
                "int256".to_owned(),
                "(uint256,address)[]".to_owned()
            ])
        );
    }

    #[test]
    fn reads_plain_abis_and_artifacts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let plain = r#"[{"type":"event","name":"Foo","inputs":[{"name":"a","type":"uint256","indexed":false}],"anonymous":false}]"#;
        std::fs::write(dir.path().join("plain.json"), plain).expect("write");
        std::fs::write(
            dir.path().join("artifact.json"),
            format!(r#"{{"abi": {plain}, "bytecode": "0x"}}"#),
        )
        .expect("write");
        std::fs::write(dir.path().join("bad.json"), r#"{"not": "an abi"}"#).expect("write");
        for name in ["plain.json", "artifact.json"] {
            let abi = read(&dir.path().join(name)).expect(name);
            assert!(abi.event("Foo").is_some(), "{name}");
        }
        let err = read(&dir.path().join("bad.json")).expect_err("bad");
        assert!(err.contains("is not a valid JSON ABI"), "{err}");
        let err = read(&dir.path().join("missing.json")).expect_err("missing");
        assert!(err.starts_with("cannot read ABI file "), "{err}");
    }
}
