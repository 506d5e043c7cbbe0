// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IDemoERC20
/// @notice The ERC-20 functions the demo protocol calls on the tokens it holds.
interface IDemoERC20 {
    function decimals() external view returns (uint8);
    function balanceOf(address account) external view returns (uint256);
    function transfer(address to, uint256 value) external returns (bool);
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}

/// @title IDemoPriceFeed
/// @notice The Chainlink aggregator function the vault reads prices with.
interface IDemoPriceFeed {
    function latestAnswer() external view returns (int256);
}

/// @title IDemoCallee
/// @notice Uniswap V2's flash-swap callback (`IUniswapV2Callee`), under a name of its own.
interface IDemoCallee {
    function uniswapV2Call(address sender, uint256 amount0, uint256 amount1, bytes calldata data) external;
}
