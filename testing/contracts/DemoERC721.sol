// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title DemoERC721
/// @notice A minimal ERC-721 base with OpenZeppelin's exact events. `safeTransferFrom` does not
///         call `onERC721Received` (the demo's holders are EOAs). Minting and burning are internal.
abstract contract DemoERC721 {
    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
    event Approval(address indexed owner, address indexed approved, uint256 indexed tokenId);
    event ApprovalForAll(address indexed owner, address indexed operator, bool approved);

    /// @notice The token does not exist.
    error ERC721NonexistentToken(uint256 tokenId);
    /// @notice `from` is not the token's owner.
    error ERC721IncorrectOwner(address from, uint256 tokenId, address owner);
    /// @notice The caller is neither the owner nor approved.
    error ERC721InsufficientApproval(address operator, uint256 tokenId);
    /// @notice Transfers and mints to the zero address are refused.
    error ERC721InvalidReceiver(address receiver);

    string public name;
    string public symbol;
    mapping(uint256 tokenId => address) private owners;
    mapping(address owner => uint256) private balances;
    mapping(uint256 tokenId => address) private tokenApprovals;
    mapping(address owner => mapping(address operator => bool)) private operatorApprovals;

    constructor(string memory name_, string memory symbol_) {
        name = name_;
        symbol = symbol_;
    }

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == 0x80ac58cd || interfaceId == 0x01ffc9a7; // ERC-721, ERC-165
    }

    function balanceOf(address owner) external view returns (uint256) {
        if (owner == address(0)) revert ERC721InvalidReceiver(owner);
        return balances[owner];
    }

    function ownerOf(uint256 tokenId) public view returns (address owner) {
        owner = owners[tokenId];
        if (owner == address(0)) revert ERC721NonexistentToken(tokenId);
    }

    function getApproved(uint256 tokenId) external view returns (address) {
        ownerOf(tokenId);
        return tokenApprovals[tokenId];
    }

    function isApprovedForAll(address owner, address operator) public view returns (bool) {
        return operatorApprovals[owner][operator];
    }

    function approve(address to, uint256 tokenId) external {
        address owner = ownerOf(tokenId);
        if (msg.sender != owner && !isApprovedForAll(owner, msg.sender)) {
            revert ERC721InsufficientApproval(msg.sender, tokenId);
        }
        tokenApprovals[tokenId] = to;
        emit Approval(owner, to, tokenId);
    }

    function setApprovalForAll(address operator, bool approved) external {
        operatorApprovals[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    function transferFrom(address from, address to, uint256 tokenId) public {
        if (to == address(0)) revert ERC721InvalidReceiver(to);
        address owner = ownerOf(tokenId);
        if (owner != from) revert ERC721IncorrectOwner(from, tokenId, owner);
        if (!_isAuthorized(owner, msg.sender, tokenId)) revert ERC721InsufficientApproval(msg.sender, tokenId);
        delete tokenApprovals[tokenId];
        unchecked {
            balances[from] -= 1;
            balances[to] += 1;
        }
        owners[tokenId] = to;
        emit Transfer(from, to, tokenId);
    }

    function safeTransferFrom(address from, address to, uint256 tokenId) external {
        transferFrom(from, to, tokenId);
    }

    function safeTransferFrom(address from, address to, uint256 tokenId, bytes calldata) external {
        transferFrom(from, to, tokenId);
    }

    function _isAuthorized(address owner, address spender, uint256 tokenId) internal view returns (bool) {
        return spender == owner || isApprovedForAll(owner, spender) || tokenApprovals[tokenId] == spender;
    }

    function _mint(address to, uint256 tokenId) internal {
        if (to == address(0)) revert ERC721InvalidReceiver(to);
        require(owners[tokenId] == address(0), "ERC721: token exists");
        unchecked {
            balances[to] += 1;
        }
        owners[tokenId] = to;
        emit Transfer(address(0), to, tokenId);
    }

    function _burn(uint256 tokenId) internal {
        address owner = ownerOf(tokenId);
        delete tokenApprovals[tokenId];
        unchecked {
            balances[owner] -= 1;
        }
        delete owners[tokenId];
        emit Transfer(owner, address(0), tokenId);
    }
}
