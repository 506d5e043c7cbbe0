// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {DemoERC721} from "./DemoERC721.sol";
import {IDemoERC20} from "./DemoInterfaces.sol";

/// @title VotingEscrow
/// @notice Locks GOV for up to four years as an ERC-721 position ("veGOV"); voting power decays
///         linearly to zero at the lock's end, after which the owner may withdraw.
contract VotingEscrow is DemoERC721 {
    event LockCreated(address indexed user, uint256 indexed tokenId, uint256 amount, uint256 lockEnd);
    /// @notice `amount` is the amount added by this call, `lockEnd` the new end.
    event LockIncreased(uint256 indexed tokenId, uint256 amount, uint256 lockEnd);
    /// @notice `amount` is the whole locked amount, returned to the owner.
    event Withdraw(uint256 indexed tokenId, uint256 amount);

    /// @notice The lock end is not in the future, beyond MAXTIME, or before the current end.
    error InvalidLockEnd(uint256 lockEnd);
    /// @notice A zero amount was given.
    error ZeroAmount();
    /// @notice Only the token's owner may call this function.
    error NotOwner(address caller, uint256 tokenId);
    /// @notice The lock has not expired yet.
    error LockNotExpired(uint256 lockEnd);

    struct LockedBalance {
        uint256 amount;
        uint256 lockEnd;
    }

    uint256 public constant MAXTIME = 4 * 365 * 86400;
    IDemoERC20 public immutable token;
    uint256 public nextTokenId = 1;
    /// @notice The lock behind each token: (amount, lockEnd).
    mapping(uint256 tokenId => LockedBalance) public locked;

    constructor(IDemoERC20 token_) DemoERC721("Vote-escrowed GOV", "veGOV") {
        token = token_;
    }

    /// @notice Locks `amount` GOV until `lockEnd` and mints the position to the caller.
    function createLock(uint256 amount, uint256 lockEnd) external returns (uint256 tokenId) {
        if (amount == 0) revert ZeroAmount();
        if (lockEnd <= block.timestamp || lockEnd > block.timestamp + MAXTIME) revert InvalidLockEnd(lockEnd);
        require(token.transferFrom(msg.sender, address(this), amount), "transferFrom failed");
        tokenId = nextTokenId++;
        locked[tokenId] = LockedBalance({amount: amount, lockEnd: lockEnd});
        _mint(msg.sender, tokenId);
        emit LockCreated(msg.sender, tokenId, amount, lockEnd);
    }

    /// @notice Adds `addAmount` (may be 0) and moves the end to `newLockEnd`, which must not be
    ///         before the current end, must be in the future and at most MAXTIME away.
    function increaseLock(uint256 tokenId, uint256 addAmount, uint256 newLockEnd) external {
        _requireOwner(tokenId);
        LockedBalance storage lock = locked[tokenId];
        if (newLockEnd < lock.lockEnd || newLockEnd <= block.timestamp || newLockEnd > block.timestamp + MAXTIME) {
            revert InvalidLockEnd(newLockEnd);
        }
        if (addAmount > 0) {
            require(token.transferFrom(msg.sender, address(this), addAmount), "transferFrom failed");
            lock.amount += addAmount;
        }
        lock.lockEnd = newLockEnd;
        emit LockIncreased(tokenId, addAmount, newLockEnd);
    }

    /// @notice Returns the whole locked amount of an expired lock and burns the position.
    function withdraw(uint256 tokenId) external {
        _requireOwner(tokenId);
        LockedBalance memory lock = locked[tokenId];
        if (block.timestamp < lock.lockEnd) revert LockNotExpired(lock.lockEnd);
        delete locked[tokenId];
        _burn(tokenId);
        require(token.transfer(msg.sender, lock.amount), "transfer failed");
        emit Withdraw(tokenId, lock.amount);
    }

    /// @notice amount × (lockEnd − now) / MAXTIME while the lock runs, then 0.
    function votingPower(uint256 tokenId) external view returns (uint256) {
        LockedBalance memory lock = locked[tokenId];
        if (lock.lockEnd <= block.timestamp) return 0;
        return lock.amount * (lock.lockEnd - block.timestamp) / MAXTIME;
    }

    function _requireOwner(uint256 tokenId) private view {
        if (ownerOf(tokenId) != msg.sender) revert NotOwner(msg.sender, tokenId);
    }
}
