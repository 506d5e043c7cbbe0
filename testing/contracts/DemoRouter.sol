// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {DemoFactory} from "./DemoFactory.sol";
import {DemoPair} from "./DemoPair.sol";
import {IDemoERC20} from "./DemoInterfaces.sol";

/// @title DemoRouter
/// @notice A tiny Uniswap V2 router over `DemoFactory` pairs: the caller approves the router,
///         which moves the tokens to the pair and calls it (so `Mint.sender` and `Burn.sender`
///         are the router, as on mainnet). No deadlines, no multi-hop.
contract DemoRouter {
    DemoFactory public immutable factory;

    constructor(DemoFactory factory_) {
        factory = factory_;
    }

    /// @notice Adds liquidity at the pair's current ratio, using at most the desired amounts
    ///         (V2 router's `_addLiquidity` without minimums), and mints the LP tokens to `to`.
    function addLiquidity(address tokenA, address tokenB, uint256 amountADesired, uint256 amountBDesired, address to)
        external
        returns (uint256 amountA, uint256 amountB, uint256 liquidity)
    {
        address pair = _pair(tokenA, tokenB);
        (uint256 reserveA, uint256 reserveB) = _reserves(pair, tokenA);
        if (reserveA == 0 && reserveB == 0) {
            (amountA, amountB) = (amountADesired, amountBDesired);
        } else {
            uint256 amountBOptimal = quote(amountADesired, reserveA, reserveB);
            if (amountBOptimal <= amountBDesired) {
                (amountA, amountB) = (amountADesired, amountBOptimal);
            } else {
                uint256 amountAOptimal = quote(amountBDesired, reserveB, reserveA);
                (amountA, amountB) = (amountAOptimal, amountBDesired);
            }
        }
        _pull(tokenA, pair, amountA);
        _pull(tokenB, pair, amountB);
        liquidity = DemoPair(pair).mint(to);
    }

    /// @notice Sends `liquidity` LP tokens from the caller to the pair and burns them for `to`.
    function removeLiquidity(address tokenA, address tokenB, uint256 liquidity, address to)
        external
        returns (uint256 amountA, uint256 amountB)
    {
        address pair = _pair(tokenA, tokenB);
        _pull(pair, pair, liquidity);
        (uint256 amount0, uint256 amount1) = DemoPair(pair).burn(to);
        (amountA, amountB) = tokenA == DemoPair(pair).token0() ? (amount0, amount1) : (amount1, amount0);
    }

    /// @notice Swaps exactly `amountIn` of `tokenIn` for at least `amountOutMin` of `tokenOut`,
    ///         sent to `to`.
    function swapExactIn(address tokenIn, address tokenOut, uint256 amountIn, uint256 amountOutMin, address to)
        external
        returns (uint256 amountOut)
    {
        address pair = _pair(tokenIn, tokenOut);
        (uint256 reserveIn, uint256 reserveOut) = _reserves(pair, tokenIn);
        amountOut = getAmountOut(amountIn, reserveIn, reserveOut);
        require(amountOut >= amountOutMin, "DemoRouter: INSUFFICIENT_OUTPUT_AMOUNT");
        _pull(tokenIn, pair, amountIn);
        (uint256 amount0Out, uint256 amount1Out) =
            tokenIn == DemoPair(pair).token0() ? (uint256(0), amountOut) : (amountOut, uint256(0));
        DemoPair(pair).swap(amount0Out, amount1Out, to, new bytes(0));
    }

    /// @notice V2's `quote`: the amount of B worth `amountA` at the reserves' ratio.
    function quote(uint256 amountA, uint256 reserveA, uint256 reserveB) public pure returns (uint256) {
        require(amountA > 0, "DemoRouter: INSUFFICIENT_AMOUNT");
        require(reserveA > 0 && reserveB > 0, "DemoRouter: INSUFFICIENT_LIQUIDITY");
        return amountA * reserveB / reserveA;
    }

    /// @notice V2's `getAmountOut`, with the 0.3% fee.
    function getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) public pure returns (uint256) {
        require(amountIn > 0, "DemoRouter: INSUFFICIENT_INPUT_AMOUNT");
        require(reserveIn > 0 && reserveOut > 0, "DemoRouter: INSUFFICIENT_LIQUIDITY");
        uint256 amountInWithFee = amountIn * 997;
        return amountInWithFee * reserveOut / (reserveIn * 1000 + amountInWithFee);
    }

    function _pair(address tokenA, address tokenB) private view returns (address pair) {
        pair = factory.getPair(tokenA, tokenB);
        require(pair != address(0), "DemoRouter: NO_PAIR");
    }

    function _reserves(address pair, address tokenA) private view returns (uint256 reserveA, uint256 reserveB) {
        (uint112 reserve0, uint112 reserve1,) = DemoPair(pair).getReserves();
        (reserveA, reserveB) = tokenA == DemoPair(pair).token0() ? (reserve0, reserve1) : (reserve1, reserve0);
    }

    function _pull(address token, address to, uint256 amount) private {
        require(IDemoERC20(token).transferFrom(msg.sender, to, amount), "DemoRouter: TRANSFER_FROM_FAILED");
    }
}
