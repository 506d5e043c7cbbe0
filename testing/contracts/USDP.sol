// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {TestToken} from "./TestToken.sol";

/// @title USDP
/// @notice The demo stablecoin (18 decimals). The vault mints it on `borrow` and burns it on
///         `repay`; like every test token it also has an open `mint` (and `batchMint`), so
///         tests can hand it out without borrowing.
contract USDP is TestToken {
    /// @notice Only the vault may call this function.
    error OnlyVault(address caller);
    /// @notice Only the deployer may set the vault.
    error OnlyDeployer(address caller);
    /// @notice The vault was already set.
    error VaultAlreadySet(address vault);

    address public vault;
    address private immutable deployer;

    constructor() TestToken("Demo USD", "USDP", 18) {
        deployer = msg.sender;
    }

    /// @notice Names the vault allowed to burn; callable once, by the deployer.
    function setVault(address vault_) external {
        if (msg.sender != deployer) revert OnlyDeployer(msg.sender);
        if (vault != address(0)) revert VaultAlreadySet(vault);
        vault = vault_;
    }

    /// @notice Burns `amount` of `account`'s USDP on a repay (a Transfer to the zero address).
    function burnFrom(address account, uint256 amount) external {
        if (msg.sender != vault) revert OnlyVault(msg.sender);
        uint256 balance = balanceOf[account];
        if (balance < amount) revert InsufficientBalance(account, balance, amount);
        unchecked {
            balanceOf[account] = balance - amount;
            totalSupply -= amount;
        }
        emit Transfer(account, address(0), amount);
    }
}
