// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title TestToken
/// @notice A plain ERC-20 for tributary's tests. Anyone may mint: it is a test token.
/// @dev Events are byte-for-byte the OpenZeppelin ERC-20 events. The batch functions exist to
///      generate hundreds of thousands of Transfer events with few transactions.
contract TestToken {
    /// @notice Emitted when `value` tokens move from `from` to `to` (zero address for mint/burn).
    event Transfer(address indexed from, address indexed to, uint256 value);

    /// @notice Emitted when `owner` sets the allowance of `spender` to `value`.
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @notice The sender does not hold enough tokens.
    error InsufficientBalance(address account, uint256 balance, uint256 needed);
    /// @notice The spender's allowance is too small.
    error InsufficientAllowance(address owner, address spender, uint256 allowance, uint256 needed);
    /// @notice Transfers and approvals to the zero address are refused (use `burn`).
    error ZeroAddress();
    /// @notice A batch call received arrays of different lengths.
    error LengthMismatch(uint256 recipients, uint256 amounts);

    string public name;
    string public symbol;
    uint8 public immutable decimals;
    uint256 public totalSupply;
    mapping(address account => uint256) public balanceOf;
    mapping(address owner => mapping(address spender => uint256)) public allowance;

    constructor(string memory name_, string memory symbol_, uint8 decimals_) {
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _transfer(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        if (spender == address(0)) revert ZeroAddress();
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < value) revert InsufficientAllowance(from, msg.sender, allowed, value);
            unchecked {
                allowance[from][msg.sender] = allowed - value;
            }
        }
        _transfer(from, to, value);
        return true;
    }

    /// @notice Creates `amount` tokens for `to`. Open to anyone.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Destroys `amount` of the caller's tokens.
    function burn(uint256 amount) external {
        uint256 balance = balanceOf[msg.sender];
        if (balance < amount) revert InsufficientBalance(msg.sender, balance, amount);
        unchecked {
            balanceOf[msg.sender] = balance - amount;
            totalSupply -= amount;
        }
        emit Transfer(msg.sender, address(0), amount);
    }

    /// @notice Sends `amounts[i]` of the caller's tokens to `to[i]`, one Transfer event each.
    function batchTransfer(address[] calldata to, uint256[] calldata amounts) external {
        uint256 n = to.length;
        if (n != amounts.length) revert LengthMismatch(n, amounts.length);
        uint256 total;
        for (uint256 i; i < n; ++i) {
            total += amounts[i];
        }
        uint256 balance = balanceOf[msg.sender];
        if (balance < total) revert InsufficientBalance(msg.sender, balance, total);
        unchecked {
            balanceOf[msg.sender] = balance - total;
        }
        for (uint256 i; i < n; ++i) {
            address recipient = to[i];
            if (recipient == address(0)) revert ZeroAddress();
            uint256 amount = amounts[i];
            // Cannot overflow: the sum of all balances is bounded by totalSupply.
            unchecked {
                balanceOf[recipient] += amount;
            }
            emit Transfer(msg.sender, recipient, amount);
        }
    }

    /// @notice Mints `amounts[i]` to `to[i]`, one Transfer event (from the zero address) each.
    function batchMint(address[] calldata to, uint256[] calldata amounts) external {
        uint256 n = to.length;
        if (n != amounts.length) revert LengthMismatch(n, amounts.length);
        for (uint256 i; i < n; ++i) {
            _mint(to[i], amounts[i]);
        }
    }

    function _mint(address to, uint256 amount) internal {
        if (to == address(0)) revert ZeroAddress();
        totalSupply += amount;
        unchecked {
            balanceOf[to] += amount;
        }
        emit Transfer(address(0), to, amount);
    }

    function _transfer(address from, address to, uint256 value) internal {
        if (to == address(0)) revert ZeroAddress();
        uint256 balance = balanceOf[from];
        if (balance < value) revert InsufficientBalance(from, balance, value);
        unchecked {
            balanceOf[from] = balance - value;
            balanceOf[to] += value;
        }
        emit Transfer(from, to, value);
    }
}
