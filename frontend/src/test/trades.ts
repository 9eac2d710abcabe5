// Trades and trade details as the API answers them, for component tests.
import type { Execution, Trade, TradeDetail } from "../api/types";

export function trade(overrides: Partial<Trade> = {}): Trade {
  return {
    trade_id: "t-fx",
    run_id: "run-1",
    strategy_id: "S",
    account_id: "A1",
    symbol: "EURUSD",
    side: "LONG",
    status: "CLOSED",
    entry_time: "2025-01-06T14:30:00Z",
    exit_time: "2025-01-06T14:32:00Z",
    entry_price: 1.091,
    exit_price: 1.07156,
    quantity: 10000,
    pnl_gross: -194.4,
    commission: 4.36,
    pnl_net: -198.76,
    mae: 200,
    mfe: 15,
    mae_points: 0.02,
    mfe_points: 0.0015,
    etd: 209.4,
    duration_seconds: 120,
    entry_efficiency: 0.5,
    exit_efficiency: 0.25,
    total_efficiency: -0.25,
    entry_signal: "Breakout",
    exit_signal: "Stop",
    price_decimals: 5,
    point_value_missing: false,
    notes: null,
    tags: [],
    ...overrides,
  };
}

export function execution(overrides: Partial<Execution> = {}): Execution {
  return {
    execution_id: "e1",
    order_id: "o1",
    account_id: "A1",
    symbol: "EURUSD",
    side: "BUY",
    exec_time: "2025-01-06T14:30:00Z",
    price: 1.091,
    quantity: 10000,
    fee: 2.18,
    fee_currency: "USD",
    liquidity_flag: null,
    sequence: 1,
    trade_quantity: 10000,
    trade_fee: 2.18,
    ...overrides,
  };
}

export function tradeDetail(t: Trade, executions: Execution[], overrides: Partial<TradeDetail> = {}): TradeDetail {
  return {
    trade: t,
    executions,
    lots: [],
    bars: [],
    timeframe: null,
    bars_truncated: false,
    point_value: 1,
    tick_size: 0.00001,
    prev_trade_id: null,
    next_trade_id: null,
    ...overrides,
  };
}
