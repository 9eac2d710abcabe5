// The stream batch of export-format.md section 2, as JSON text.
using System.Collections.Generic;
using System.Text;

namespace StrategyAnalysis.Export
{
    public static class ExportJson
    {
        /// <summary>
        /// The batch object: schema_version, run, and the non-empty record lists. Optional
        /// fields that are null are left out (absent reads as NULL).
        /// </summary>
        public static string Batch(RunInfo run, ExportBatch batch, string exporterClass)
        {
            StringBuilder text = new StringBuilder(256 + (batch == null ? 0 : batch.Count * 220));
            JsonWriter w = new JsonWriter(text);
            w.BeginObject();
            w.Name("schema_version").Value(ExportFormat.SchemaVersion);
            if (run != null)
            {
                w.Name("run");
                WriteRun(w, run, exporterClass);
            }
            if (batch != null)
            {
                if (batch.Instruments.Count > 0)
                {
                    w.Name("instruments").BeginArray();
                    foreach (ExportInstrument i in batch.Instruments) WriteInstrument(w, i);
                    w.EndArray();
                }
                if (batch.Bars.Count > 0)
                {
                    w.Name("bars").BeginArray();
                    foreach (ExportBar b in batch.Bars) WriteBar(w, b);
                    w.EndArray();
                }
                if (batch.Orders.Count > 0)
                {
                    w.Name("orders").BeginArray();
                    foreach (ExportOrder o in batch.Orders) WriteOrder(w, o);
                    w.EndArray();
                }
                if (batch.Executions.Count > 0)
                {
                    w.Name("executions").BeginArray();
                    foreach (ExportExecution e in batch.Executions) WriteExecution(w, e);
                    w.EndArray();
                }
            }
            w.EndObject();
            return text.ToString();
        }

        public static void WriteRun(JsonWriter w, RunInfo run, string exporterClass)
        {
            w.BeginObject();
            w.Optional("run_id", run.RunId);
            w.Optional("strategy_id", run.StrategyId);
            w.Optional("strategy_name", run.StrategyName);
            w.Optional("strategy_version", run.StrategyVersion);
            w.Name("parameters").Value(run.Parameters ?? new Dictionary<string, object>());
            w.Optional("mode", run.Mode);
            w.Optional("account_id", run.AccountId);
            w.Name("exporter").Value(ExportFormat.ExporterName(run, exporterClass));
            w.Optional("status", run.Status);
            w.Optional("reported_net_pnl", run.ReportedNetPnl);
            w.Optional("reported_trade_count", run.ReportedTradeCount.HasValue ? (long?)run.ReportedTradeCount.Value : null);
            w.EndObject();
        }

        public static void WriteInstrument(JsonWriter w, ExportInstrument i)
        {
            w.BeginObject();
            w.Optional("symbol", i.Symbol);
            w.Name("point_value").Value(i.PointValue);
            w.Optional("tick_size", i.TickSize);
            w.Optional("currency", i.Currency);
            w.EndObject();
        }

        public static void WriteBar(JsonWriter w, ExportBar b)
        {
            w.BeginObject();
            w.Optional("symbol", b.Symbol);
            w.Optional("timeframe", b.Timeframe);
            w.Name("start_time_utc").Value(b.StartTimeUtc);
            w.Optional("end_time_utc", b.EndTimeUtc);
            w.Name("open").Value(b.Open);
            w.Name("high").Value(b.High);
            w.Name("low").Value(b.Low);
            w.Name("close").Value(b.Close);
            w.Name("volume").Value(b.Volume);
            w.Optional("open_interest", b.OpenInterest);
            w.EndObject();
        }

        public static void WriteOrder(JsonWriter w, ExportOrder o)
        {
            w.BeginObject();
            w.Optional("order_id", o.OrderId);
            w.Optional("parent_order_id", o.ParentOrderId);
            w.Optional("strategy_id", o.StrategyId);
            w.Optional("strategy_version", o.StrategyVersion);
            w.Optional("account_id", o.AccountId);
            w.Optional("symbol", o.Symbol);
            w.Optional("side", o.Side);
            w.Optional("order_type", o.OrderType);
            w.Optional("time_in_force", o.TimeInForce);
            w.Name("submit_time_utc").Value(o.SubmitTimeUtc);
            w.Optional("price", o.Price);
            w.Optional("stop_price", o.StopPrice);
            w.Name("quantity").Value(o.Quantity);
            w.Optional("status", o.Status);
            w.Optional("reject_reason", o.RejectReason);
            w.Optional("cancel_reason", o.CancelReason);
            w.Optional("client_tag", o.ClientTag);
            w.Optional("meta_json", o.MetaJson);
            w.EndObject();
        }

        public static void WriteExecution(JsonWriter w, ExportExecution e)
        {
            w.BeginObject();
            w.Optional("execution_id", e.ExecutionId);
            w.Optional("order_id", e.OrderId);
            w.Optional("strategy_id", e.StrategyId);
            w.Optional("account_id", e.AccountId);
            w.Optional("symbol", e.Symbol);
            w.Optional("side", e.Side);
            w.Name("exec_time_utc").Value(e.ExecTimeUtc);
            w.Name("price").Value(e.Price);
            w.Name("quantity").Value(e.Quantity);
            w.Optional("fee", e.Fee);
            w.Optional("fee_currency", e.FeeCurrency);
            w.Optional("liquidity_flag", e.LiquidityFlag);
            w.EndObject();
        }
    }
}
