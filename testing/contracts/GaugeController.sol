// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title GaugeController
/// @notice Users vote absolute weights for gauges (in the demo a gauge is a pair address); a
///         gauge's weight is the sum of its current votes. Emits Curve's `VoteForGauge`.
contract GaugeController {
    /// @notice Curve's event, nothing indexed.
    event VoteForGauge(uint256 time, address user, address gauge_addr, uint256 weight);

    /// @notice Only the owner may call this function.
    error OnlyOwner(address caller);

    address public immutable owner;
    /// @notice GOV emitted per second across all gauges (18 decimals).
    uint256 public emissionRate;
    uint256 public totalWeight;
    mapping(address gauge => uint256) public gaugeWeight;
    mapping(address user => mapping(address gauge => uint256)) public userVote;

    constructor() {
        owner = msg.sender;
    }

    function setEmissionRate(uint256 rate) external {
        if (msg.sender != owner) revert OnlyOwner(msg.sender);
        emissionRate = rate;
    }

    /// @notice Sets the caller's vote for `gauge` to `weight`, replacing the previous vote.
    function vote(address gauge, uint256 weight) external {
        uint256 previous = userVote[msg.sender][gauge];
        userVote[msg.sender][gauge] = weight;
        gaugeWeight[gauge] = gaugeWeight[gauge] - previous + weight;
        totalWeight = totalWeight - previous + weight;
        emit VoteForGauge(block.timestamp, msg.sender, gauge, weight);
    }
}
