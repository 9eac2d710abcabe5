// A deterministic strategy run like NinjaTrader reports it: 1-minute bars that are revised
// while they form, orders with their state changes, partial fills, scale-ins and -outs,
// reversals (an exit and a new entry at the same instant, and single fills that cross
// zero), cancelled and rejected orders. Also computes the trades the platform must build.
using System;
using System.Collections.Generic;

namespace StrategyAnalysis.Export.Tests
{
    internal sealed class ExpectedTrade
    {
        public string Symbol;
        public string Side;
        public DateTime EntryTime;
        public DateTime ExitTime;
        public double Quantity;
        public double EntryNotional;
        public double ExitNotional;
        public double ExitQuantity;
        public double PnlGross;
        public double Commission;

        public double EntryPrice { get { return EntryNotional / Quantity; } }
        public double ExitPrice { get { return ExitNotional / ExitQuantity; } }
        public double PnlNet { get { return PnlGross - Commission; } }
    }

    internal sealed class GeneratedRun
    {
        public const string Account = "Sim101";
        public const double FeePerContract = 2.09;

        public readonly List<ExportInstrument> Instruments = new List<ExportInstrument>();
        /// <summary>Every record in the order the strategy reports it.</summary>
        public readonly List<object> Events = new List<object>();
        public readonly List<ExpectedTrade> Trades = new List<ExpectedTrade>();
        public readonly Dictionary<string, double> PointValues = new Dictionary<string, double>();

        private readonly Random random;
        private readonly DateTime start;
        private int nextOrder = 1;
        private int nextExecution = 1;

        // Position bookkeeping for the expected trades.
        private readonly Dictionary<string, int> position = new Dictionary<string, int>();
        private readonly Dictionary<string, LinkedList<double[]>> lots = new Dictionary<string, LinkedList<double[]>>();
        private readonly Dictionary<string, ExpectedTrade> openTrade = new Dictionary<string, ExpectedTrade>();

        public GeneratedRun(int seed, int barsPerSymbol)
        {
            random = new Random(seed);
            start = new DateTime(2025, 11, 3, 14, 30, 0, DateTimeKind.Utc);
            AddInstrument("ES 12-25", 50, 0.25, 6712.25);
            AddInstrument("NQ 12-25", 20, 0.25, 25120.5);
            Generate(barsPerSymbol);
        }

        public IEnumerable<ExportExecution> Executions
        {
            get
            {
                foreach (object e in Events)
                {
                    ExportExecution x = e as ExportExecution;
                    if (x != null) yield return x;
                }
            }
        }

        public int CountOf<TRecord>()
        {
            int n = 0;
            foreach (object e in Events) if (e is TRecord) n++;
            return n;
        }

        public double NetPnl
        {
            get
            {
                double sum = 0;
                foreach (ExpectedTrade t in Trades) sum += t.PnlNet;
                return sum;
            }
        }

        private readonly Dictionary<string, double> lastClose = new Dictionary<string, double>();
        private readonly Dictionary<string, double> tick = new Dictionary<string, double>();

        private void AddInstrument(string symbol, double pointValue, double tickSize, double price)
        {
            ExportInstrument i = new ExportInstrument();
            i.Symbol = symbol;
            i.PointValue = pointValue;
            i.TickSize = tickSize;
            i.Currency = "USD";
            Instruments.Add(i);
            PointValues[symbol] = pointValue;
            lastClose[symbol] = price;
            tick[symbol] = tickSize;
            position[symbol] = 0;
            lots[symbol] = new LinkedList<double[]>();
        }

        private void Generate(int bars)
        {
            foreach (ExportInstrument i in Instruments) Events.Add(i);
            for (int b = 0; b < bars; b++)
            {
                DateTime open = start.AddMinutes(b);
                foreach (ExportInstrument instrument in Instruments)
                {
                    string s = instrument.Symbol;
                    double t = tick[s];
                    double o = lastClose[s] + t * random.Next(-2, 3);
                    double c = o + t * random.Next(-8, 9);
                    double h = Math.Max(o, c) + t * random.Next(0, 5);
                    double l = Math.Min(o, c) - t * random.Next(0, 5);
                    lastClose[s] = c;

                    // The forming bar as first seen, then trading at its open, then the final bar.
                    Events.Add(Bar(s, open, o, o, o, o, 1 + random.Next(20)));
                    bool last = b == bars - 1;
                    if (last) Flatten(s, open, o, h, l);
                    else if (b % 3 == (s.StartsWith("ES", StringComparison.Ordinal) ? 1 : 2)) Trade(s, open, o, h, l);
                    Events.Add(Bar(s, open, o, h, l, c, 100 + random.Next(2000)));
                }
            }
        }

        private static ExportBar Bar(string symbol, DateTime start, double o, double h, double l, double c, double volume)
        {
            ExportBar bar = new ExportBar();
            bar.Symbol = symbol;
            bar.Timeframe = "1m";
            bar.StartTimeUtc = start;
            bar.EndTimeUtc = start.AddMinutes(1);
            bar.Open = o;
            bar.High = h;
            bar.Low = l;
            bar.Close = c;
            bar.Volume = volume;
            return bar;
        }

        private void Trade(string s, DateTime open, double o, double h, double l)
        {
            int pos = position[s];
            int roll = random.Next(100);
            DateTime at = open.AddTicks(2501234); // 250.1234 ms after the open: 7 fractional digits
            if (roll < 6)
            {
                Rejected(s, open, pos >= 0 ? "Buy" : "SellShort");
                return;
            }
            if (pos == 0)
            {
                if (roll < 55) return;
                bool buy = roll % 2 == 0;
                int qty = 1 + random.Next(3);
                Market(s, at, buy ? "Buy" : "SellShort", qty, o, h, l, "Entry", random.Next(2) == 0);
                return;
            }
            bool isLong = pos > 0;
            int size = Math.Abs(pos);
            string exit = isLong ? "Sell" : "BuyToCover";
            string add = isLong ? "Buy" : "SellShort";
            string reverse = isLong ? "SellShort" : "Buy";
            if (roll < 30)
            {
                Market(s, at, exit, size, o, h, l, "Exit", size > 1);
            }
            else if (roll < 40 && size > 1)
            {
                Market(s, at, exit, 1, o, h, l, "Scale out", false);
            }
            else if (roll < 50 && size < 5)
            {
                Market(s, at, add, 1, o, h, l, "Scale in", false);
            }
            else if (roll < 65)
            {
                // NinjaTrader's reversal: a close order and a new entry, filled at the same instant.
                double price = o;
                Market(s, at, exit, size, price, price, price, "Close position", false);
                Market(s, at, reverse, 1 + random.Next(2), price, price, price, "Reverse", false);
            }
            else if (roll < 80)
            {
                // One order whose fills cross zero: the last fill closes the trade and opens the next.
                int total = size + 1 + random.Next(2);
                Market(s, at, isLong ? "Sell" : "Buy", total, o, h, l, "Flip", true);
            }
            else if (roll < 92)
            {
                LimitPartlyFilledThenCancelled(s, at, add, o, l, h, isLong);
            }
        }

        private void Flatten(string s, DateTime open, double o, double h, double l)
        {
            int pos = position[s];
            if (pos == 0) return;
            Market(s, open.AddTicks(2501234), pos > 0 ? "Sell" : "BuyToCover", Math.Abs(pos), o, h, l, "Exit on session close", false);
        }

        private ExportOrder NewOrder(string s, DateTime at, string side, string type, int qty, string tag)
        {
            ExportOrder order = new ExportOrder();
            order.OrderId = "ord-" + (nextOrder++).ToString("0000", System.Globalization.CultureInfo.InvariantCulture);
            order.Symbol = s;
            order.Side = side;
            order.OrderType = type;
            order.TimeInForce = "Gtc";
            order.SubmitTimeUtc = at.AddMilliseconds(-5);
            order.Quantity = qty;
            order.ClientTag = tag;
            order.StrategyVersion = "2.3";
            // Most records leave account and strategy empty: the run's Metadata supplies them.
            if (random.Next(4) == 0) order.AccountId = Account;
            order.MetaJson = "{\"signal\":\"" + tag + "\",\"ratio\":3.5}";
            return order;
        }

        private static ExportOrder WithStatus(ExportOrder o, string status)
        {
            ExportOrder copy = new ExportOrder();
            copy.OrderId = o.OrderId; copy.ParentOrderId = o.ParentOrderId; copy.StrategyId = o.StrategyId;
            copy.StrategyVersion = o.StrategyVersion; copy.AccountId = o.AccountId; copy.Symbol = o.Symbol;
            copy.Side = o.Side; copy.OrderType = o.OrderType; copy.TimeInForce = o.TimeInForce;
            copy.SubmitTimeUtc = o.SubmitTimeUtc; copy.Price = o.Price; copy.StopPrice = o.StopPrice;
            copy.Quantity = o.Quantity; copy.Status = status; copy.RejectReason = o.RejectReason;
            copy.CancelReason = o.CancelReason; copy.ClientTag = o.ClientTag; copy.MetaJson = o.MetaJson;
            return copy;
        }

        private void Market(string s, DateTime at, string side, int qty, double o, double h, double l, string tag, bool split)
        {
            ExportOrder order = NewOrder(s, at, side, "Market", qty, tag);
            Events.Add(WithStatus(order, "Submitted"));
            Events.Add(WithStatus(order, "Accepted"));
            Events.Add(WithStatus(order, "Working"));
            bool executionFirst = random.Next(3) == 0; // NinjaTrader may report the fill before the order update
            if (split && qty > 1)
            {
                int first = 1 + random.Next(qty - 1);
                double p1 = o;
                double p2 = Clamp(o + (IsBuy(side) ? 1 : -1) * tick[s], l, h);
                Fill(order, at, first, p1, "TAKER");
                Events.Add(WithStatus(order, "PartFilled"));
                if (executionFirst)
                {
                    Fill(order, at.AddMilliseconds(40), qty - first, p2, "TAKER");
                    Events.Add(WithStatus(order, "Filled"));
                }
                else
                {
                    Events.Add(WithStatus(order, "Filled"));
                    Fill(order, at.AddMilliseconds(40), qty - first, p2, "TAKER");
                }
            }
            else if (executionFirst)
            {
                Fill(order, at, qty, o, "TAKER");
                Events.Add(WithStatus(order, "Filled"));
            }
            else
            {
                Events.Add(WithStatus(order, "Filled"));
                Fill(order, at, qty, o, "TAKER");
            }
        }

        private void LimitPartlyFilledThenCancelled(string s, DateTime at, string side, double o, double l, double h, bool isLong)
        {
            ExportOrder order = NewOrder(s, at, side, "Limit", 2, "Add on pullback");
            order.Price = Clamp(isLong ? o - tick[s] : o + tick[s], l, h);
            order.TimeInForce = "Day";
            Events.Add(WithStatus(order, "Submitted"));
            Events.Add(WithStatus(order, "Working"));
            Fill(order, at.AddSeconds(20), 1, order.Price.Value, "MAKER");
            Events.Add(WithStatus(order, "PartFilled"));
            ExportOrder cancelled = WithStatus(order, "Cancelled");
            cancelled.CancelReason = "Signal expired";
            Events.Add(cancelled);
        }

        private void Rejected(string s, DateTime at, string side)
        {
            ExportOrder order = NewOrder(s, at, side, "StopMarket", 1, "Breakout");
            order.StopPrice = lastClose[s] + 40 * tick[s];
            Events.Add(WithStatus(order, "Submitted"));
            ExportOrder rejected = WithStatus(order, "Rejected");
            rejected.RejectReason = "Stop price can't be changed above the market";
            Events.Add(rejected);
        }

        private static double Clamp(double v, double lo, double hi)
        {
            return Math.Max(lo, Math.Min(hi, v));
        }

        private static bool IsBuy(string side)
        {
            return side == "Buy" || side == "BuyToCover";
        }

        private void Fill(ExportOrder order, DateTime at, int qty, double price, string liquidity)
        {
            ExportExecution e = new ExportExecution();
            e.ExecutionId = "exe-" + (nextExecution++).ToString("00000", System.Globalization.CultureInfo.InvariantCulture);
            e.OrderId = order.OrderId;
            e.Symbol = order.Symbol;
            e.Side = order.Side;
            e.ExecTimeUtc = at;
            e.Price = price;
            e.Quantity = qty;
            e.Fee = Math.Round(FeePerContract * qty, 2);
            e.FeeCurrency = "USD";
            e.LiquidityFlag = liquidity;
            Events.Add(e);
            Book(e);
        }

        /// <summary>The platform's trade rules (analytics.md), applied as the fills happen.</summary>
        private void Book(ExportExecution e)
        {
            string s = e.Symbol;
            int signed = (IsBuy(e.Side) ? 1 : -1) * (int)e.Quantity;
            double pv = PointValues[s];
            int pos = position[s];
            double fee = e.Fee.Value;
            int remaining = Math.Abs(signed);
            int dir = Math.Sign(signed);

            if (pos != 0 && Math.Sign(pos) != dir)
            {
                int closing = Math.Min(remaining, Math.Abs(pos));
                ExpectedTrade trade = openTrade[s];
                int matched = closing;
                LinkedList<double[]> queue = lots[s];
                while (matched > 0)
                {
                    double[] lot = queue.First.Value; // {quantity, price}
                    double q = Math.Min(lot[0], matched);
                    double points = (e.Price - lot[1]) * (pos > 0 ? 1 : -1);
                    trade.PnlGross += points * q * pv;
                    lot[0] -= q;
                    matched -= (int)q;
                    if (lot[0] <= 0) queue.RemoveFirst();
                }
                trade.ExitNotional += e.Price * closing;
                trade.ExitQuantity += closing;
                trade.Commission += fee * closing / remaining;
                trade.ExitTime = e.ExecTimeUtc;
                pos += dir * closing;
                int rest = remaining - closing;
                double restFee = fee * rest / remaining;
                if (pos == 0)
                {
                    Trades.Add(trade);
                    openTrade.Remove(s);
                }
                remaining = rest;
                fee = restFee;
            }
            if (remaining > 0)
            {
                ExpectedTrade trade;
                if (pos == 0)
                {
                    trade = new ExpectedTrade();
                    trade.Symbol = s;
                    trade.Side = dir > 0 ? "LONG" : "SHORT";
                    trade.EntryTime = e.ExecTimeUtc;
                    openTrade[s] = trade;
                }
                else
                {
                    trade = openTrade[s];
                }
                trade.Quantity += remaining;
                trade.EntryNotional += e.Price * remaining;
                trade.Commission += fee;
                lots[s].AddLast(new double[] { remaining, e.Price });
                pos += dir * remaining;
            }
            position[s] = pos;
        }
    }
}
