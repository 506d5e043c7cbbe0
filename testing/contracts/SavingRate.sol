// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IDemoERC20} from "./DemoInterfaces.sol";

/// @title SavingRate
/// @notice USDP savings with simple per-second interest on the principal. Interest is only
///         accounted, never paid: `accruedInterest` grows, `withdraw` returns principal only.
/// @dev On every deposit/withdraw: accrued += principal × ratePerSecond × (now − last) / 1e18.
contract SavingRate {
    event Deposit(address indexed user, uint256 amount);
    event Withdraw(address indexed user, uint256 amount);

    /// @notice A zero amount was given.
    error ZeroAmount();
    /// @notice The user's principal is smaller than the amount.
    error InsufficientPrincipal(address user, uint256 principal, uint256 amount);

    IDemoERC20 public immutable usdp;
    /// @notice Interest per second per unit of principal, 1e18-scaled.
    uint256 public immutable ratePerSecond;
    mapping(address user => uint256) public principalOf;
    mapping(address user => uint256) private accruedStored;
    mapping(address user => uint256) private lastCheckpoint;

    constructor(IDemoERC20 usdp_, uint256 ratePerSecond_) {
        usdp = usdp_;
        ratePerSecond = ratePerSecond_;
    }

    function deposit(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        _checkpoint(msg.sender);
        require(usdp.transferFrom(msg.sender, address(this), amount), "transferFrom failed");
        principalOf[msg.sender] += amount;
        emit Deposit(msg.sender, amount);
    }

    function withdraw(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        _checkpoint(msg.sender);
        uint256 principal = principalOf[msg.sender];
        if (principal < amount) revert InsufficientPrincipal(msg.sender, principal, amount);
        principalOf[msg.sender] = principal - amount;
        require(usdp.transfer(msg.sender, amount), "transfer failed");
        emit Withdraw(msg.sender, amount);
    }

    /// @notice Interest accrued so far, including the part since the last checkpoint.
    function accruedInterest(address user) external view returns (uint256) {
        return accruedStored[user] + _pending(user);
    }

    function _pending(address user) private view returns (uint256) {
        return principalOf[user] * ratePerSecond * (block.timestamp - lastCheckpoint[user]) / 1e18;
    }

    function _checkpoint(address user) private {
        accruedStored[user] += _pending(user);
        lastCheckpoint[user] = block.timestamp;
    }
}
