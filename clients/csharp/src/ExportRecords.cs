// Records of the export contract (shared/contract/export-format.md, schema 1.1).
// Plain classes: one per table, field names mirror the SQLite column names.
// Compiles as C# 5 on .NET Framework 4.x (NinjaTrader 8) and on Mono.
using System;
using System.Collections.Generic;

namespace StrategyAnalysis.Export
{
    /// <summary>One row of the Bars table. Market data, shared by all runs.</summary>
    /// <remarks>Times are UTC. A DateTime of kind Local is converted; kind Unspecified is taken as UTC.</remarks>
    public sealed class ExportBar
    {
        public string Symbol { get; set; }
        /// <summary>Free text: "1m", "5m", "Minute 1", "Tick 500", "Range 4" ...</summary>
        public string Timeframe { get; set; }
        public DateTime StartTimeUtc { get; set; }
        public DateTime? EndTimeUtc { get; set; }
        public double Open { get; set; }
        public double High { get; set; }
        public double Low { get; set; }
        public double Close { get; set; }
        public double Volume { get; set; }
        public double? OpenInterest { get; set; }
    }

    /// <summary>One row of the Orders table: the latest known state of an order.</summary>
    /// <remarks>
    /// Send a new record at every state change; the platform keeps the latest and never moves
    /// the status back. NinjaTrader names (OrderAction, OrderType, OrderState .ToString()) are
    /// accepted as they are: "SellShort", "StopMarket", "PartFilled", "Cancelled" ...
    /// </remarks>
    public sealed class ExportOrder
    {
        public string OrderId { get; set; }
        public string ParentOrderId { get; set; }
        /// <summary>Empty: the run's StrategyId applies.</summary>
        public string StrategyId { get; set; }
        public string StrategyVersion { get; set; }
        /// <summary>Empty: the run's AccountId applies.</summary>
        public string AccountId { get; set; }
        public string Symbol { get; set; }
        public string Side { get; set; }
        public string OrderType { get; set; }
        /// <summary>Empty: GTC.</summary>
        public string TimeInForce { get; set; }
        public DateTime SubmitTimeUtc { get; set; }
        public double? Price { get; set; }
        public double? StopPrice { get; set; }
        public double Quantity { get; set; }
        public string Status { get; set; }
        public string RejectReason { get; set; }
        public string CancelReason { get; set; }
        public string ClientTag { get; set; }
        /// <summary>A JSON object as text (see JsonWriter), or null.</summary>
        public string MetaJson { get; set; }
    }

    /// <summary>One row of the Executions table: one fill.</summary>
    /// <remarks>
    /// The order in which executions are added is their true order (it decides which fill
    /// closes a trade and which opens the next when several share one time). Every exporter
    /// here keeps it.
    /// </remarks>
    public sealed class ExportExecution
    {
        public string ExecutionId { get; set; }
        public string OrderId { get; set; }
        public string StrategyId { get; set; }
        public string AccountId { get; set; }
        public string Symbol { get; set; }
        public string Side { get; set; }
        public DateTime ExecTimeUtc { get; set; }
        public double Price { get; set; }
        public double Quantity { get; set; }
        /// <summary>Total commission of this fill, >= 0.</summary>
        public double? Fee { get; set; }
        public string FeeCurrency { get; set; }
        /// <summary>"MAKER", "TAKER" or free text.</summary>
        public string LiquidityFlag { get; set; }
    }

    /// <summary>One row of the Instruments table.</summary>
    public sealed class ExportInstrument
    {
        public string Symbol { get; set; }
        /// <summary>Currency per 1.0 of price per 1 unit of quantity (ES = 50, NQ = 20).</summary>
        public double PointValue { get; set; }
        public double? TickSize { get; set; }
        public string Currency { get; set; }
    }

    /// <summary>
    /// The run: one execution of a strategy with one set of parameters. Carried as the
    /// Metadata table of a file and as the "run" object of every stream batch.
    /// </summary>
    public sealed class RunInfo
    {
        public const string StatusRunning = "RUNNING";
        public const string StatusCompleted = "COMPLETED";
        public const string StatusFailed = "FAILED";

        public RunInfo()
        {
            Parameters = new Dictionary<string, object>();
            Status = StatusRunning;
        }

        /// <summary>A new run with a fresh GUID as its id, made when the strategy starts.</summary>
        public static RunInfo NewRun(string strategyId, string mode)
        {
            RunInfo run = new RunInfo();
            run.RunId = Guid.NewGuid().ToString("D");
            run.StrategyId = strategyId;
            run.Mode = mode;
            return run;
        }

        public string RunId { get; set; }
        public string StrategyId { get; set; }
        public string StrategyName { get; set; }
        public string StrategyVersion { get; set; }
        /// <summary>Parameter values: strings, numbers, booleans, DateTimes, nested dictionaries or lists.</summary>
        public IDictionary<string, object> Parameters { get; set; }
        /// <summary>"backtest", "sim" or "live".</summary>
        public string Mode { get; set; }
        public string AccountId { get; set; }
        /// <summary>e.g. "StackedImbalanceStrategyDue/2.3". The exporter appends its own name.</summary>
        public string Exporter { get; set; }
        /// <summary>RUNNING while the run goes on; COMPLETED or FAILED closes it.</summary>
        public string Status { get; set; }
        /// <summary>The strategy's own realized net PnL in account currency, for reconciliation.</summary>
        public double? ReportedNetPnl { get; set; }
        /// <summary>The strategy's own count of closed trades, for reconciliation.</summary>
        public int? ReportedTradeCount { get; set; }

        /// <summary>A copy that later changes to this object do not affect (the parameters are copied one level deep).</summary>
        public RunInfo Clone()
        {
            RunInfo copy = (RunInfo)MemberwiseClone();
            copy.Parameters = Parameters == null
                ? new Dictionary<string, object>()
                : new Dictionary<string, object>(Parameters);
            return copy;
        }
    }

    /// <summary>
    /// A set of records that travels together: one stream batch, one transaction in a file.
    /// A record added twice under the same key (an order that changed state, a bar that was
    /// revised) keeps the latest values at the place of its first appearance, so a batch never
    /// holds two rows with the same key.
    /// </summary>
    public sealed class ExportBatch
    {
        private readonly List<ExportInstrument> instruments = new List<ExportInstrument>();
        private readonly List<ExportBar> bars = new List<ExportBar>();
        private readonly List<ExportOrder> orders = new List<ExportOrder>();
        private readonly List<ExportExecution> executions = new List<ExportExecution>();
        private readonly Dictionary<string, int> instrumentIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        private readonly Dictionary<string, int> barIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        private readonly Dictionary<string, int> orderIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        private readonly Dictionary<string, int> executionIndex = new Dictionary<string, int>(StringComparer.Ordinal);

        public IList<ExportInstrument> Instruments { get { return instruments.AsReadOnly(); } }
        public IList<ExportBar> Bars { get { return bars.AsReadOnly(); } }
        public IList<ExportOrder> Orders { get { return orders.AsReadOnly(); } }
        public IList<ExportExecution> Executions { get { return executions.AsReadOnly(); } }

        /// <summary>Number of distinct records.</summary>
        public int Count
        {
            get { return instruments.Count + bars.Count + orders.Count + executions.Count; }
        }

        public void Add(ExportInstrument instrument)
        {
            Put(instruments, instrumentIndex, instrument.Symbol, instrument);
        }

        public void Add(ExportBar bar)
        {
            string key = bar.Symbol + "\u0001" + bar.Timeframe + "\u0001" + ExportFormat.Timestamp(bar.StartTimeUtc);
            Put(bars, barIndex, key, bar);
        }

        public void Add(ExportOrder order)
        {
            Put(orders, orderIndex, order.OrderId, order);
        }

        public void Add(ExportExecution execution)
        {
            Put(executions, executionIndex, execution.ExecutionId, execution);
        }

        /// <summary>Adds any record type of this file; false for anything else.</summary>
        public bool AddRecord(object record)
        {
            ExportExecution execution = record as ExportExecution;
            if (execution != null) { Add(execution); return true; }
            ExportOrder order = record as ExportOrder;
            if (order != null) { Add(order); return true; }
            ExportBar bar = record as ExportBar;
            if (bar != null) { Add(bar); return true; }
            ExportInstrument instrument = record as ExportInstrument;
            if (instrument != null) { Add(instrument); return true; }
            return false;
        }

        private static void Put<T>(List<T> list, Dictionary<string, int> index, string key, T record) where T : class
        {
            if (record == null) throw new ArgumentNullException("record");
            int at;
            // A record without a key cannot be merged with another: keep it, the platform reports it.
            if (key != null && index.TryGetValue(key, out at))
            {
                list[at] = record;
                return;
            }
            if (key != null) index[key] = list.Count;
            list.Add(record);
        }
    }
}
