// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "./TestToken.sol";

/// @title OddToken
/// @notice A TestToken whose `symbol()` is any byte string: the chaos suite deploys it with a
///         NUL byte inside, with bytes that are not UTF-8, and empty, and mints it up to
///         type(uint256).max; `note` emits a string event argument made of any bytes.
/// @dev ABI-wise `string` and `bytes` are encoded alike, so `symbol()` returns the raw bytes
///      given here, exactly as a badly written token on mainnet would.
contract OddToken is TestToken {
    /// @notice Any bytes as a `string` event argument (NUL bytes, not UTF-8, empty).
    event Note(address indexed author, string text);

    constructor(bytes memory symbol_) TestToken("Odd", string(symbol_), 18) {}

    /// @notice Emits `Note` with `text` as its string, byte for byte.
    function note(bytes calldata text) external {
        emit Note(msg.sender, string(text));
    }
}
