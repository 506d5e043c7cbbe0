// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {TestPair} from "./TestPair.sol";

/// @title TestFactory
/// @notice A Uniswap-V2-shaped factory: deploys `TestPair` children with CREATE2 and emits
///         Uniswap V2's exact `PairCreated` event, so factory-discovery indexing can be tested.
contract TestFactory {
    /// @notice Uniswap V2's event: `token0 < token1`, the new pair, and the new pair count.
    event PairCreated(address indexed token0, address indexed token1, address pair, uint256);

    /// @notice Both token addresses are the same.
    error IdenticalAddresses(address token);
    /// @notice A token address is zero.
    error ZeroAddress();
    /// @notice A pair for these tokens exists already.
    error PairExists(address pair);

    mapping(address token0 => mapping(address token1 => address)) public getPair;
    address[] public allPairs;

    /// @notice How many pairs this factory created.
    function allPairsLength() external view returns (uint256) {
        return allPairs.length;
    }

    /// @notice Deploys the pair of `tokenA` and `tokenB` with CREATE2 (salt: the sorted tokens).
    function createPair(address tokenA, address tokenB) external returns (address pair) {
        pair = _createPair(tokenA, tokenB);
    }

    /// @notice Creates the pair and mints `amount` of it to `to` in the same transaction, so the
    ///         child's first Transfer is in the block that created it.
    function createPairAndMint(address tokenA, address tokenB, address to, uint256 amount)
        external
        returns (address pair)
    {
        pair = _createPair(tokenA, tokenB);
        TestPair(pair).mint(to, amount);
    }

    function _createPair(address tokenA, address tokenB) internal returns (address pair) {
        if (tokenA == tokenB) revert IdenticalAddresses(tokenA);
        (address token0, address token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
        if (token0 == address(0)) revert ZeroAddress();
        address existing = getPair[token0][token1];
        if (existing != address(0)) revert PairExists(existing);
        bytes32 salt = keccak256(abi.encodePacked(token0, token1));
        TestPair created = new TestPair{salt: salt}();
        created.initialize(token0, token1);
        pair = address(created);
        getPair[token0][token1] = pair;
        getPair[token1][token0] = pair;
        allPairs.push(pair);
        emit PairCreated(token0, token1, pair, allPairs.length);
    }
}
