//! How the parameters of an event bound to a role line up with the role's own
//! parameters: by type in the role's order, by name, or as `args = [..]` lists
//! them. The result is, for each role parameter, its position in the event.

use alloy::json_abi::Event;

use super::abi::canonical_types;
use crate::model::ContractKind;

/// Where a problem of matching belongs in the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Spot {
    /// The event itself (the signature or ABI name).
    Event,
    /// The `args` list as a whole.
    Args,
    /// One entry of `args`.
    Arg(usize),
}

/// Why an event does not fit a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Mismatch {
    pub spot: Spot,
    pub message: String,
}

impl Mismatch {
    fn at(spot: Spot, message: String) -> Self {
        Self { spot, message }
    }
}

/// The role the event is bound to.
pub(super) struct RoleRef<'a> {
    pub kind: ContractKind,
    pub name: &'a str,
    /// The role's default event, whose parameters define the role's order.
    pub event: &'a Event,
}

/// For each parameter of `role`, the position of the matching input of
/// `event`. `args` are the names (or zero-based positions) the override listed,
/// one per role parameter; without them the event must have the role's types
/// in the role's order, or parameters named like the role's with equal types.
pub(super) fn match_args(
    role: &RoleRef<'_>,
    event: &Event,
    args: Option<&[&str]>,
) -> Result<Vec<usize>, Mismatch> {
    let on_event = |message| Mismatch::at(Spot::Event, message);
    if event.anonymous {
        return Err(on_event(format!(
            "\"{}\" is anonymous: anonymous events cannot be indexed",
            event.signature()
        )));
    }
    let expected = canonical_types(role.event).map_err(on_event)?;
    let types = canonical_types(event).map_err(on_event)?;
    if let Some(args) = args {
        return listed(role, &expected, event, &types, args);
    }
    let identity: Vec<usize> = (0..expected.len()).collect();
    match (
        types == expected,
        by_name(role.event, &expected, event, &types),
    ) {
        // Same types in order and the names agree (or say nothing): positional.
        (true, Ok(map)) if map == identity => Ok(identity),
        (true, Err(_)) => Ok(identity),
        // The types fit in order but the names say another order: refuse to guess.
        (true, Ok(map)) => Err(on_event(format!(
            "event {} has the parameter types of role {} in its order, but its parameters \
             are named like the role's in another order ({}); say which is meant with \
             {} = {{ event = \"..\", args = [{}] }} (by name) or args = [{}] (by position)",
            event.signature(),
            role.name,
            param_names(event),
            role.name,
            quoted(map.iter().map(|&i| name_or_position(event, i))),
            quoted(identity.iter().map(|&i| name_or_position(event, i))),
        ))),
        (false, Ok(map)) => Ok(map),
        (false, Err(why)) => Err(on_event(format!(
            "event {}({}) does not fit role {} of kind \"{}\": expected parameter types ({}) \
             in this order, or parameters named {} with those types, but {why}; to bind \
             parameters in another order write {} = {{ event = \"..\", args = [..] }}",
            event.name,
            types.join(","),
            role.name,
            role.kind,
            expected.join(","),
            param_names(role.event),
            role.name,
        ))),
    }
}

/// Matches every role parameter to the event input of the same name.
fn by_name(
    role: &Event,
    expected: &[String],
    event: &Event,
    types: &[String],
) -> Result<Vec<usize>, String> {
    if event.inputs.len() != role.inputs.len() {
        return Err(format!(
            "it has {} parameters, not {}",
            event.inputs.len(),
            role.inputs.len()
        ));
    }
    role.inputs
        .iter()
        .zip(expected)
        .enumerate()
        .map(|(i, (param, ty))| {
            if param.name.is_empty() {
                return Err(format!("role parameter {i} has no name to match"));
            }
            let found = event.inputs.iter().position(|p| p.name == param.name);
            match found {
                None => Err(format!(
                    "no parameter is named \"{}\" (parameters: {})",
                    param.name,
                    param_names(event)
                )),
                Some(j) if types[j] != *ty => Err(format!(
                    "parameter \"{}\" is {}, not {ty}",
                    param.name, types[j]
                )),
                Some(j) => Ok(j),
            }
        })
        .collect()
}

/// Matches role parameters to the inputs `args` names, in role order. The
/// event may have more inputs than the role: those are not read.
fn listed(
    role: &RoleRef<'_>,
    expected: &[String],
    event: &Event,
    types: &[String],
    args: &[&str],
) -> Result<Vec<usize>, Mismatch> {
    if args.len() != expected.len() {
        return Err(Mismatch::at(
            Spot::Args,
            format!(
                "lists {} parameters, but role {} has {}: one name of {} for each of ({})",
                args.len(),
                role.name,
                expected.len(),
                event.name,
                typed_params(role.event, expected),
            ),
        ));
    }
    let mut out: Vec<usize> = Vec::with_capacity(args.len());
    for (i, (text, ty)) in args.iter().zip(expected).enumerate() {
        let found = event
            .inputs
            .iter()
            .position(|p| p.name == *text)
            .or_else(|| {
                // Solidity names never start with a digit: digits are a position.
                text.parse::<usize>()
                    .ok()
                    .filter(|&j| j < event.inputs.len() && text.bytes().all(|b| b.is_ascii_digit()))
            });
        let problem = match found {
            None => Some(format!(
                "\"{text}\" is not a parameter of {} (parameters: {})",
                event.signature(),
                param_names(event)
            )),
            Some(j) if out.contains(&j) => {
                Some(format!("parameter \"{text}\" is listed more than once"))
            }
            Some(j) if types[j] != *ty => Some(format!(
                "parameter \"{text}\" of {} is {}, but role parameter {} of {} is {ty}",
                event.name,
                types[j],
                name_or_position(role.event, i),
                role.name
            )),
            Some(j) => {
                out.push(j);
                None
            }
        };
        if let Some(message) = problem {
            return Err(Mismatch::at(Spot::Arg(i), message));
        }
    }
    Ok(out)
}

/// Input `i`'s name, or its position when unnamed.
fn name_or_position(event: &Event, i: usize) -> String {
    match event.inputs.get(i) {
        Some(p) if !p.name.is_empty() => p.name.clone(),
        _ => i.to_string(),
    }
}

/// `a, b, c`: every input's name (or position).
fn param_names(event: &Event) -> String {
    let names: Vec<String> = (0..event.inputs.len())
        .map(|i| name_or_position(event, i))
        .collect();
    names.join(", ")
}

/// `address user, uint256 amount`.
fn typed_params(event: &Event, types: &[String]) -> String {
    let params: Vec<String> = types
        .iter()
        .enumerate()
        .map(|(i, ty)| format!("{ty} {}", name_or_position(event, i)))
        .collect();
    params.join(", ")
}

/// `"a", "b"`.
fn quoted(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.map(|s| format!("\"{s}\"")).collect();
    items.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPOSIT: &str =
        "event Deposit(address indexed user, address indexed collateral, uint256 amount)";

    fn check(signature: &str, args: Option<&[&str]>) -> Result<Vec<usize>, Mismatch> {
        let role_event = Event::parse(DEPOSIT).expect("parses");
        let role = RoleRef {
            kind: ContractKind::CdpVault,
            name: "Deposit",
            event: &role_event,
        };
        match_args(&role, &Event::parse(signature).expect("parses"), args)
    }

    #[test]
    fn same_order_is_the_identity_even_when_renamed() {
        assert_eq!(check(DEPOSIT, None), Ok(vec![0, 1, 2]));
        let renamed = "event Deposit(address indexed who, address indexed token, uint256 wad)";
        assert_eq!(check(renamed, None), Ok(vec![0, 1, 2]));
    }

    #[test]
    fn another_order_binds_by_name() {
        let supply =
            "event Supply(uint256 amount, address indexed user, address indexed collateral)";
        assert_eq!(check(supply, None), Ok(vec![1, 2, 0]));
    }

    #[test]
    fn names_disagreeing_with_a_fitting_order_are_ambiguous() {
        let swapped =
            "event Deposit(address indexed collateral, address indexed user, uint256 amount)";
        let err = check(swapped, None).expect_err("ambiguous");
        assert_eq!(err.spot, Spot::Event);
        assert!(
            err.message
                .contains("args = [\"user\", \"collateral\", \"amount\"] } (by name)"),
            "{}",
            err.message
        );
        let args: &[&str] = &["collateral", "user", "amount"];
        assert_eq!(check(swapped, Some(args)), Ok(vec![0, 1, 2]));
    }

    #[test]
    fn a_name_that_cannot_be_matched_is_named() {
        let err = check(
            "event Supply(uint256 amount, address who, address asset)",
            None,
        )
        .expect_err("no match");
        assert!(
            err.message
                .contains("but no parameter is named \"user\" (parameters: amount, who, asset)"),
            "{}",
            err.message
        );
        let err = check(
            "event Supply(uint256 user, address collateral, address amount)",
            None,
        )
        .expect_err("types");
        assert!(
            err.message
                .contains("but parameter \"user\" is uint256, not address"),
            "{}",
            err.message
        );
    }

    #[test]
    fn args_list_names_or_positions_and_allow_extra_inputs() {
        let supply = "event Supply(address reserve, address who, uint256 amount, uint16 code)";
        assert_eq!(
            check(supply, Some(&["who", "reserve", "2"])),
            Ok(vec![1, 0, 2])
        );
        let err = check(supply, Some(&["who", "reserve"])).expect_err("count");
        assert_eq!(err.spot, Spot::Args);
        let err = check(supply, Some(&["who", "who", "amount"])).expect_err("twice");
        assert_eq!(err.spot, Spot::Arg(1));
        let err = check(supply, Some(&["who", "reserve", "code"])).expect_err("type");
        assert_eq!(err.spot, Spot::Arg(2));
        assert!(
            err.message.contains(
                "\"code\" of Supply is uint16, but role parameter amount of Deposit is uint256"
            ),
            "{}",
            err.message
        );
        let err = check(supply, Some(&["who", "reserve", "9"])).expect_err("position");
        assert_eq!(err.spot, Spot::Arg(2));
    }
}
