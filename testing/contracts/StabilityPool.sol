// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IDemoERC20} from "./DemoInterfaces.sol";

/// @title StabilityPool
/// @notice Plain USDP deposits; every change emits the depositor's new deposit (Liquity's event).
contract StabilityPool {
    event UserDepositChanged(address indexed depositor, uint256 newDeposit);

    /// @notice A zero amount was given.
    error ZeroAmount();
    /// @notice The deposit is smaller than the amount.
    error InsufficientDeposit(address depositor, uint256 deposit, uint256 amount);

    IDemoERC20 public immutable usdp;
    mapping(address depositor => uint256) public deposits;

    constructor(IDemoERC20 usdp_) {
        usdp = usdp_;
    }

    function provide(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        require(usdp.transferFrom(msg.sender, address(this), amount), "transferFrom failed");
        uint256 newDeposit = deposits[msg.sender] + amount;
        deposits[msg.sender] = newDeposit;
        emit UserDepositChanged(msg.sender, newDeposit);
    }

    function withdraw(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 deposit = deposits[msg.sender];
        if (deposit < amount) revert InsufficientDeposit(msg.sender, deposit, amount);
        uint256 newDeposit = deposit - amount;
        deposits[msg.sender] = newDeposit;
        require(usdp.transfer(msg.sender, amount), "transfer failed");
        emit UserDepositChanged(msg.sender, newDeposit);
    }
}
