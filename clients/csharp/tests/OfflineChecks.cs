// Checks that need no server: text forms, batches, the SQLite file, the buffer, and the
// HttpExporter against a local endpoint that misbehaves on purpose.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text.RegularExpressions;
using System.Threading;

namespace StrategyAnalysis.Export.Tests
{
    internal static class OfflineChecks
    {
        private static readonly Regex TimestampText = new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$");

        public static void Run(string workDir)
        {
            T.Section("text forms are culture-independent (current culture " + CultureInfo.CurrentCulture.Name + ")", Formats);
            T.Section("JSON writer and reader", Json);
            T.Section("stream batch JSON", BatchJson);
            T.Section("a batch keeps one row per key", Coalescing);
            T.Section("SqliteExporter writes a schema-1.1 file", delegate { SqliteFile(workDir); });
            T.Section("SqliteExporter: one file, one run; re-export appends", delegate { SqliteRunIdentity(workDir); });
            T.Section("buffer flushes by size and by interval, in order", BufferFlushes);
            T.Section("buffer never blocks, is bounded, and counts what it drops", BufferBounded);
            T.Section("buffer with several producer threads", BufferProducers);
            T.Section("buffer gives up on a hung sink within its time limit and says so", BufferHungSink);
            T.Section("buffer disposed without Complete closes the run as FAILED", BufferDispose);
            T.Section("HttpExporter: gzip, X-API-Key, run status, retry on 503", HttpBasics);
            T.Section("HttpExporter: a refused batch (4xx) is not retried and goes to the fallback", delegate { HttpRefused(workDir); });
            T.Section("HttpExporter: a replayed batch the server refuses stays in the file; the rest goes on", delegate { HttpReplayRefused(workDir); });
            T.Section("shutdown while the server hangs: the rest goes to the fallback file in time", delegate { HttpHangsAtShutdown(workDir); });
            T.Section("HttpExporter: a 200 without a succeeded report stored nothing: retried", HttpNotStoredIsRetried);
            T.Section("HttpExporter: a batch answered 200 failed until the attempts run out goes to the fallback file",
                delegate { HttpNotStoredGoesToFallback(workDir); });
            T.Section("HttpExporter: waits what a 503's Retry-After asks, at most MaxBackoff", HttpRetryAfter);
        }

        private static void Formats()
        {
            T.Equal("4500,25", (4500.25).ToString(), "the process culture really uses a decimal comma");
            T.Equal("4500.25", ExportFormat.Number(4500.25), "Number(4500.25)");
            T.Equal("0.30000000000000004", ExportFormat.Number(0.1 + 0.2), "Number round-trips every digit");
            T.Equal("-1234567.125", ExportFormat.Number(-1234567.125), "no group separators");
            T.Equal(null, ExportFormat.Number(double.NaN), "NaN has no text");
            T.Equal(null, ExportFormat.Number(double.PositiveInfinity), "infinity has no text");
            T.Equal(1e-7, double.Parse(ExportFormat.Number(1e-7), CultureInfo.InvariantCulture), "tiny numbers parse back");

            DateTime utc = new DateTime(2025, 11, 3, 14, 30, 0, 250, DateTimeKind.Utc).AddTicks(1234);
            T.Equal("2025-11-03T14:30:00.2501234Z", ExportFormat.Timestamp(utc), "UTC timestamp, 7 fractional digits");
            T.Equal("2025-11-03T14:30:00.2501234Z", ExportFormat.Timestamp(DateTime.SpecifyKind(utc, DateTimeKind.Unspecified)),
                "an Unspecified time is taken as UTC");
            T.Equal("2025-11-03T14:30:00.2501234Z", ExportFormat.Timestamp(utc.ToLocalTime()), "a Local time is converted to UTC");

            CultureInfo odd = (CultureInfo)CultureInfo.GetCultureInfo("de-DE").Clone();
            odd.DateTimeFormat.TimeSeparator = ".";
            odd.DateTimeFormat.DateSeparator = "/";
            odd.NumberFormat.NumberDecimalSeparator = "#";
            odd.NumberFormat.NegativeSign = "~";
            CultureInfo saved = Thread.CurrentThread.CurrentCulture;
            try
            {
                Thread.CurrentThread.CurrentCulture = odd;
                T.Equal("2025-11-03T14:30:00.2501234Z", ExportFormat.Timestamp(utc), "timestamp under a culture with '.' and '/' separators");
                T.Equal("-0.5", ExportFormat.Number(-0.5), "number under a culture with '#' and '~'");
                T.Equal("{\"x\":-0.5}", new JsonWriter().BeginObject().Name("x").Value(-0.5).EndObject().ToString(), "JSON under that culture");
                CultureInfo hijri = null;
                try { hijri = new CultureInfo("ar-SA"); } catch (ArgumentException) { }
                if (hijri != null)
                {
                    Thread.CurrentThread.CurrentCulture = hijri;
                    T.Equal("2025-11-03T14:30:00.2501234Z", ExportFormat.Timestamp(utc), "timestamp under ar-SA (another calendar)");
                }
            }
            finally
            {
                Thread.CurrentThread.CurrentCulture = saved;
            }
        }

        private static void Json()
        {
            Dictionary<string, object> parameters = new Dictionary<string, object>();
            parameters["ratio"] = 3.5;
            parameters["levels"] = 3;
            parameters["on"] = true;
            parameters["name"] = "Stacked \"Imbalance\"\\ Ü\n\u0001";
            parameters["list"] = new List<object> { 1.25, "a", null };
            parameters["since"] = new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc);
            parameters["mode"] = DayOfWeek.Friday;
            parameters["price"] = 4500.25m;
            parameters["f"] = 0.1f;
            string json = JsonWriter.Serialize(parameters);
            T.Equal("{\"ratio\":3.5,\"levels\":3,\"on\":true,\"name\":\"Stacked \\\"Imbalance\\\"\\\\ Ü\\n\\u0001\","
                + "\"list\":[1.25,\"a\",null],\"since\":\"2025-01-02T03:04:05.0000000Z\",\"mode\":\"Friday\",\"price\":4500.25,\"f\":0.1}",
                json, "parameters serialize exactly");
            Dictionary<string, object> back = (Dictionary<string, object>)JsonReader.Parse(json);
            T.Equal(3.5, (double)back["ratio"], "reader: number");
            T.Equal((string)parameters["name"], (string)back["name"], "reader: escapes round-trip");
            T.Equal(3, ((List<object>)back["list"]).Count, "reader: array");
            T.Equal(null, ((List<object>)back["list"])[2], "reader: null");
            T.Equal("{}", JsonWriter.Serialize(new Dictionary<string, object>()), "empty object");
            T.Equal("[null]", JsonWriter.Serialize(new object[] { double.NaN }), "NaN is written as null");
            T.Throws<FormatException>(delegate { JsonReader.Parse("{\"a\":1,}"); }, "reader refuses a trailing comma");
            T.Throws<FormatException>(delegate { JsonReader.Parse("[1] 2"); }, "reader refuses text after the value");
        }

        internal static ExportBatch OneOfEach()
        {
            ExportBatch batch = new ExportBatch();
            ExportInstrument i = new ExportInstrument { Symbol = "ES 12-25", PointValue = 50, TickSize = 0.25, Currency = "USD" };
            batch.Add(i);
            batch.Add(new ExportBar
            {
                Symbol = "ES 12-25", Timeframe = "1m", StartTimeUtc = new DateTime(2025, 11, 3, 14, 30, 0, DateTimeKind.Utc),
                Open = 4500.25, High = 4501, Low = 4499.75, Close = 4500.5, Volume = 1234,
            });
            batch.Add(new ExportOrder
            {
                OrderId = "o1", Symbol = "ES 12-25", Side = "SellShort", OrderType = "StopLimit", Price = 4499.5, StopPrice = 4499.75,
                Quantity = 2, Status = "Working", SubmitTimeUtc = new DateTime(2025, 11, 3, 14, 31, 0, DateTimeKind.Utc),
                MetaJson = "{\"signal\":\"x\"}",
            });
            batch.Add(new ExportExecution
            {
                ExecutionId = "e1", OrderId = "o1", Symbol = "ES 12-25", Side = "SellShort", Price = 4499.5, Quantity = 2,
                Fee = 4.18, ExecTimeUtc = new DateTime(2025, 11, 3, 14, 31, 2, DateTimeKind.Utc),
            });
            return batch;
        }

        private static void BatchJson()
        {
            RunInfo run = Feed.NewRun("json");
            run.ReportedNetPnl = -12.5;
            run.ReportedTradeCount = 7;
            string json = ExportJson.Batch(run, OneOfEach(), "HttpExporter");
            Dictionary<string, object> root = (Dictionary<string, object>)JsonReader.Parse(json);
            T.Equal("1.1", (string)root["schema_version"], "schema_version");
            Dictionary<string, object> r = (Dictionary<string, object>)root["run"];
            T.Equal(run.RunId, (string)r["run_id"], "run.run_id");
            T.Equal("RUNNING", (string)r["status"], "run.status");
            T.Equal(-12.5, (double)r["reported_net_pnl"], "run.reported_net_pnl");
            T.Equal(7.0, (double)r["reported_trade_count"], "run.reported_trade_count");
            T.Equal(3.5, (double)((Dictionary<string, object>)r["parameters"])["ImbalanceRatio"], "run.parameters is an object");
            T.Equal("StackedImbalanceStrategyDue/2.3 HttpExporter/1.1", (string)r["exporter"], "run.exporter names both");
            Dictionary<string, object> order = (Dictionary<string, object>)((List<object>)root["orders"])[0];
            T.Equal(4499.75, (double)order["stop_price"], "orders[0].stop_price is a number");
            T.Equal("2025-11-03T14:31:00.0000000Z", (string)order["submit_time_utc"], "orders[0].submit_time_utc");
            T.Check(!order.ContainsKey("parent_order_id"), "a null optional field is left out");
            Dictionary<string, object> execution = (Dictionary<string, object>)((List<object>)root["executions"])[0];
            T.Equal(4.18, (double)execution["fee"], "executions[0].fee");
            Dictionary<string, object> instrument = (Dictionary<string, object>)((List<object>)root["instruments"])[0];
            T.Equal(50.0, (double)instrument["point_value"], "instruments[0].point_value");
            T.Check(json.Contains("\"open\":4500.25"), "decimal point in the JSON text under " + CultureInfo.CurrentCulture.Name);
            string empty = ExportJson.Batch(run, new ExportBatch(), "HttpExporter");
            Dictionary<string, object> emptyRoot = (Dictionary<string, object>)JsonReader.Parse(empty);
            T.Check(!emptyRoot.ContainsKey("bars") && emptyRoot.ContainsKey("run"), "an empty batch carries only the run");
        }

        private static void Coalescing()
        {
            ExportBatch batch = new ExportBatch();
            ExportOrder a = new ExportOrder { OrderId = "o1", Status = "Submitted" };
            ExportOrder b = new ExportOrder { OrderId = "o2", Status = "Working" };
            ExportOrder a2 = new ExportOrder { OrderId = "o1", Status = "Filled" };
            batch.Add(a); batch.Add(b); batch.Add(a2);
            T.Equal(2, batch.Orders.Count, "two orders");
            T.Equal("o1", batch.Orders[0].OrderId, "the order keeps its first place");
            T.Equal("Filled", batch.Orders[0].Status, "with its latest state");
            DateTime t = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            batch.Add(new ExportBar { Symbol = "ES", Timeframe = "1m", StartTimeUtc = t, Close = 1 });
            batch.Add(new ExportBar { Symbol = "ES", Timeframe = "1m", StartTimeUtc = t, Close = 2 });
            batch.Add(new ExportBar { Symbol = "ES", Timeframe = "5m", StartTimeUtc = t, Close = 3 });
            T.Equal(2, batch.Bars.Count, "a revised bar replaces the forming one");
            T.Equal(2.0, batch.Bars[0].Close, "the revision wins");
            batch.Add(new ExportExecution { ExecutionId = "x1", Price = 1 });
            batch.Add(new ExportExecution { ExecutionId = "x2", Price = 2 });
            batch.Add(new ExportExecution { ExecutionId = "x1", Price = 3 });
            T.Equal("x1,x2", batch.Executions[0].ExecutionId + "," + batch.Executions[1].ExecutionId, "executions keep their order");
            T.Equal(6, batch.Count, "Count counts distinct records");
        }

        private static void SqliteFile(string workDir)
        {
            GeneratedRun data = new GeneratedRun(11, 60);
            string path = Path.Combine(workDir, "offline-file.sqlite");
            RunInfo run = Feed.NewRun("offline-file");
            using (SqliteExporter file = new SqliteExporter(Sqlite.Factory(path), path))
            {
                file.Begin(run);
                ExportBatch batch = new ExportBatch();
                int n = 0;
                foreach (object e in data.Events)
                {
                    batch.AddRecord(e);
                    if (++n % 97 == 0) { file.Write(batch); batch = new ExportBatch(); }
                }
                file.Write(batch);
                RunInfo final = run.Clone();
                final.Status = RunInfo.StatusCompleted;
                final.ReportedNetPnl = data.NetPnl;
                final.ReportedTradeCount = data.Trades.Count;
                file.Complete(final);
            }

            Dictionary<string, string> meta = new Dictionary<string, string>();
            foreach (object[] row in Sqlite.Query(path, "SELECT key, value FROM Metadata")) meta[(string)row[0]] = (string)row[1];
            string[] keys =
            {
                "schema_version", "run_id", "strategy_id", "strategy_name", "strategy_version", "parameters", "mode",
                "account_id", "exporter", "created_utc", "reported_net_pnl", "reported_trade_count",
            };
            foreach (string key in keys) T.Check(meta.ContainsKey(key) && !string.IsNullOrEmpty(meta[key]), "Metadata." + key + " = " + (meta.ContainsKey(key) ? meta[key] : "(missing)"));
            T.Equal("1.1", meta["schema_version"], "schema_version");
            T.Equal(run.RunId, meta["run_id"], "run_id");
            T.Equal("StackedImbalanceStrategyDue/2.3 SqliteExporter/1.1", meta["exporter"], "exporter");
            T.Equal(ExportFormat.Number(data.NetPnl), meta["reported_net_pnl"], "reported_net_pnl with a decimal point");
            T.Equal(data.Trades.Count.ToString(CultureInfo.InvariantCulture), meta["reported_trade_count"], "reported_trade_count");
            T.Check(TimestampText.IsMatch(meta["created_utc"]), "created_utc is a UTC timestamp");
            Dictionary<string, object> parameters = (Dictionary<string, object>)JsonReader.Parse(meta["parameters"]);
            T.Equal(3.5, (double)parameters["ImbalanceRatio"], "parameters is a JSON object with numbers");

            List<object[]> instruments = Sqlite.Query(path, "SELECT symbol, point_value, tick_size, currency FROM Instruments ORDER BY symbol");
            T.Equal(2, instruments.Count, "two instruments");
            T.Equal("ES 12-25|50|0.25|USD", string.Format(CultureInfo.InvariantCulture, "{0}|{1}|{2}|{3}", instruments[0]), "ES point value and tick size");
            T.Equal("NQ 12-25|20|0.25|USD", string.Format(CultureInfo.InvariantCulture, "{0}|{1}|{2}|{3}", instruments[1]), "NQ point value and tick size");
            T.Equal("real", (string)Sqlite.Scalar(path, "SELECT typeof(point_value) FROM Instruments LIMIT 1"), "point_value is stored as REAL");

            List<string> expectedIds = new List<string>();
            foreach (ExportExecution e in data.Executions) expectedIds.Add(e.ExecutionId);
            List<string> ids = new List<string>();
            foreach (object[] row in Sqlite.Query(path, "SELECT execution_id FROM Executions ORDER BY rowid")) ids.Add((string)row[0]);
            T.Equal(string.Join(",", expectedIds.ToArray()), string.Join(",", ids.ToArray()), "executions in rowid order = the order they happened");

            Dictionary<string, string> lastStatus = new Dictionary<string, string>();
            foreach (object e in data.Events) { ExportOrder o = e as ExportOrder; if (o != null) lastStatus[o.OrderId] = o.Status; }
            int orderRows = 0, statusOk = 0;
            foreach (object[] row in Sqlite.Query(path, "SELECT order_id, status FROM Orders"))
            {
                orderRows++;
                if (lastStatus[(string)row[0]] == (string)row[1]) statusOk++;
            }
            T.Equal(lastStatus.Count, orderRows, "one row per order");
            T.Equal(orderRows, statusOk, "each order holds its latest status");
            T.Equal((long)(data.CountOf<ExportBar>() / 2), (long)Sqlite.Scalar(path, "SELECT count(*) FROM Bars"), "one row per bar (revisions update it)");
            T.Equal(0L, (long)Sqlite.Scalar(path, "SELECT count(*) FROM Bars WHERE volume < 100"),
                "each stored bar is its final revision");
            T.Check(TimestampText.IsMatch((string)Sqlite.Scalar(path, "SELECT exec_time_utc FROM Executions LIMIT 1")), "exec_time_utc text form");
            T.Equal("real", (string)Sqlite.Scalar(path, "SELECT typeof(price) FROM Executions LIMIT 1"), "prices are REAL, not text");
            T.Equal(0L, (long)Sqlite.Scalar(path, "SELECT count(*) FROM Executions WHERE CAST(price AS TEXT) LIKE '%,%'"), "no decimal commas anywhere");
        }

        private static void SqliteRunIdentity(string workDir)
        {
            string path = Path.Combine(workDir, "offline-identity.sqlite");
            RunInfo run = Feed.NewRun("identity");
            ExportBatch first = new ExportBatch();
            first.Add(new ExportExecution { ExecutionId = "x1", Price = 1, Quantity = 1, ExecTimeUtc = DateTime.UtcNow });
            first.Add(new ExportExecution { ExecutionId = "x2", Price = 2, Quantity = 1, ExecTimeUtc = DateTime.UtcNow });
            using (SqliteExporter file = new SqliteExporter(Sqlite.Factory(path), path))
            {
                file.Begin(run);
                file.Write(first);
                file.Complete(run);
            }
            using (SqliteExporter other = new SqliteExporter(Sqlite.Factory(path), path))
            {
                T.Throws<InvalidOperationException>(delegate { other.Begin(Feed.NewRun("another")); }, "a file holding another run refuses a new run");
            }
            ExportBatch again = new ExportBatch();
            again.Add(new ExportExecution { ExecutionId = "x1", Price = 1.5, Quantity = 1, ExecTimeUtc = DateTime.UtcNow });
            again.Add(new ExportExecution { ExecutionId = "x3", Price = 3, Quantity = 1, ExecTimeUtc = DateTime.UtcNow });
            using (SqliteExporter same = new SqliteExporter(Sqlite.Factory(path), path))
            {
                same.Begin(run);
                same.Write(again);
                same.Complete(run);
            }
            List<string> rows = new List<string>();
            foreach (object[] row in Sqlite.Query(path, "SELECT execution_id, price FROM Executions ORDER BY rowid"))
                rows.Add(string.Format(CultureInfo.InvariantCulture, "{0}={1}", row[0], row[1]));
            T.Equal("x1=1.5,x2=2,x3=3", string.Join(",", rows.ToArray()), "a re-export updates in place and appends");
            T.Equal(1L, (long)Sqlite.Scalar(path, "SELECT count(*) FROM Metadata WHERE key = 'run_id'"), "one run_id row");
        }

        private static void BufferFlushes()
        {
            RecordingSink sink = new RecordingSink();
            ExportBufferOptions options = new ExportBufferOptions { MaxBatchSize = 10, FlushInterval = TimeSpan.FromHours(1) };
            InMemoryExportBuffer buffer = new InMemoryExportBuffer(sink, Feed.NewRun("size"), options);
            WaitBegun(sink);
            for (int i = 0; i < 25; i++)
                buffer.Add(new ExportExecution { ExecutionId = "x" + i.ToString(CultureInfo.InvariantCulture), Price = i + 1, Quantity = 1 });
            Stopwatch clock = Stopwatch.StartNew();
            while (sink.Records < 20 && clock.Elapsed < TimeSpan.FromSeconds(5)) Thread.Sleep(10);
            T.Equal(20, sink.Records, "two full batches go out at once (interval is an hour)");
            T.Equal(2, sink.Batches.Count, "as two batches of 10");
            T.Check(sink.Begun != null && sink.Begun.Status == RunInfo.StatusRunning, "the sink began the run as RUNNING");
            T.Check(buffer.Complete(123.5, 4), "Complete hands on the rest");
            T.Equal(25, sink.Records, "all 25 records reached the sink");
            T.Equal(RunInfo.StatusCompleted, sink.Completed.Status, "the run is COMPLETED");
            T.Equal((double?)123.5, sink.Completed.ReportedNetPnl, "with the reported PnL");
            T.Check(sink.Disposed, "the sink is disposed");
            List<string> order = new List<string>();
            foreach (ExportExecution e in sink.Executions()) order.Add(e.ExecutionId);
            T.Equal("x0,x1,x2,x3,x4,x5,x6,x7,x8,x9,x10,x11,x12,x13,x14,x15,x16,x17,x18,x19,x20,x21,x22,x23,x24",
                string.Join(",", order.ToArray()), "records arrive in the order they were added");
            T.Equal(false, buffer.Add(new ExportBar()), "Add after Complete is refused");
            T.Equal(1L, buffer.DroppedAfterClose, "and counted");

            RecordingSink slow = new RecordingSink();
            ExportBufferOptions timed = new ExportBufferOptions { MaxBatchSize = 1000, FlushInterval = TimeSpan.FromMilliseconds(200) };
            InMemoryExportBuffer byTime = new InMemoryExportBuffer(slow, Feed.NewRun("interval"), timed);
            WaitBegun(slow);
            DateTime added = DateTime.UtcNow;
            byTime.Add(new ExportBar { Symbol = "ES", Timeframe = "1m", StartTimeUtc = added });
            clock = Stopwatch.StartNew();
            while (slow.Records < 1 && clock.Elapsed < TimeSpan.FromSeconds(5)) Thread.Sleep(10);
            T.Equal(1, slow.Records, "a lone record goes out after the interval");
            double after = slow.BatchTimes.Count == 1 ? (slow.BatchTimes[0] - added).TotalMilliseconds : -1;
            T.Check(after >= 50 && after < 1500,
                "within about the interval (" + after.ToString("0", CultureInfo.InvariantCulture) + " ms)");
            T.Check(slow.WriteThreadId != Thread.CurrentThread.ManagedThreadId, "on the worker thread");
            byTime.Complete(null, null);
        }

        private static void WaitBegun(RecordingSink sink)
        {
            Stopwatch clock = Stopwatch.StartNew();
            while (sink.Begun == null && clock.Elapsed < TimeSpan.FromSeconds(5)) Thread.Sleep(5);
            Thread.Sleep(20); // the worker goes back to waiting
        }

        private static void BufferBounded()
        {
            RecordingSink sink = new RecordingSink();
            sink.Release.Reset(); // the sink hangs until released
            List<string> log = new List<string>();
            ExportBufferOptions options = new ExportBufferOptions
            {
                Capacity = 1000, BarShare = 0.5, MaxBatchSize = 100, FlushInterval = TimeSpan.FromMilliseconds(50),
                Log = delegate(string m) { lock (log) log.Add(m); },
            };
            InMemoryExportBuffer buffer = new InMemoryExportBuffer(sink, Feed.NewRun("bounded"), options);
            Stopwatch clock = Stopwatch.StartNew();
            while (!sink.Entered && clock.Elapsed < TimeSpan.FromSeconds(5))
            {
                buffer.Add(new ExportExecution { ExecutionId = "warm" + clock.ElapsedTicks.ToString(CultureInfo.InvariantCulture), Price = 1, Quantity = 1 });
                Thread.Sleep(1);
            }
            T.Check(sink.Entered, "the worker is stuck in the sink");

            long slowest = 0;
            int refused = 0;
            Stopwatch total = Stopwatch.StartNew();
            for (int i = 0; i < 20000; i++)
            {
                long before = total.ElapsedTicks;
                bool ok = i % 2 == 0
                    ? buffer.Add(new ExportBar { Symbol = "ES", Timeframe = "1m", StartTimeUtc = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(i) })
                    : buffer.Add(new ExportExecution { ExecutionId = "e" + i.ToString(CultureInfo.InvariantCulture), Price = 1, Quantity = 1 });
                if (!ok) refused++;
                slowest = Math.Max(slowest, total.ElapsedTicks - before);
            }
            double slowestMs = slowest * 1000.0 / Stopwatch.Frequency;
            T.Check(total.ElapsedMilliseconds < 2000, "20000 Adds against a stuck sink took " + total.ElapsedMilliseconds.ToString(CultureInfo.InvariantCulture) + " ms");
            T.Check(slowestMs < 100, "the slowest Add took " + slowestMs.ToString("0.000", CultureInfo.InvariantCulture) + " ms (never blocks)");
            T.Check(buffer.Pending <= 1000, "at most Capacity records are held (" + buffer.Pending.ToString(CultureInfo.InvariantCulture) + ")");
            T.Equal((long)refused, buffer.Dropped, "every refused Add is counted");
            T.Check(buffer.DroppedBars > buffer.DroppedExecutions, "bars are refused first (BarShare): bars "
                + buffer.DroppedBars.ToString(CultureInfo.InvariantCulture) + ", executions " + buffer.DroppedExecutions.ToString(CultureInfo.InvariantCulture));
            sink.Release.Set();
            bool complete = buffer.Complete(null, null);
            T.Check(!complete, "Complete reports that records were lost");
            T.Equal(buffer.Accepted, buffer.Exported, "everything that was taken was exported");
            bool said = false;
            lock (log) foreach (string m in log) if (m.Contains("dropped " + buffer.Dropped.ToString(CultureInfo.InvariantCulture) + " records")) said = true;
            T.Check(said, "the log says how many records were dropped");
        }

        private static void BufferProducers()
        {
            RecordingSink sink = new RecordingSink();
            InMemoryExportBuffer buffer = new InMemoryExportBuffer(sink, Feed.NewRun("threads"),
                new ExportBufferOptions { MaxBatchSize = 64, FlushInterval = TimeSpan.FromMilliseconds(20) });
            Thread[] producers = new Thread[4];
            for (int p = 0; p < producers.Length; p++)
            {
                int id = p;
                producers[p] = new Thread(delegate()
                {
                    for (int i = 0; i < 5000; i++)
                        buffer.Add(new ExportExecution
                        {
                            ExecutionId = "p" + id.ToString(CultureInfo.InvariantCulture) + "-" + i.ToString(CultureInfo.InvariantCulture),
                            Symbol = "S" + id.ToString(CultureInfo.InvariantCulture), Price = i + 1, Quantity = 1,
                        });
                });
                producers[p].Start();
            }
            foreach (Thread t in producers) t.Join();
            T.Check(buffer.Complete(null, null), "Complete: nothing lost");
            T.Equal(20000, sink.Records, "all records of four producers arrived");
            int[] next = new int[4];
            bool inOrder = true;
            foreach (ExportExecution e in sink.Executions())
            {
                int p = e.Symbol[1] - '0';
                if ((int)e.Price != next[p] + 1) inOrder = false;
                next[p]++;
            }
            T.Check(inOrder, "each producer's records keep their order");
        }

        private static void BufferHungSink()
        {
            RecordingSink sink = new RecordingSink();
            sink.Release.Reset();
            sink.IgnoreCancel = true; // a sink that ignores the shutdown signal
            List<string> log = new List<string>();
            ExportBufferOptions options = new ExportBufferOptions
            {
                MaxBatchSize = 10, FlushInterval = TimeSpan.FromMilliseconds(20),
                ShutdownTimeout = TimeSpan.FromMilliseconds(500), CancelGrace = TimeSpan.FromMilliseconds(500),
                Log = delegate(string m) { lock (log) log.Add(m); },
            };
            InMemoryExportBuffer buffer = new InMemoryExportBuffer(sink, Feed.NewRun("hung"), options);
            for (int i = 0; i < 50; i++) buffer.Add(new ExportExecution { ExecutionId = "h" + i.ToString(CultureInfo.InvariantCulture), Price = 1, Quantity = 1 });
            Stopwatch clock = Stopwatch.StartNew();
            bool ok = buffer.Complete(null, null);
            long ms = clock.ElapsedMilliseconds;
            T.Check(!ok, "Complete reports failure");
            T.Check(ms >= 900 && ms < 2500, "Complete returned after ShutdownTimeout + CancelGrace (" + ms.ToString(CultureInfo.InvariantCulture) + " ms)");
            long lost = buffer.LostAtShutdown;
            T.Check(lost >= 40 && lost <= 50, "the records behind the stuck batch are reported lost (" + lost.ToString(CultureInfo.InvariantCulture) + ")");
            bool said = false;
            lock (log) foreach (string m in log) if (m.Contains(lost.ToString(CultureInfo.InvariantCulture) + " records were not exported")) said = true;
            T.Check(said, "the log says so");
            sink.Release.Set();
        }

        private static void BufferDispose()
        {
            RecordingSink sink = new RecordingSink();
            using (InMemoryExportBuffer buffer = new InMemoryExportBuffer(sink, Feed.NewRun("dispose"), null))
            {
                buffer.Add(new ExportExecution { ExecutionId = "d1", Price = 1, Quantity = 1 });
            }
            T.Equal(1, sink.Records, "the record was handed on");
            T.Check(sink.Completed != null && sink.Completed.Status == RunInfo.StatusFailed, "the run is closed as FAILED");
        }

        private static HttpExporterOptions QuickOptions(string url)
        {
            return new HttpExporterOptions
            {
                BaseUrl = url, ApiKey = "k-123", RequestTimeout = TimeSpan.FromSeconds(5), MaxAttempts = 4,
                InitialBackoff = TimeSpan.FromMilliseconds(50), MaxBackoff = TimeSpan.FromMilliseconds(400),
                Log = delegate(string m) { T.Info(m); },
            };
        }

        private static void HttpBasics()
        {
            using (FaultProxy server = new FaultProxy(null, delegate(int n) { return n == 2 || n == 3 ? ProxyAction.Status503 : ProxyAction.Forward; }, TimeSpan.Zero))
            {
                HttpExporter http = new HttpExporter(QuickOptions(server.BaseUrl));
                RunInfo run = Feed.NewRun("http-basics");
                http.Begin(run);
                http.Write(OneOfEach());
                RunInfo final = run.Clone();
                final.ReportedNetPnl = 10.25;
                http.Complete(final);
                http.Dispose();

                List<SeenRequest> seen = server.Seen;
                T.Equal(5, seen.Count, "begin, 503, 503, the batch, complete");
                T.Equal(2L, http.Retries, "two retries");
                T.Equal(3L, http.BatchesSent, "begin, the batch and complete were taken");
                T.Equal(0L, http.BatchesToFallback, "nothing went to a fallback");
                bool allGzip = true, allKey = true, allPath = true;
                foreach (SeenRequest r in seen)
                {
                    allGzip &= r.ContentEncoding == "gzip";
                    allKey &= r.ApiKey == "k-123";
                    allPath &= r.Method == "POST" && r.Path == "/api/ingest/stream";
                    T.Check(r.ContentType != null && r.ContentType.StartsWith("application/json", StringComparison.Ordinal), "Content-Type " + r.ContentType);
                }
                T.Check(allGzip, "every body is gzip-compressed");
                T.Check(allKey, "every request carries X-API-Key");
                T.Check(allPath, "every request is POST /api/ingest/stream");
                Dictionary<string, object> begin = (Dictionary<string, object>)JsonReader.Parse(seen[0].Text());
                T.Equal("RUNNING", (string)((Dictionary<string, object>)begin["run"])["status"], "the first batch announces the run as RUNNING");
                T.Equal(seen[1].Text(), seen[3].Text(), "a retry sends the very same batch");
                Dictionary<string, object> end = (Dictionary<string, object>)JsonReader.Parse(seen[4].Text());
                Dictionary<string, object> endRun = (Dictionary<string, object>)end["run"];
                T.Equal("COMPLETED", (string)endRun["status"], "the last batch closes the run as COMPLETED");
                T.Equal(10.25, (double)endRun["reported_net_pnl"], "with the reported PnL");
                T.Equal(run.RunId, (string)endRun["run_id"], "under the run id made at start");
            }
        }

        private static void HttpRefused(string workDir)
        {
            string path = Path.Combine(workDir, "offline-refused.sqlite");
            using (FaultProxy server = new FaultProxy(null, delegate(int n) { return n == 2 ? ProxyAction.Status422 : ProxyAction.Forward; }, TimeSpan.Zero))
            {
                HttpExporterOptions options = QuickOptions(server.BaseUrl);
                options.Fallback = new SqliteExporter(Sqlite.Factory(path), path);
                HttpExporter http = new HttpExporter(options);
                RunInfo run = Feed.NewRun("refused");
                http.Begin(run);
                http.Write(OneOfEach());
                ExportBatch next = new ExportBatch();
                next.Add(new ExportExecution { ExecutionId = "e2", OrderId = "o1", Symbol = "ES 12-25", Side = "Buy", Price = 4498, Quantity = 2, ExecTimeUtc = DateTime.UtcNow });
                http.Write(next);
                http.Complete(run);
                http.Dispose();
                T.Equal(4, server.Seen.Count, "begin, the refused batch (once), the next batch, complete");
                T.Equal(0L, http.Retries, "a 4xx is not retried");
                T.Equal(1L, http.BatchesToFallback, "the refused batch went to the fallback");
                T.Equal(0L, http.BatchesReplayed, "and is not replayed (the server would refuse it again)");
                T.Check(http.FallbackNeedsUpload, "the file holds what the server does not have");
                T.Equal(1L, (long)Sqlite.Scalar(path, "SELECT count(*) FROM Executions"), "the fallback file holds its execution");
                T.Equal(run.RunId, (string)Sqlite.Scalar(path, "SELECT value FROM Metadata WHERE key = 'run_id'"), "under the same run id");
            }
        }

        private static void HttpReplayRefused(string workDir)
        {
            // 1 begin; 2 and 3: 503 (the batch goes to the file and the backlog); 4: the replay
            // is refused; 5: the next batch is taken; 6: complete.
            string path = Path.Combine(workDir, "offline-replay-refused.sqlite");
            Func<int, ProxyAction> script = delegate(int n)
            {
                if (n == 2 || n == 3) return ProxyAction.Status503;
                return n == 4 ? ProxyAction.Status422 : ProxyAction.Forward;
            };
            using (FaultProxy server = new FaultProxy(null, script, TimeSpan.Zero))
            {
                HttpExporterOptions options = QuickOptions(server.BaseUrl);
                options.MaxAttempts = 2;
                options.ServerRetryInterval = TimeSpan.Zero;
                options.Fallback = new SqliteExporter(Sqlite.Factory(path), path);
                HttpExporter http = new HttpExporter(options);
                RunInfo run = Feed.NewRun("replay-refused");
                http.Begin(run);
                http.Write(OneOfEach());
                ExportBatch next = new ExportBatch();
                next.Add(new ExportExecution { ExecutionId = "e2", OrderId = "o1", Symbol = "ES 12-25", Side = "Buy", Price = 4498, Quantity = 2, ExecTimeUtc = DateTime.UtcNow });
                http.Write(next);
                http.Complete(run);
                http.Dispose();
                T.Equal(6, server.Seen.Count, "begin, 503, 503, the refused replay, the next batch, complete");
                T.Equal(0L, http.BatchesReplayed, "the refused batch does not count as replayed");
                T.Equal(3L, http.BatchesSent, "begin, the next batch and complete were taken");
                T.Check(http.FallbackNeedsUpload, "the file holds the batch the server refused");
                T.Equal(4L, (long)Sqlite.Scalar(path, "SELECT (SELECT count(*) FROM Executions) + (SELECT count(*) FROM Orders) + "
                    + "(SELECT count(*) FROM Bars) + (SELECT count(*) FROM Instruments)"), "the file holds the whole batch");
            }
        }

        private static void HttpHangsAtShutdown(string workDir)
        {
            string path = Path.Combine(workDir, "offline-hang.sqlite");
            using (FaultProxy server = new FaultProxy(null, delegate(int n) { return n == 1 ? ProxyAction.Forward : ProxyAction.Hang; }, TimeSpan.Zero))
            {
                HttpExporterOptions options = QuickOptions(server.BaseUrl);
                options.RequestTimeout = TimeSpan.FromSeconds(60);
                options.Fallback = new SqliteExporter(Sqlite.Factory(path), path);
                HttpExporter http = new HttpExporter(options);
                ExportBufferOptions bufferOptions = new ExportBufferOptions
                {
                    MaxBatchSize = 50, FlushInterval = TimeSpan.FromMilliseconds(20),
                    ShutdownTimeout = TimeSpan.FromSeconds(1), CancelGrace = TimeSpan.FromSeconds(10),
                    Log = delegate(string m) { T.Info(m); },
                };
                GeneratedRun data = new GeneratedRun(5, 30);
                InMemoryExportBuffer buffer = new InMemoryExportBuffer(http, Feed.NewRun("hang"), bufferOptions);
                Feed.All(buffer, data.Events);
                Stopwatch clock = Stopwatch.StartNew();
                bool ok = buffer.Complete(data.NetPnl, data.Trades.Count);
                long ms = clock.ElapsedMilliseconds;
                T.Check(ok, "nothing was lost");
                T.Check(ms < 4000, "Complete returned in " + ms.ToString(CultureInfo.InvariantCulture) + " ms (limit 1 s, then the file)");
                T.Equal((long)data.CountOf<ExportExecution>(), (long)Sqlite.Scalar(path, "SELECT count(*) FROM Executions"),
                    "every execution is in the fallback file");
                T.Equal(ExportFormat.Number(data.NetPnl), (string)Sqlite.Scalar(path, "SELECT value FROM Metadata WHERE key = 'reported_net_pnl'"),
                    "the file was completed with the reported PnL");
            }
        }

        private static void HttpNotStoredIsRetried()
        {
            // 1 begin; 2: 200 with "status": "failed"; 3: 200 with an HTML page; 4: the batch is
            // taken; 5 complete.
            Func<int, ProxyAction> script = delegate(int n)
            {
                if (n == 2) return ProxyAction.Status200Failed;
                return n == 3 ? ProxyAction.Status200NotJson : ProxyAction.Forward;
            };
            using (FaultProxy server = new FaultProxy(null, script, TimeSpan.Zero))
            {
                List<string> log = new List<string>();
                HttpExporterOptions options = QuickOptions(server.BaseUrl);
                options.Log = delegate(string m) { lock (log) log.Add(m); T.Info(m); };
                HttpExporter http = new HttpExporter(options);
                RunInfo run = Feed.NewRun("not-stored");
                http.Begin(run);
                http.Write(OneOfEach());
                http.Complete(run);
                http.Dispose();
                List<SeenRequest> seen = server.Seen;
                T.Equal(5, seen.Count, "begin, 200 failed, 200 not JSON, the batch again, complete");
                T.Equal(2L, http.Retries, "both 200 answers were retried");
                T.Equal(3L, http.BatchesSent, "begin, the batch and complete were taken");
                T.Equal((long)OneOfEach().Count, http.RecordsSent, "the batch's records counted once, when stored");
                T.Equal(0L, http.BatchesToFallback, "nothing went to a fallback");
                T.Equal(seen[1].Text(), seen[3].Text(), "the retry sends the very same batch");
                T.Equal(seen[2].Text(), seen[3].Text(), "after either answer");
                bool named = false;
                lock (log) foreach (string m in log) named |= m.Contains("without a succeeded report") && m.Contains("database is locked");
                T.Check(named, "the log names the failed report");
            }
        }

        private static void HttpNotStoredGoesToFallback(string workDir)
        {
            // Every answer after the first says the batch failed: the batch is tried
            // MaxAttempts times, then kept in the file; Complete tries once more and keeps its
            // own batch there too.
            string path = Path.Combine(workDir, "offline-not-stored.sqlite");
            using (FaultProxy server = new FaultProxy(null, delegate(int n) { return n == 1 ? ProxyAction.Forward : ProxyAction.Status200Failed; }, TimeSpan.Zero))
            {
                HttpExporterOptions options = QuickOptions(server.BaseUrl);
                options.MaxAttempts = 3;
                options.Fallback = new SqliteExporter(Sqlite.Factory(path), path);
                HttpExporter http = new HttpExporter(options);
                RunInfo run = Feed.NewRun("not-stored-fallback");
                http.Begin(run);
                http.Write(OneOfEach());
                http.Complete(run);
                http.Dispose();
                T.Equal(5, server.Seen.Count, "begin, the batch three times, Complete's one more try");
                T.Equal(2L, http.Retries, "the batch was retried up to MaxAttempts");
                T.Equal(1L, http.BatchesSent, "only the begin was taken");
                T.Equal(1L, http.BatchesToFallback, "the batch went to the fallback");
                T.Equal(0L, http.RecordsLost, "nothing was lost");
                T.Check(http.FallbackNeedsUpload, "the file holds what the server does not have");
                T.Equal(4L, (long)Sqlite.Scalar(path, "SELECT (SELECT count(*) FROM Executions) + (SELECT count(*) FROM Orders) + "
                    + "(SELECT count(*) FROM Bars) + (SELECT count(*) FROM Instruments)"), "the file holds the whole batch");
                T.Equal(run.RunId, (string)Sqlite.Scalar(path, "SELECT value FROM Metadata WHERE key = 'run_id'"), "under the run's id");
            }
        }

        private static void HttpRetryAfter()
        {
            // 2: 503 asking for 1 s; 4: 503 asking for an hour, capped at MaxBackoff (1.5 s).
            Func<int, ProxyAction> script = delegate(int n) { return n == 2 || n == 4 ? ProxyAction.Status503RetryAfter : ProxyAction.Forward; };
            using (FaultProxy server = new FaultProxy(null, script, TimeSpan.Zero))
            {
                HttpExporterOptions options = QuickOptions(server.BaseUrl);
                options.MaxBackoff = TimeSpan.FromSeconds(1.5);
                HttpExporter http = new HttpExporter(options);
                RunInfo run = Feed.NewRun("retry-after");
                server.RetryAfter = "1";
                http.Begin(run);
                http.Write(OneOfEach());
                server.RetryAfter = "3600";
                http.Write(OneOfEach());
                http.Complete(run);
                http.Dispose();
                List<SeenRequest> seen = server.Seen;
                T.Equal(6, seen.Count, "begin, 503, the batch, 503, the batch, complete");
                if (seen.Count < 6) return;
                double first = (seen[2].ReceivedUtc - seen[1].ReceivedUtc).TotalMilliseconds;
                double second = (seen[4].ReceivedUtc - seen[3].ReceivedUtc).TotalMilliseconds;
                T.Check(first >= 950 && first < 1450, "waited the 1 s asked for, not the 50 ms backoff ("
                    + first.ToString("0", CultureInfo.InvariantCulture) + " ms)");
                T.Check(second >= 1400 && second < 3000, "an hour asked for waits MaxBackoff (1.5 s) ("
                    + second.ToString("0", CultureInfo.InvariantCulture) + " ms)");
                T.Equal(4L, http.BatchesSent, "begin, both batches and complete were taken");
            }
        }
    }
}
