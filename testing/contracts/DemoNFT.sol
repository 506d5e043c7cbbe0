// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {DemoERC721} from "./DemoERC721.sol";

/// @title DemoNFT
/// @notice A plain ERC-721 with an open `mint`: token ids 1, 2, 3… in mint order.
contract DemoNFT is DemoERC721 {
    uint256 public nextTokenId = 1;

    constructor() DemoERC721("Demo NFT", "DNFT") {}

    /// @notice Mints the next token id to `to`. Open to anyone.
    function mint(address to) external returns (uint256 tokenId) {
        tokenId = nextTokenId++;
        _mint(to, tokenId);
    }
}
