// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IDemoERC20} from "./DemoInterfaces.sol";

/// @title RewardDistributor
/// @notice Pays GOV rewards at a per-user rate the owner sets; the contract is funded by
///         minting GOV to it. pending = stored + rate × (now − last).
contract RewardDistributor {
    event RewardsClaimed(address indexed user, uint256 amount);
    /// @notice The owner set `user`'s reward rate (GOV base units per second).
    event RewardRateSet(address indexed user, uint256 ratePerSecond);

    /// @notice Only the owner may call this function.
    error OnlyOwner(address caller);

    address public immutable owner;
    IDemoERC20 public immutable gov;
    mapping(address user => uint256) public rewardRate;
    mapping(address user => uint256) private stored;
    mapping(address user => uint256) private lastUpdate;

    constructor(IDemoERC20 gov_) {
        owner = msg.sender;
        gov = gov_;
    }

    /// @notice Sets `user`'s reward rate (GOV base units per second) from now on.
    function setRewardRate(address user, uint256 ratePerSecond) external {
        if (msg.sender != owner) revert OnlyOwner(msg.sender);
        _update(user);
        rewardRate[user] = ratePerSecond;
        emit RewardRateSet(user, ratePerSecond);
    }

    /// @notice Pays the caller's pending rewards.
    function claim() external returns (uint256 amount) {
        _update(msg.sender);
        amount = stored[msg.sender];
        stored[msg.sender] = 0;
        require(gov.transfer(msg.sender, amount), "transfer failed");
        emit RewardsClaimed(msg.sender, amount);
    }

    function pendingRewards(address user) public view returns (uint256) {
        return stored[user] + rewardRate[user] * (block.timestamp - lastUpdate[user]);
    }

    function _update(address user) private {
        stored[user] = pendingRewards(user);
        lastUpdate[user] = block.timestamp;
    }
}
