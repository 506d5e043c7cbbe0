// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IDemoERC20, IDemoPriceFeed} from "./DemoInterfaces.sol";
import {USDP} from "./USDP.sol";

/// @title USDPVault
/// @notice A multi-collateral CDP: users deposit collateral tokens priced by Chainlink-like
///         feeds and borrow USDP against them. No interest, no liquidations: the health factor
///         only gates `borrow` and `withdraw`.
/// @dev healthFactor = (Σ_c amount_c × price_c × 10^(18−dec_c) / 1e8 × lt_c / 10000) × 1e18 / debt,
///      each collateral term computed left to right with integer division, then summed.
contract USDPVault {
    event Deposit(address indexed user, address indexed collateral, uint256 amount);
    event Withdraw(address indexed user, address indexed collateral, uint256 amount);
    event Borrow(address indexed user, uint256 amount);
    event Repay(address indexed user, uint256 amount);

    /// @notice Only the owner may call this function.
    error OnlyOwner(address caller);
    /// @notice The token is not an accepted collateral.
    error UnknownCollateral(address token);
    /// @notice The token is already an accepted collateral.
    error CollateralExists(address token);
    /// @notice The liquidation threshold is above 100% or the token has more than 18 decimals.
    error InvalidCollateral(address token);
    /// @notice A zero amount was given.
    error ZeroAmount();
    /// @notice The user does not hold that much collateral in the vault.
    error InsufficientCollateral(address user, address collateral, uint256 held, uint256 needed);
    /// @notice The repaid amount is above the debt.
    error RepayTooLarge(uint256 debt, uint256 amount);
    /// @notice The operation would leave the health factor below 1e18.
    error Unhealthy(uint256 healthFactor);
    /// @notice A feed answered zero or a negative price.
    error BadPrice(address feed, int256 answer);

    struct CollateralConfig {
        address feed;
        uint256 ltBps;
        uint8 decimals;
    }

    address public immutable owner;
    USDP public immutable usdp;
    address[] private collateralList;
    mapping(address token => CollateralConfig) private configs;
    mapping(address user => mapping(address collateral => uint256)) public collateralOf;
    mapping(address user => uint256) public debtOf;

    constructor(USDP usdp_) {
        owner = msg.sender;
        usdp = usdp_;
    }

    /// @notice Accepts `token` as collateral priced by `feed` with liquidation threshold `ltBps`.
    function addCollateral(address token, address feed, uint256 ltBps) external {
        if (msg.sender != owner) revert OnlyOwner(msg.sender);
        if (configs[token].feed != address(0)) revert CollateralExists(token);
        uint8 dec = IDemoERC20(token).decimals();
        if (ltBps > 10_000 || dec > 18 || feed == address(0)) revert InvalidCollateral(token);
        configs[token] = CollateralConfig({feed: feed, ltBps: ltBps, decimals: dec});
        collateralList.push(token);
    }

    function deposit(address collateral, uint256 amount) external {
        _requireListed(collateral);
        if (amount == 0) revert ZeroAmount();
        require(IDemoERC20(collateral).transferFrom(msg.sender, address(this), amount), "transferFrom failed");
        collateralOf[msg.sender][collateral] += amount;
        emit Deposit(msg.sender, collateral, amount);
    }

    function withdraw(address collateral, uint256 amount) external {
        _requireListed(collateral);
        if (amount == 0) revert ZeroAmount();
        uint256 held = collateralOf[msg.sender][collateral];
        if (held < amount) revert InsufficientCollateral(msg.sender, collateral, held, amount);
        collateralOf[msg.sender][collateral] = held - amount;
        if (debtOf[msg.sender] > 0) _requireHealthy(msg.sender);
        require(IDemoERC20(collateral).transfer(msg.sender, amount), "transfer failed");
        emit Withdraw(msg.sender, collateral, amount);
    }

    function borrow(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        debtOf[msg.sender] += amount;
        _requireHealthy(msg.sender);
        usdp.mint(msg.sender, amount);
        emit Borrow(msg.sender, amount);
    }

    function repay(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 debt = debtOf[msg.sender];
        if (amount > debt) revert RepayTooLarge(debt, amount);
        debtOf[msg.sender] = debt - amount;
        usdp.burnFrom(msg.sender, amount);
        emit Repay(msg.sender, amount);
    }

    /// @notice Every accepted collateral token, in the order they were added.
    function collaterals() external view returns (address[] memory) {
        return collateralList;
    }

    function feedOf(address collateral) external view returns (address) {
        return configs[collateral].feed;
    }

    /// @notice Liquidation threshold of `collateral` in basis points (0 if not accepted).
    function liquidationThreshold(address collateral) external view returns (uint256) {
        return configs[collateral].ltBps;
    }

    /// @notice USD value (18 decimals) of the user's collateral at the feeds' latest answers.
    function collateralValue(address user) public view returns (uint256 total) {
        uint256 n = collateralList.length;
        for (uint256 i; i < n; ++i) {
            total += _value(user, collateralList[i]);
        }
    }

    /// @notice Threshold-weighted collateral value × 1e18 / debt; type(uint256).max without debt.
    function healthFactor(address user) public view returns (uint256) {
        uint256 debt = debtOf[user];
        if (debt == 0) return type(uint256).max;
        uint256 weighted;
        uint256 n = collateralList.length;
        for (uint256 i; i < n; ++i) {
            address c = collateralList[i];
            weighted += _value(user, c) * configs[c].ltBps / 10_000;
        }
        return weighted * 1e18 / debt;
    }

    /// @dev amount × price × 10^(18−dec) / 1e8, in that order.
    function _value(address user, address collateral) private view returns (uint256) {
        uint256 amount = collateralOf[user][collateral];
        if (amount == 0) return 0;
        CollateralConfig storage config = configs[collateral];
        return amount * _price(config.feed) * 10 ** (18 - config.decimals) / 1e8;
    }

    function _price(address feed) private view returns (uint256) {
        int256 answer = IDemoPriceFeed(feed).latestAnswer();
        if (answer <= 0) revert BadPrice(feed, answer);
        return uint256(answer);
    }

    function _requireListed(address collateral) private view {
        if (configs[collateral].feed == address(0)) revert UnknownCollateral(collateral);
    }

    function _requireHealthy(address user) private view {
        uint256 hf = healthFactor(user);
        if (hf < 1e18) revert Unhealthy(hf);
    }
}
