// End-to-end against the real platform: the same generated run streamed, written to a file
// and uploaded, streamed through a misbehaving proxy, and streamed while the server is down.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;

namespace StrategyAnalysis.Export.Tests
{
    internal static class ServerChecks
    {
        private static string baseUrl;
        private static string apiKey;
        private static string workDir;
        private static GeneratedRun data;
        private static PlatformClient platform;
        private static List<Dictionary<string, object>> streamedTrades;

        public static void Run(string url, string key, string dir)
        {
            baseUrl = url.TrimEnd('/');
            apiKey = key;
            workDir = dir;
            data = new GeneratedRun(42, 180);
            platform = new PlatformClient(baseUrl, apiKey);
            T.Info(string.Format(CultureInfo.InvariantCulture,
                "generated run: {0} bar records, {1} order records, {2} executions, {3} trades, net PnL {4}",
                data.CountOf<ExportBar>(), data.CountOf<ExportOrder>(), data.CountOf<ExportExecution>(), data.Trades.Count,
                ExportFormat.Number(Math.Round(data.NetPnl, 2))));
            try
            {
                T.Section("stream a run through InMemoryExportBuffer and HttpExporter", Stream);
                T.Section("the same data as a SqliteExporter file, uploaded: the same trades", File);
                T.Section("a server that answers 503 twice, then times out once, loses nothing", Flaky);
                T.Section("answers that stored nothing (200 failed, 503 with Retry-After) lose nothing", NotStored);
                T.Section("server down: the SQLite fallback file uploads with the same result", Down);
                T.Section("an outage mid-run: the missed batches are replayed in order when the server is back",
                    delegate { Outage(true); });
                T.Section("an outage mid-run without replay: the uploaded fallback file fills the gap", delegate { Outage(false); });
                if (!string.IsNullOrEmpty(apiKey)) T.Section("a wrong API key is refused at once; the batch goes to the fallback", WrongKey);
            }
            finally
            {
                platform.Dispose();
            }
        }

        private sealed class Outcome
        {
            public InMemoryExportBuffer Buffer;
            public HttpExporter Http;
            public bool Complete;
            public readonly List<string> Answers = new List<string>();
        }

        private static Outcome StreamRun(RunInfo run, HttpExporterOptions options)
        {
            Outcome outcome = new Outcome();
            options.ResponseObserver = delegate(int status, string body)
            {
                lock (outcome.Answers) outcome.Answers.Add(status.ToString(CultureInfo.InvariantCulture) + " " + body);
            };
            if (options.Log == null) options.Log = delegate(string m) { T.Info(m); };
            outcome.Http = new HttpExporter(options);
            ExportBufferOptions bufferOptions = new ExportBufferOptions
            {
                MaxBatchSize = 150, FlushInterval = TimeSpan.FromMilliseconds(100), ShutdownTimeout = TimeSpan.FromSeconds(60),
                Log = delegate(string m) { T.Info(m); },
            };
            outcome.Buffer = new InMemoryExportBuffer(outcome.Http, run, bufferOptions);
            Stopwatch clock = Stopwatch.StartNew();
            T.Check(Feed.All(outcome.Buffer, data.Events), "the buffer took every record");
            outcome.Complete = outcome.Buffer.Complete(data.NetPnl, data.Trades.Count);
            T.Info("streamed in " + clock.ElapsedMilliseconds.ToString(CultureInfo.InvariantCulture) + " ms: " + outcome.Buffer.Summary());
            return outcome;
        }

        private static HttpExporterOptions Options(string url, string fallbackPath)
        {
            return new HttpExporterOptions
            {
                BaseUrl = url, ApiKey = apiKey, RequestTimeout = TimeSpan.FromSeconds(30), MaxAttempts = 5,
                InitialBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromSeconds(2),
                Fallback = fallbackPath == null ? null : new SqliteExporter(Sqlite.Factory(fallbackPath), fallbackPath),
            };
        }

        /// <summary>The run's trades once the platform has built them all (and they stopped changing).</summary>
        private static List<Dictionary<string, object>> TradesOf(string runId)
        {
            // Read every 50 ms until the count is right, then again 250 ms after the first read
            // with that count: the same trades both times.
            Stopwatch clock = Stopwatch.StartNew();
            List<Dictionary<string, object>> trades = platform.Trades(runId);
            string previous = null;
            Stopwatch steady = new Stopwatch();
            while (clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                string now = JsonWriter.Serialize(TradeChecks.Sorted(trades));
                if (trades.Count == data.Trades.Count && now == previous) break;
                if (trades.Count == data.Trades.Count)
                {
                    if (now != previous) steady.Restart();
                    previous = now;
                    int left = 250 - (int)steady.ElapsedMilliseconds;
                    Thread.Sleep(Math.Max(left, 0));
                }
                else
                {
                    previous = null;
                    Thread.Sleep(50);
                }
                trades = platform.Trades(runId);
            }
            T.Info("run " + runId + ": " + trades.Count.ToString(CultureInfo.InvariantCulture) + " trades from GET /api/trades");
            return trades;
        }

        /// <summary>The run as the platform shows it: metadata, counts, and the reconciliation with the strategy's own figures.</summary>
        private static void CheckRun(string runId, bool streamed)
        {
            int status;
            object answer = platform.GetJson("/api/runs/" + Uri.EscapeDataString(runId), out status);
            T.Equal(200, status, "GET /api/runs/" + runId);
            Dictionary<string, object> run = answer as Dictionary<string, object>;
            if (run == null) return;
            string text = JsonWriter.Serialize(run);
            T.Info("run: " + (text.Length > 400 ? text.Substring(0, 400) + "..." : text));
            if (streamed) T.Equal("COMPLETED", Field(run, "status"), "the stream closed the run as COMPLETED");
            T.Equal("backtest", Field(run, "mode"), "mode");
            T.Equal(GeneratedRun.Account, Field(run, "account_id"), "account_id");
            T.Check((Field(run, "exporter") ?? "").StartsWith("StackedImbalanceStrategyDue/2.3 ", StringComparison.Ordinal),
                "exporter names the strategy and the exporter: " + Field(run, "exporter"));
            Dictionary<string, object> parameters = run.ContainsKey("parameters") ? run["parameters"] as Dictionary<string, object> : null;
            T.Check(parameters != null && parameters.ContainsKey("ImbalanceRatio") && Equals(parameters["ImbalanceRatio"], 3.5),
                "the run carries its parameters");
            Dictionary<string, object> counts = run.ContainsKey("counts") ? run["counts"] as Dictionary<string, object> : null;
            T.Equal((double)data.CountOf<ExportExecution>(), counts != null && counts.ContainsKey("executions") ? (double)counts["executions"] : -1,
                "the run holds every execution");
            HashSet<string> orders = new HashSet<string>();
            foreach (object e in data.Events) { ExportOrder o = e as ExportOrder; if (o != null) orders.Add(o.OrderId); }
            T.Equal((double)orders.Count, counts != null && counts.ContainsKey("orders") ? (double)counts["orders"] : -1, "the run holds every order");

            // Statistics follow the trade rebuild.
            string statsText = null;
            Stopwatch clock = Stopwatch.StartNew();
            do
            {
                if (statsText != null) Thread.Sleep(50);
                object statsAnswer = platform.GetJson("/api/runs/" + Uri.EscapeDataString(runId) + "/stats", out status);
                statsText = JsonWriter.Serialize(statsAnswer);
            }
            while (status == 200 && !statsText.Contains("\"matches\"") && clock.Elapsed < TimeSpan.FromSeconds(30));
            T.Equal(200, status, "GET /api/runs/" + runId + "/stats");
            int at = statsText.IndexOf("\"reconciliation\"", StringComparison.Ordinal);
            T.Info("stats: " + (at >= 0 ? statsText.Substring(at, Math.Min(300, statsText.Length - at)) : statsText.Substring(0, Math.Min(300, statsText.Length))));
            T.Check(at >= 0 && statsText.IndexOf("\"matches\":true", at, StringComparison.Ordinal) >= 0,
                "the reported PnL and trade count reconcile with the platform's");
        }

        private static string Field(Dictionary<string, object> o, string name)
        {
            object v;
            return o.TryGetValue(name, out v) && v != null ? Convert.ToString(v, CultureInfo.InvariantCulture) : null;
        }

        private static void Stream()
        {
            string fallback = Path.Combine(workDir, "stream-fallback.sqlite");
            RunInfo run = Feed.NewRun("stream");
            Outcome o = StreamRun(run, Options(baseUrl, fallback));
            if (o.Answers.Count > 0) T.Info("first answer: " + (o.Answers[0].Length > 400 ? o.Answers[0].Substring(0, 400) : o.Answers[0]));
            T.Check(o.Complete, "Complete: every record reached the server");
            T.Equal(0L, o.Http.BatchesToFallback, "no batch needed the fallback");
            T.Check(!System.IO.File.Exists(fallback), "no fallback file was made");
            T.Equal(0L, o.Http.RecordsRejected, "the server rejected no record");
            double conflicts = 0;
            foreach (string a in o.Answers) conflicts += Counts(a.Substring(a.IndexOf(' ') + 1))[4];
            T.Equal(0.0, conflicts, "no conflicts in any answer");
            T.Check(o.Http.BatchesSent > 5, "the run went out in several batches (" + o.Http.BatchesSent.ToString(CultureInfo.InvariantCulture) + ")");
            streamedTrades = TradesOf(run.RunId);
            CheckRun(run.RunId, true);
            TradeChecks.MatchGenerated(streamedTrades, data, "streamed");
        }

        private static void File()
        {
            string path = Path.Combine(workDir, "export-" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + ".sqlite");
            RunInfo run = Feed.NewRun("file");
            using (SqliteExporter file = new SqliteExporter(Sqlite.Factory(path), path))
            {
                file.Begin(run);
                ExportBatch batch = new ExportBatch();
                int n = 0;
                foreach (object e in data.Events)
                {
                    batch.AddRecord(e);
                    if (++n % 250 == 0) { file.Write(batch); batch = new ExportBatch(); }
                }
                file.Write(batch);
                RunInfo final = run.Clone();
                final.ReportedNetPnl = data.NetPnl;
                final.ReportedTradeCount = data.Trades.Count;
                file.Complete(final);
            }
            Upload(path);
            List<Dictionary<string, object>> trades = TradesOf(run.RunId);
            CheckRun(run.RunId, false);
            TradeChecks.MatchGenerated(trades, data, "file");
            if (streamedTrades != null) TradeChecks.SameTrades(streamedTrades, trades, "file vs stream");
        }

        /// <summary>Uploads a file, checks its job; the import's totals (inserted, updated, unchanged, rejected, conflicts).</summary>
        private static double[] Upload(string path)
        {
            Dictionary<string, object> job = platform.Upload(path, TimeSpan.FromSeconds(120));
            string text = JsonWriter.Serialize(job);
            T.Info("job: " + (text.Length > 400 ? text.Substring(0, 400) + "..." : text));
            T.Equal("succeeded", Convert.ToString(job["status"], CultureInfo.InvariantCulture), "the upload job of " + Path.GetFileName(path) + " succeeded");
            object report;
            if (!job.TryGetValue("report", out report) || report == null)
            {
                T.Fail("the finished job carries no report");
                return new double[5];
            }
            double[] counts = Counts(JsonWriter.Serialize(report));
            T.Check(counts[3] == 0 && counts[4] == 0, "the import rejected nothing and found no conflicts (rejected "
                + T.Show(counts[3]) + ", conflicts " + T.Show(counts[4]) + ")");
            return counts;
        }

        private static void Flaky()
        {
            // Request 1 announces the run; 2 and 3 get 503; request 6 reaches the server,
            // which stores the batch, but its answer comes after the client's time-out, so
            // the client sends the same batch again. A time-out of 1 s: the server answers a
            // batch in tens of milliseconds (the longest answer is logged below).
            Func<int, ProxyAction> script = delegate(int n)
            {
                if (n == 2 || n == 3) return ProxyAction.Status503;
                if (n == 6) return ProxyAction.ForwardThenStall;
                return ProxyAction.Forward;
            };
            string fallback = Path.Combine(workDir, "flaky-fallback.sqlite");
            using (FaultProxy proxy = new FaultProxy(baseUrl, script, TimeSpan.FromSeconds(4)))
            {
                HttpExporterOptions options = Options(proxy.BaseUrl, fallback);
                options.RequestTimeout = TimeSpan.FromSeconds(1);
                RunInfo run = Feed.NewRun("flaky");
                Outcome o = StreamRun(run, options);
                T.Equal(2, proxy.CountOf(ProxyAction.Status503), "the proxy answered 503 twice");
                T.Equal(1, proxy.CountOf(ProxyAction.ForwardThenStall), "and held one answer past the time-out");
                T.Equal(3L, o.Http.Retries, "three retries");
                T.Check(o.Complete, "Complete: nothing lost");
                T.Equal(0L, o.Http.BatchesToFallback, "no batch needed the fallback");
                T.Check(!System.IO.File.Exists(fallback), "no fallback file was made");
                List<SeenRequest> seen = proxy.Seen;
                double longest = 0;
                foreach (SeenRequest r in seen) longest = Math.Max(longest, r.UpstreamMilliseconds);
                T.Info("the server's longest answer took " + longest.ToString("0", CultureInfo.InvariantCulture) + " ms");
                T.Check(seen.Count > 6 && seen[5].Text() == seen[6].Text(), "the batch that timed out was sent again unchanged");
                if (seen.Count > 6)
                {
                    double[] counts = Counts(seen[6].UpstreamAnswer);
                    T.Check(counts[0] == 0 && counts[1] == 0 && counts[2] > 0,
                        "the server had stored it: the repeat changed nothing (inserted " + T.Show(counts[0]) + ", updated "
                        + T.Show(counts[1]) + ", unchanged " + T.Show(counts[2]) + ")");
                }
                double conflicts = 0;
                foreach (SeenRequest r in seen) if (r.UpstreamAnswer != null) conflicts += Counts(r.UpstreamAnswer)[4];
                T.Equal(0.0, conflicts, "no conflicts in any answer");
                bool gzip = true, key = true;
                foreach (SeenRequest r in seen)
                {
                    gzip &= r.ContentEncoding == "gzip";
                    key &= string.IsNullOrEmpty(apiKey) || r.ApiKey == apiKey;
                }
                T.Check(gzip, "every request body was gzip-compressed");
                T.Check(key, "every request carried the X-API-Key");
                List<Dictionary<string, object>> trades = TradesOf(run.RunId);
                CheckRun(run.RunId, true);
                TradeChecks.MatchGenerated(trades, data, "flaky");
                if (streamedTrades != null) TradeChecks.SameTrades(streamedTrades, trades, "flaky vs stream");
            }
        }

        /// <summary>
        /// Request 2 is answered 200 with a failed report and 3 with 503 Retry-After: 1, without
        /// reaching the server; 6 to 8 are answered 200 failed, so that batch goes to the file
        /// after its three attempts and is replayed with the next one.
        /// </summary>
        private static void NotStored()
        {
            Func<int, ProxyAction> script = delegate(int n)
            {
                if (n == 2 || (n >= 6 && n <= 8)) return ProxyAction.Status200Failed;
                return n == 3 ? ProxyAction.Status503RetryAfter : ProxyAction.Forward;
            };
            string fallback = Path.Combine(workDir, "not-stored-fallback.sqlite");
            using (FaultProxy proxy = new FaultProxy(baseUrl, script, TimeSpan.Zero))
            {
                proxy.RetryAfter = "1";
                HttpExporterOptions options = Options(proxy.BaseUrl, fallback);
                options.MaxAttempts = 3;
                options.ServerRetryInterval = TimeSpan.Zero;
                RunInfo run = Feed.NewRun("not-stored");
                Outcome o = StreamRun(run, options);
                T.Check(o.Complete, "Complete: nothing lost");
                T.Equal(4, proxy.CountOf(ProxyAction.Status200Failed), "the proxy answered 200 failed four times");
                T.Equal(4L, o.Http.Retries, "each of them and the 503 retried (two for each batch)");
                T.Equal(1L, o.Http.BatchesToFallback, "the batch failed three times went to the file");
                T.Equal(1L, o.Http.BatchesReplayed, "and was replayed to the server");
                T.Check(!o.Http.FallbackNeedsUpload, "the file need not be uploaded");
                List<SeenRequest> seen = proxy.Seen;
                if (seen.Count > 8)
                {
                    double waited = (seen[3].ReceivedUtc - seen[2].ReceivedUtc).TotalMilliseconds;
                    T.Check(waited >= 950, "the retry after the 503 waited the 1 s asked for ("
                        + waited.ToString("0", CultureInfo.InvariantCulture) + " ms)");
                    T.Equal(seen[1].Text(), seen[3].Text(), "the batch answered 200 failed was sent again unchanged");
                    T.Equal(seen[5].Text(), seen[8].Text(), "the batch replayed from the file is the one that failed");
                }
                List<Dictionary<string, object>> trades = TradesOf(run.RunId);
                CheckRun(run.RunId, true);
                TradeChecks.MatchGenerated(trades, data, "not stored");
                if (streamedTrades != null) TradeChecks.SameTrades(streamedTrades, trades, "not stored vs stream");
            }
        }

        /// <summary>Totals over the tables of a stream answer: inserted, updated, unchanged, rejected, conflicts.</summary>
        private static double[] Counts(string answer)
        {
            double[] totals = new double[5];
            string[] names = { "inserted", "updated", "unchanged", "rejected", "conflicts" };
            Dictionary<string, object> report = null;
            try { report = JsonReader.Parse(answer ?? "") as Dictionary<string, object>; }
            catch (FormatException) { }
            object counts;
            if (report == null || !report.TryGetValue("counts", out counts) || !(counts is Dictionary<string, object>))
            {
                T.Fail("a stream answer without per-table counts: " + answer);
                return totals;
            }
            foreach (object table in ((Dictionary<string, object>)counts).Values)
            {
                Dictionary<string, object> c = table as Dictionary<string, object>;
                if (c == null) continue;
                for (int i = 0; i < names.Length; i++)
                {
                    object v;
                    if (c.TryGetValue(names[i], out v) && v is double) totals[i] += (double)v;
                }
            }
            return totals;
        }

        private static void Down()
        {
            string fallback = Path.Combine(workDir, "down-fallback.sqlite");
            string nowhere = "http://127.0.0.1:" + FaultProxy.FreePort().ToString(CultureInfo.InvariantCulture);
            HttpExporterOptions options = Options(nowhere, fallback);
            options.MaxAttempts = 3;
            options.InitialBackoff = TimeSpan.FromMilliseconds(20);
            options.ServerRetryInterval = TimeSpan.Zero; // every batch tries the dead server first
            RunInfo run = Feed.NewRun("down");
            Outcome o = StreamRun(run, options);
            T.Check(o.Complete, "Complete: every record is stored (in the file)");
            T.Equal(0L, o.Http.BatchesSent, "the server took nothing");
            T.Check(o.Http.Requests > 3, "the dead server was tried again during the run (" + o.Http.Requests.ToString(CultureInfo.InvariantCulture) + " requests)");
            T.Equal(o.Buffer.Exported, o.Buffer.Accepted, "the buffer handed on every record");
            T.Check(System.IO.File.Exists(fallback), "the fallback file exists");
            T.Equal((long)data.CountOf<ExportExecution>(), (long)Sqlite.Scalar(fallback, "SELECT count(*) FROM Executions"), "it holds every execution");
            T.Equal(run.RunId, (string)Sqlite.Scalar(fallback, "SELECT value FROM Metadata WHERE key = 'run_id'"), "under the run id made at start");
            T.Equal(data.Trades.Count.ToString(CultureInfo.InvariantCulture),
                (string)Sqlite.Scalar(fallback, "SELECT value FROM Metadata WHERE key = 'reported_trade_count'"), "completed with the reported trade count");
            Upload(fallback);
            List<Dictionary<string, object>> trades = TradesOf(run.RunId);
            CheckRun(run.RunId, false);
            TradeChecks.MatchGenerated(trades, data, "fallback file");
            if (streamedTrades != null) TradeChecks.SameTrades(streamedTrades, trades, "fallback file vs stream");
        }

        /// <summary>
        /// Requests 4 to 9 fail: with two attempts per batch, batches in the middle of the run go
        /// to the file while the server is away. With replay they reach the server, in order,
        /// once it answers again; without (ReplayLimit 0) the file must be uploaded.
        /// </summary>
        private static void Outage(bool replay)
        {
            Func<int, ProxyAction> script = delegate(int n) { return n >= 4 && n <= 9 ? ProxyAction.Status503 : ProxyAction.Forward; };
            string fallback = Path.Combine(workDir, "outage-" + (replay ? "replayed" : "gap") + ".sqlite");
            using (FaultProxy proxy = new FaultProxy(baseUrl, script, TimeSpan.Zero))
            {
                HttpExporterOptions options = Options(proxy.BaseUrl, fallback);
                options.MaxAttempts = 2;
                options.InitialBackoff = TimeSpan.FromMilliseconds(20);
                options.ServerRetryInterval = TimeSpan.Zero;
                if (!replay) options.ReplayLimit = 0;
                RunInfo run = Feed.NewRun(replay ? "outage-replayed" : "outage-gap");
                Outcome o = StreamRun(run, options);
                T.Check(o.Complete, "Complete: nothing lost");
                T.Check(o.Http.BatchesToFallback >= 3, "batches went to the file during the outage (" + o.Http.BatchesToFallback.ToString(CultureInfo.InvariantCulture) + ")");
                T.Check(o.Http.BatchesSent > 3, "others reached the server (" + o.Http.BatchesSent.ToString(CultureInfo.InvariantCulture) + ")");
                if (replay)
                {
                    T.Equal(o.Http.BatchesToFallback, o.Http.BatchesReplayed, "every batch of the file was replayed to the server");
                    T.Check(!o.Http.FallbackNeedsUpload, "the file need not be uploaded");
                    List<Dictionary<string, object>> before = TradesOf(run.RunId);
                    TradeChecks.MatchGenerated(before, data, "replayed, before any upload");
                    double[] counts = Upload(fallback);
                    T.Check(counts[0] == 0 && counts[1] == 0, "uploading the file anyway changes nothing (inserted "
                        + T.Show(counts[0]) + ", updated " + T.Show(counts[1]) + ")");
                }
                else
                {
                    T.Equal(0L, o.Http.BatchesReplayed, "nothing was replayed");
                    T.Check(o.Http.FallbackNeedsUpload, "the file must be uploaded");
                    double[] counts = Upload(fallback);
                    T.Check(counts[0] > 0, "the upload adds the records the server missed (inserted " + T.Show(counts[0]) + ")");
                }
                List<Dictionary<string, object>> trades = TradesOf(run.RunId);
                CheckRun(run.RunId, true);
                TradeChecks.MatchGenerated(trades, data, "outage");
                if (streamedTrades != null) TradeChecks.SameTrades(streamedTrades, trades, "outage vs stream");
            }
        }

        private static void WrongKey()
        {
            string fallback = Path.Combine(workDir, "wrong-key-fallback.sqlite");
            HttpExporterOptions options = Options(baseUrl, fallback);
            options.ApiKey = apiKey + "-wrong";
            int refusedStatus = 0;
            options.ResponseObserver = delegate(int status, string body) { refusedStatus = status; };
            options.Log = delegate(string m) { T.Info(m); };
            HttpExporter http = new HttpExporter(options);
            RunInfo run = Feed.NewRun("wrong-key");
            http.Begin(run);
            http.Write(OfflineChecks.OneOfEach());
            http.Complete(run);
            http.Dispose();
            T.Check(refusedStatus == 401 || refusedStatus == 403, "the server refused the key (HTTP " + refusedStatus.ToString(CultureInfo.InvariantCulture) + ")");
            T.Equal(0L, http.Retries, "no retries");
            T.Equal(1L, http.BatchesToFallback, "the batch went to the fallback");
            T.Equal(1L, (long)Sqlite.Scalar(fallback, "SELECT count(*) FROM Executions"), "the fallback file holds it");
        }
    }
}
