// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {DemoERC20} from "./DemoERC20.sol";
import {IDemoERC20} from "./DemoInterfaces.sol";

/// @title DemoVault4626
/// @notice An ERC-4626 vault over USDP with OpenZeppelin's events and math (decimals offset 0):
///         shares = assets × (supply + 1) / (totalAssets + 1). `totalAssets` is the vault's USDP
///         balance, so a plain USDP transfer to the vault is profit for the shareholders.
contract DemoVault4626 is DemoERC20 {
    event Deposit(address indexed sender, address indexed owner, uint256 assets, uint256 shares);
    event Withdraw(
        address indexed sender, address indexed receiver, address indexed owner, uint256 assets, uint256 shares
    );

    /// @notice More assets or shares asked for than the owner has.
    error ERC4626ExceededMax(address owner, uint256 amount, uint256 max);

    IDemoERC20 private immutable assetToken;

    constructor(IDemoERC20 asset_) DemoERC20("Demo USDP Vault", "dvUSDP") {
        assetToken = asset_;
    }

    function asset() external view returns (address) {
        return address(assetToken);
    }

    function totalAssets() public view returns (uint256) {
        return assetToken.balanceOf(address(this));
    }

    function convertToShares(uint256 assets) public view returns (uint256) {
        return assets * (totalSupply + 1) / (totalAssets() + 1);
    }

    function convertToAssets(uint256 shares) public view returns (uint256) {
        return shares * (totalAssets() + 1) / (totalSupply + 1);
    }

    function maxDeposit(address) external pure returns (uint256) {
        return type(uint256).max;
    }

    function maxMint(address) external pure returns (uint256) {
        return type(uint256).max;
    }

    function maxWithdraw(address owner) public view returns (uint256) {
        return convertToAssets(balanceOf[owner]);
    }

    function maxRedeem(address owner) public view returns (uint256) {
        return balanceOf[owner];
    }

    function previewDeposit(uint256 assets) public view returns (uint256) {
        return convertToShares(assets);
    }

    /// @notice Assets needed for `shares`, rounded up.
    function previewMint(uint256 shares) public view returns (uint256) {
        return _ceilDiv(shares * (totalAssets() + 1), totalSupply + 1);
    }

    /// @notice Shares burned for `assets`, rounded up.
    function previewWithdraw(uint256 assets) public view returns (uint256) {
        return _ceilDiv(assets * (totalSupply + 1), totalAssets() + 1);
    }

    function previewRedeem(uint256 shares) public view returns (uint256) {
        return convertToAssets(shares);
    }

    function deposit(uint256 assets, address receiver) external returns (uint256 shares) {
        shares = previewDeposit(assets);
        _deposit(msg.sender, receiver, assets, shares);
    }

    function mint(uint256 shares, address receiver) external returns (uint256 assets) {
        assets = previewMint(shares);
        _deposit(msg.sender, receiver, assets, shares);
    }

    function withdraw(uint256 assets, address receiver, address owner) external returns (uint256 shares) {
        uint256 max = maxWithdraw(owner);
        if (assets > max) revert ERC4626ExceededMax(owner, assets, max);
        shares = previewWithdraw(assets);
        _withdraw(msg.sender, receiver, owner, assets, shares);
    }

    function redeem(uint256 shares, address receiver, address owner) external returns (uint256 assets) {
        uint256 max = maxRedeem(owner);
        if (shares > max) revert ERC4626ExceededMax(owner, shares, max);
        assets = previewRedeem(shares);
        _withdraw(msg.sender, receiver, owner, assets, shares);
    }

    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) private {
        require(assetToken.transferFrom(caller, address(this), assets), "transferFrom failed");
        _mint(receiver, shares);
        emit Deposit(caller, receiver, assets, shares);
    }

    function _withdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares) private {
        if (caller != owner) _spendAllowance(owner, caller, shares);
        _burn(owner, shares);
        require(assetToken.transfer(receiver, assets), "transfer failed");
        emit Withdraw(caller, receiver, owner, assets, shares);
    }

    function _ceilDiv(uint256 a, uint256 b) private pure returns (uint256) {
        return a == 0 ? 0 : (a - 1) / b + 1;
    }
}
