// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title PriceFeed
/// @notice A Chainlink-like USD price aggregator with 8 decimals whose answer anyone may set:
///         every `setAnswer` starts a new round and emits Chainlink's `AnswerUpdated`.
contract PriceFeed {
    /// @notice Chainlink's event: the new answer, its round and the block timestamp.
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    uint8 public constant decimals = 8;
    string public description;
    int256 public latestAnswer;
    uint256 public latestRound;
    uint256 public latestTimestamp;

    constructor(string memory description_, int256 initialAnswer) {
        description = description_;
        _setAnswer(initialAnswer);
    }

    /// @notice Sets the price (8 decimals) as a new round. Open to anyone: it is a test feed.
    function setAnswer(int256 answer) external {
        _setAnswer(answer);
    }

    /// @notice Chainlink's `latestRoundData`, with `startedAt == updatedAt`.
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        roundId = uint80(latestRound);
        answer = latestAnswer;
        startedAt = latestTimestamp;
        updatedAt = latestTimestamp;
        answeredInRound = roundId;
    }

    function _setAnswer(int256 answer) private {
        latestRound += 1;
        latestAnswer = answer;
        latestTimestamp = block.timestamp;
        emit AnswerUpdated(answer, latestRound, block.timestamp);
    }
}
