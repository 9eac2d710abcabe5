// Posts stream batches (export-format.md section 2) to the platform's /api/ingest/stream.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;

namespace StrategyAnalysis.Export
{
    /// <summary>Settings of an HttpExporter.</summary>
    public sealed class HttpExporterOptions
    {
        public HttpExporterOptions()
        {
            RequestTimeout = TimeSpan.FromSeconds(15);
            MaxAttempts = 5;
            InitialBackoff = TimeSpan.FromMilliseconds(500);
            MaxBackoff = TimeSpan.FromSeconds(30);
            ServerRetryInterval = TimeSpan.FromSeconds(60);
            ReplayLimit = 100000;
            Gzip = true;
        }

        /// <summary>The platform, e.g. http://127.0.0.1:8000 (the path /api/ingest/stream is appended).</summary>
        public string BaseUrl { get; set; }

        /// <summary>Sent as header X-API-Key when not empty (the server's API_KEY).</summary>
        public string ApiKey { get; set; }

        /// <summary>Time-out of one request; a time-out is retried.</summary>
        public TimeSpan RequestTimeout { get; set; }

        /// <summary>Attempts per batch (the first one included) before the batch goes to the fallback.</summary>
        public int MaxAttempts { get; set; }

        /// <summary>Wait before the second attempt; it doubles per attempt up to MaxBackoff, with random jitter.</summary>
        public TimeSpan InitialBackoff { get; set; }

        /// <summary>The longest wait between two attempts, a server's Retry-After included.</summary>
        public TimeSpan MaxBackoff { get; set; }

        /// <summary>
        /// After the server failed a batch, batches go straight to the fallback for this long
        /// before the server is tried again (Complete always tries it once more).
        /// Timeout.InfiniteTimeSpan: not again before Complete.
        /// </summary>
        public TimeSpan ServerRetryInterval { get; set; }

        /// <summary>
        /// Records of batches that went to the fallback while the server was unreachable,
        /// also kept in memory (at most this many) and sent to the server, in their order,
        /// before anything else once it answers again. The server then holds the whole run and
        /// the fallback file need not be uploaded. Beyond the limit the memory copy is dropped
        /// and the file must be uploaded. 0: no replay.
        /// </summary>
        public int ReplayLimit { get; set; }

        /// <summary>Compress request bodies (Content-Encoding: gzip).</summary>
        public bool Gzip { get; set; }

        /// <summary>
        /// Takes every batch the server could not take (typically a SqliteExporter); its file
        /// can be uploaded later. Null: such batches are lost, and Write throws.
        /// </summary>
        public IExportSink Fallback { get; set; }

        /// <summary>Diagnostics (called from the exporting thread).</summary>
        public Action<string> Log { get; set; }

        /// <summary>Called with the HTTP status and body of every answer to a batch.</summary>
        public Action<int, string> ResponseObserver { get; set; }

        /// <summary>Replaces the HttpMessageHandler (tests, proxies). The exporter owns and disposes it.</summary>
        public HttpMessageHandler Handler { get; set; }
    }

    /// <summary>
    /// Sends the run to the platform while it runs: one HttpClient, X-API-Key, gzip bodies.
    /// A batch counts as delivered only when the answer is 2xx and its report says
    /// "status": "succeeded"; any other 2xx answer stored nothing. Such answers, time-outs,
    /// connection failures, 408, 429 and 5xx are retried with exponential backoff and jitter,
    /// waiting at least what a Retry-After asks (the server treats a repeated batch as
    /// unchanged); after MaxAttempts, or on any other 4xx, the batch goes to the fallback
    /// sink so an outage loses nothing. Batches
    /// that went to the fallback because the server was unreachable are replayed to it, in
    /// order, when it answers again (see ReplayLimit).
    /// </summary>
    /// <remarks>Not for the strategy's thread: feed it through an InMemoryExportBuffer.</remarks>
    public sealed class HttpExporter : IExportSink
    {
        public const string ExporterClass = "HttpExporter";

        private readonly HttpExporterOptions options;
        private readonly HttpClient client;
        private readonly Uri streamUri;
        private readonly Random jitter = new Random();
        private readonly object sync = new object();
        private RunInfo run;
        private bool fallbackStarted;
        private DateTime serverRetryAtUtc = DateTime.MinValue;
        private bool onFallback;
        // Batches in the fallback that the server has not got, oldest first; null once
        // ReplayLimit was exceeded (the file must then be uploaded).
        private List<ExportBatch> backlog = new List<ExportBatch>();
        private long backlogRecords;
        private bool fileHasUnsentRecords;
        private long batchesReplayed;

        private long batchesSent;
        private long recordsSent;
        private long requests;
        private long retries;
        private long batchesToFallback;
        private long recordsToFallback;
        private long recordsLost;
        private long recordsRejected;

        public HttpExporter(HttpExporterOptions options)
        {
            if (options == null) throw new ArgumentNullException("options");
            if (string.IsNullOrEmpty(options.BaseUrl)) throw new ArgumentException("BaseUrl is required", "options");
            if (options.MaxAttempts < 1) throw new ArgumentException("MaxAttempts must be at least 1", "options");
            this.options = options;
            streamUri = new Uri(options.BaseUrl.TrimEnd('/') + "/api/ingest/stream");
            HttpMessageHandler handler = options.Handler ?? new HttpClientHandler();
            client = new HttpClient(handler, true);
            // Each attempt has its own time-out (RequestTimeout), so that a time-out and a
            // shutdown can be told apart.
            client.Timeout = Timeout.InfiniteTimeSpan;
        }

        public HttpExporterOptions Options { get { return options; } }

        /// <summary>Batches the server accepted.</summary>
        public long BatchesSent { get { return Interlocked.Read(ref batchesSent); } }
        public long RecordsSent { get { return Interlocked.Read(ref recordsSent); } }
        /// <summary>HTTP requests made, retries included.</summary>
        public long Requests { get { return Interlocked.Read(ref requests); } }
        public long Retries { get { return Interlocked.Read(ref retries); } }
        public long BatchesToFallback { get { return Interlocked.Read(ref batchesToFallback); } }
        public long RecordsToFallback { get { return Interlocked.Read(ref recordsToFallback); } }
        /// <summary>Records neither the server nor the fallback took.</summary>
        public long RecordsLost { get { return Interlocked.Read(ref recordsLost); } }
        /// <summary>Records the server answered as rejected (invalid per the contract).</summary>
        public long RecordsRejected { get { return Interlocked.Read(ref recordsRejected); } }
        /// <summary>Batches of the fallback that were sent to the server once it answered again.</summary>
        public long BatchesReplayed { get { return Interlocked.Read(ref batchesReplayed); } }

        /// <summary>
        /// True when the fallback holds records the server does not have: upload the file after
        /// the run. False when nothing went to the fallback, or all of it was replayed.
        /// </summary>
        public bool FallbackNeedsUpload
        {
            get { lock (sync) { return fileHasUnsentRecords || (backlog != null && backlog.Count > 0); } }
        }

        /// <summary>Announces the run (status RUNNING) with an empty batch.</summary>
        public void Begin(RunInfo run)
        {
            if (run == null) throw new ArgumentNullException("run");
            if (string.IsNullOrEmpty(run.RunId)) throw new ArgumentException("RunInfo.RunId is required", "run");
            lock (sync)
            {
                if (this.run != null) throw new InvalidOperationException("HttpExporter: Begin was already called");
                this.run = run.Clone();
                this.run.Status = RunInfo.StatusRunning;
            }
            Send(new ExportBatch(), CancellationToken.None, false);
        }

        public void Write(ExportBatch batch)
        {
            Write(batch, CancellationToken.None);
        }

        public void Write(ExportBatch batch, CancellationToken cancel)
        {
            if (batch == null) throw new ArgumentNullException("batch");
            if (run == null) throw new InvalidOperationException("HttpExporter: call Begin first");
            if (batch.Count == 0) return;
            Send(batch, cancel, false);
        }

        public void Complete(RunInfo run)
        {
            Complete(run, CancellationToken.None);
        }

        /// <summary>
        /// Closes the run on the server (status COMPLETED unless the run says FAILED) and, when
        /// the fallback took batches, closes the fallback file too and says where it is.
        /// </summary>
        public void Complete(RunInfo run, CancellationToken cancel)
        {
            lock (sync)
            {
                if (this.run == null) throw new InvalidOperationException("HttpExporter: call Begin first");
                RunInfo final = run == null ? this.run.Clone() : run.Clone();
                final.RunId = this.run.RunId;
                if (final.Status != RunInfo.StatusFailed) final.Status = RunInfo.StatusCompleted;
                this.run = final;
            }
            try
            {
                Send(new ExportBatch(), cancel, true);
            }
            finally
            {
                if (fallbackStarted)
                {
                    options.Fallback.Complete(this.run, CancellationToken.None);
                    Log(string.Format(CultureInfo.InvariantCulture, FallbackNeedsUpload
                        ? "HttpExporter: the fallback {3} holds {0} batches ({1} records) of run {2} that the server does not have; upload it to complete the run on the server."
                        : "HttpExporter: the fallback {3} holds {0} batches ({1} records) of run {2}; all of them were replayed to the server, so it need not be uploaded.",
                        BatchesToFallback, RecordsToFallback, this.run.RunId, DescribeFallback()));
                }
                Log(string.Format(CultureInfo.InvariantCulture,
                    "HttpExporter: run {0} done: {1} batches ({2} records) sent in {3} requests ({4} retries, {5} batches replayed), {6} records rejected by the server, {7} records to the fallback, {8} lost.",
                    this.run.RunId, BatchesSent, RecordsSent, Requests, Retries, BatchesReplayed, RecordsRejected, RecordsToFallback, RecordsLost));
            }
        }

        public void Dispose()
        {
            client.Dispose();
            if (options.Fallback != null) options.Fallback.Dispose();
        }

        /// <param name="final">Complete's batch: the server is tried whatever ServerRetryInterval says.</param>
        private void Send(ExportBatch batch, CancellationToken cancel, bool final)
        {
            RunInfo current;
            lock (sync) { current = run; }

            string problem;
            Exception error;
            if (onFallback)
            {
                if (!final && !ServerDue())
                {
                    ToFallback(batch, "the server failed recently", null, true);
                    return;
                }
                if (!Replay(current, cancel, out problem, out error))
                {
                    Reschedule();
                    ToFallback(batch, problem, error, true);
                    return;
                }
            }

            bool refused;
            if (Deliver(batch, current, options.MaxAttempts, cancel, out refused, out problem, out error)) return;
            if (refused)
            {
                // The server works but will not take this batch (a wrong key, a refused body):
                // keep it in the file; retrying or replaying it cannot help.
                ToFallback(batch, problem, error, false);
                return;
            }
            onFallback = true;
            Reschedule();
            ToFallback(batch, problem, error, true);
        }

        /// <summary>Sends the batches the server missed, oldest first; false at the first failure.</summary>
        private bool Replay(RunInfo current, CancellationToken cancel, out string problem, out Exception error)
        {
            problem = null;
            error = null;
            List<ExportBatch> pending;
            lock (sync) { pending = backlog == null ? null : new List<ExportBatch>(backlog); }
            if (pending != null && pending.Count > 0)
            {
                // Replayed batches carry the run as RUNNING: only Complete's own batch closes it.
                RunInfo running = current.Clone();
                running.Status = RunInfo.StatusRunning;
                long records = 0;
                int replayed = 0;
                foreach (ExportBatch old in pending)
                {
                    bool refused;
                    bool delivered = Deliver(old, running, 1, cancel, out refused, out problem, out error);
                    if (!delivered && !refused) return false;
                    lock (sync)
                    {
                        backlog.RemoveAt(0);
                        backlogRecords -= old.Count;
                        // A batch the server refuses stays in the file only.
                        if (refused) fileHasUnsentRecords = true;
                    }
                    if (refused)
                    {
                        Log("HttpExporter: the server refused a replayed batch (" + problem + "); it stays in the fallback " + DescribeFallback() + ".");
                        continue;
                    }
                    records += old.Count;
                    replayed++;
                    Interlocked.Increment(ref batchesReplayed);
                }
                if (replayed > 0)
                {
                    Log(string.Format(CultureInfo.InvariantCulture,
                        "HttpExporter: the server answers again; replayed the {0} batches ({1} records) it missed, in their order.",
                        replayed, records));
                }
            }
            else
            {
                Log("HttpExporter: trying the server again.");
            }
            onFallback = false;
            return true;
        }

        /// <summary>Posts one batch with up to <paramref name="attempts"/> attempts; true when the server took it.</summary>
        private bool Deliver(ExportBatch batch, RunInfo current, int attempts, CancellationToken cancel,
            out bool refused, out string problem, out Exception error)
        {
            refused = false;
            problem = null;
            error = null;
            byte[] body = Encoding.UTF8.GetBytes(ExportJson.Batch(current, batch, ExporterClass));
            if (options.Gzip) body = Compress(body);

            TimeSpan? retryAfter = null;
            for (int attempt = 1; attempt <= attempts; attempt++)
            {
                if (cancel.IsCancellationRequested)
                {
                    problem = "shutting down";
                    return false;
                }
                if (attempt > 1)
                {
                    Interlocked.Increment(ref retries);
                    if (cancel.WaitHandle.WaitOne(Wait(attempt - 1, retryAfter)))
                    {
                        problem = "shutting down";
                        return false;
                    }
                }
                Outcome outcome = Post(body, cancel, out problem, out error, out retryAfter);
                if (outcome == Outcome.Accepted)
                {
                    Interlocked.Increment(ref batchesSent);
                    Interlocked.Add(ref recordsSent, batch.Count);
                    return true;
                }
                if (outcome == Outcome.Refused)
                {
                    refused = true;
                    return false;
                }
                if (attempt < attempts && !cancel.IsCancellationRequested)
                {
                    Log("HttpExporter: attempt " + attempt.ToString(CultureInfo.InvariantCulture) + " of "
                        + attempts.ToString(CultureInfo.InvariantCulture) + " failed (" + problem + "), retrying.");
                }
            }
            return false;
        }

        private void Reschedule()
        {
            serverRetryAtUtc = options.ServerRetryInterval == Timeout.InfiniteTimeSpan
                ? DateTime.MaxValue
                : DateTime.UtcNow + options.ServerRetryInterval;
        }

        private bool ServerDue()
        {
            return DateTime.UtcNow >= serverRetryAtUtc;
        }

        private enum Outcome { Accepted, Retry, Refused }

        /// <param name="retryAfter">The wait a 429 or 503 answer asked for (Retry-After), else null.</param>
        private Outcome Post(byte[] body, CancellationToken cancel, out string problem, out Exception error, out TimeSpan? retryAfter)
        {
            problem = null;
            error = null;
            retryAfter = null;
            Interlocked.Increment(ref requests);
            using (CancellationTokenSource attempt = CancellationTokenSource.CreateLinkedTokenSource(cancel))
            using (HttpRequestMessage request = new HttpRequestMessage(HttpMethod.Post, streamUri))
            {
                attempt.CancelAfter(options.RequestTimeout);
                ByteArrayContent content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                if (options.Gzip) content.Headers.ContentEncoding.Add("gzip");
                request.Content = content;
                request.Headers.ExpectContinue = false;
                if (!string.IsNullOrEmpty(options.ApiKey)) request.Headers.Add("X-API-Key", options.ApiKey);

                try
                {
                    using (HttpResponseMessage response = client.SendAsync(request, attempt.Token).Result)
                    {
                        string answer = response.Content.ReadAsStringAsync().Result;
                        int status = (int)response.StatusCode;
                        Observe(status, answer);
                        if (response.IsSuccessStatusCode)
                        {
                            Dictionary<string, object> report = StoredReport(answer);
                            if (report == null)
                            {
                                // The server (or a proxy on the way) did not say it stored the batch.
                                problem = "HTTP " + status.ToString(CultureInfo.InvariantCulture)
                                    + " without a succeeded report: " + Shorten(answer);
                                return Outcome.Retry;
                            }
                            CountRejected(report, answer);
                            return Outcome.Accepted;
                        }
                        problem = "HTTP " + status.ToString(CultureInfo.InvariantCulture) + " " + Shorten(answer);
                        if (status == 503 || status == 429) retryAfter = RetryAfter(response);
                        bool retry = status >= 500 || status == (int)HttpStatusCode.RequestTimeout || status == 429;
                        return retry ? Outcome.Retry : Outcome.Refused;
                    }
                }
                catch (AggregateException e)
                {
                    error = e.GetBaseException();
                }
                catch (Exception e)
                {
                    // Reading the answer may fail outside the task (a reset connection).
                    error = e;
                }
                if (error is OperationCanceledException)
                {
                    problem = cancel.IsCancellationRequested
                        ? "shutting down"
                        : "no answer within " + options.RequestTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s";
                }
                else
                {
                    problem = error.GetType().Name + ": " + error.Message;
                }
                return Outcome.Retry;
            }
        }

        /// <summary>
        /// The wait before retry number <paramref name="retry"/>: the backoff, or what the
        /// server asked for when that is longer; never more than MaxBackoff.
        /// </summary>
        private TimeSpan Wait(int retry, TimeSpan? retryAfter)
        {
            double baseMs = options.InitialBackoff.TotalMilliseconds * Math.Pow(2, retry - 1);
            baseMs = Math.Min(baseMs, options.MaxBackoff.TotalMilliseconds);
            double factor;
            lock (jitter) { factor = 0.5 + jitter.NextDouble() * 0.5; }
            double ms = baseMs * factor;
            if (retryAfter.HasValue)
            {
                ms = Math.Min(Math.Max(ms, retryAfter.Value.TotalMilliseconds), options.MaxBackoff.TotalMilliseconds);
            }
            return TimeSpan.FromMilliseconds(ms);
        }

        /// <summary>Retry-After as seconds or as an HTTP date; null when absent or unreadable.</summary>
        private static TimeSpan? RetryAfter(HttpResponseMessage response)
        {
            RetryConditionHeaderValue header = response.Headers.RetryAfter;
            if (header == null) return null;
            if (header.Delta.HasValue) return header.Delta.Value;
            if (header.Date.HasValue)
            {
                TimeSpan wait = header.Date.Value - DateTimeOffset.UtcNow;
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
            return null;
        }

        /// <summary>
        /// The stream report of an answer whose "status" is "succeeded"; null for anything
        /// else (another status, not JSON, not an object): the batch was not stored.
        /// </summary>
        private static Dictionary<string, object> StoredReport(string answer)
        {
            if (string.IsNullOrEmpty(answer)) return null;
            object parsed;
            try { parsed = JsonReader.Parse(answer); }
            catch (FormatException) { return null; }
            Dictionary<string, object> report = parsed as Dictionary<string, object>;
            object status;
            if (report == null || !report.TryGetValue("status", out status)) return null;
            return string.Equals(status as string, "succeeded", StringComparison.Ordinal) ? report : null;
        }

        /// <param name="replayable">The server was unreachable (not refusing): keep a copy for replay.</param>
        private void ToFallback(ExportBatch batch, string problem, Exception error, bool replayable)
        {
            if (options.Fallback == null)
            {
                Interlocked.Add(ref recordsLost, batch.Count);
                throw new ExportException("HttpExporter: the server did not take a batch of "
                    + batch.Count.ToString(CultureInfo.InvariantCulture) + " records (" + problem + ") and there is no fallback", error);
            }
            try
            {
                if (!fallbackStarted)
                {
                    Log("HttpExporter: the server did not take a batch (" + problem + "); writing to the fallback " + DescribeFallback() + ".");
                    RunInfo current;
                    lock (sync) { current = run.Clone(); }
                    current.Status = RunInfo.StatusRunning;
                    options.Fallback.Begin(current);
                    fallbackStarted = true;
                }
                options.Fallback.Write(batch, CancellationToken.None);
            }
            catch (Exception e)
            {
                Interlocked.Add(ref recordsLost, batch.Count);
                throw new ExportException("HttpExporter: neither the server (" + problem + ") nor the fallback ("
                    + e.Message + ") took a batch of " + batch.Count.ToString(CultureInfo.InvariantCulture) + " records", e);
            }
            if (batch.Count == 0) return;
            Interlocked.Increment(ref batchesToFallback);
            Interlocked.Add(ref recordsToFallback, batch.Count);
            lock (sync)
            {
                if (!replayable)
                {
                    fileHasUnsentRecords = true;
                }
                else if (backlog != null && backlogRecords + batch.Count <= options.ReplayLimit)
                {
                    backlog.Add(batch);
                    backlogRecords += batch.Count;
                }
                else if (backlog != null)
                {
                    fileHasUnsentRecords = true;
                    Log(string.Format(CultureInfo.InvariantCulture,
                        "HttpExporter: more than {0} records wait for the server; they stay in the fallback {1} only: upload it after the run.",
                        options.ReplayLimit, DescribeFallback()));
                    backlog = null;
                    backlogRecords = 0;
                }
                else
                {
                    fileHasUnsentRecords = true;
                }
            }
        }

        private string DescribeFallback()
        {
            SqliteExporter file = options.Fallback as SqliteExporter;
            return file != null ? file.Description : options.Fallback.GetType().Name;
        }

        private void Observe(int status, string answer)
        {
            Action<int, string> observer = options.ResponseObserver;
            if (observer == null) return;
            try { observer(status, answer); }
            catch (Exception e) { Log("HttpExporter: the response observer failed: " + e.Message); }
        }

        /// <summary>
        /// The answer reports rejected records per table; their shape is the server's, so count
        /// both numeric "rejected" fields and lists named "rejected", and keep the larger.
        /// </summary>
        private void CountRejected(Dictionary<string, object> report, string answer)
        {
            double numbers = 0;
            double listed = 0;
            SumRejected(report, ref numbers, ref listed);
            long rejected = (long)Math.Max(numbers, listed);
            if (rejected <= 0) return;
            Interlocked.Add(ref recordsRejected, rejected);
            Log("HttpExporter: the server rejected " + rejected.ToString(CultureInfo.InvariantCulture)
                + " records of a batch: " + Shorten(answer));
        }

        private static void SumRejected(object node, ref double numbers, ref double listed)
        {
            Dictionary<string, object> obj = node as Dictionary<string, object>;
            if (obj != null)
            {
                foreach (KeyValuePair<string, object> pair in obj)
                {
                    if (string.Equals(pair.Key, "rejected", StringComparison.OrdinalIgnoreCase))
                    {
                        if (pair.Value is double) { numbers += (double)pair.Value; continue; }
                        List<object> items = pair.Value as List<object>;
                        if (items != null) { listed += items.Count; continue; }
                    }
                    SumRejected(pair.Value, ref numbers, ref listed);
                }
                return;
            }
            List<object> list = node as List<object>;
            if (list == null) return;
            foreach (object item in list) SumRejected(item, ref numbers, ref listed);
        }

        private void Log(string message)
        {
            Action<string> log = options.Log;
            if (log == null) return;
            try { log(message); }
            catch (Exception) { /* a failing logger must not stop the export */ }
        }

        private static string Shorten(string text)
        {
            if (text == null) return "";
            text = text.Replace('\n', ' ').Replace('\r', ' ');
            return text.Length <= 500 ? text : text.Substring(0, 500) + "...";
        }

        internal static byte[] Compress(byte[] data)
        {
            using (MemoryStream output = new MemoryStream())
            {
                using (GZipStream gzip = new GZipStream(output, CompressionMode.Compress, true))
                {
                    gzip.Write(data, 0, data.Length);
                }
                return output.ToArray();
            }
        }
    }
}
