// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {TestToken} from "./TestToken.sol";

/// @title TestPair
/// @notice The child contract `TestFactory` deploys with CREATE2: an LP-like ERC-20 whose
///         `Transfer` event is the same as every ERC-20's. Minting is open to anyone.
contract TestPair is TestToken {
    /// @notice Only the factory that deployed this pair may initialize it, once.
    error Forbidden(address caller);
    /// @notice `initialize` was already called.
    error AlreadyInitialized();

    address public immutable factory;
    address public token0;
    address public token1;

    constructor() TestToken("Tributary Test LP", "TLP", 18) {
        factory = msg.sender;
    }

    /// @notice Records the pair's two tokens; called by the factory right after deployment.
    function initialize(address token0_, address token1_) external {
        if (msg.sender != factory) revert Forbidden(msg.sender);
        if (token0 != address(0)) revert AlreadyInitialized();
        token0 = token0_;
        token1 = token1_;
    }
}
