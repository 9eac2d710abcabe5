// Decouples the strategy's thread from exporting: Add never blocks, one background worker
// hands batches to a sink.
using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading;

namespace StrategyAnalysis.Export
{
    /// <summary>Settings of an InMemoryExportBuffer.</summary>
    public sealed class ExportBufferOptions
    {
        public ExportBufferOptions()
        {
            Capacity = 100000;
            BarShare = 0.8;
            MaxBatchSize = 500;
            FlushInterval = TimeSpan.FromSeconds(1);
            ShutdownTimeout = TimeSpan.FromSeconds(10);
            CancelGrace = TimeSpan.FromSeconds(5);
        }

        /// <summary>Records held at most; beyond it Add drops the record, counts it and returns false.</summary>
        public int Capacity { get; set; }

        /// <summary>
        /// Share of Capacity that bars may fill (0..1), so a flood of bars cannot crowd out
        /// orders and executions, which decide the trades.
        /// </summary>
        public double BarShare { get; set; }

        /// <summary>Records per batch; a full batch is handed on at once.</summary>
        public int MaxBatchSize { get; set; }

        /// <summary>Records that do not fill a batch are handed on after at most this long.</summary>
        public TimeSpan FlushInterval { get; set; }

        /// <summary>How long Complete waits for the worker to hand on everything it holds.</summary>
        public TimeSpan ShutdownTimeout { get; set; }

        /// <summary>
        /// After ShutdownTimeout the sink is told to stop waiting (an HttpExporter then writes
        /// the rest to its fallback file); Complete waits this much longer, then gives up and
        /// reports what was lost.
        /// </summary>
        public TimeSpan CancelGrace { get; set; }

        /// <summary>Diagnostics, called from the worker (and from Complete's thread).</summary>
        public Action<string> Log { get; set; }
    }

    /// <summary>
    /// A bounded, thread-safe queue between a strategy and an export sink. Add returns at once
    /// and never blocks (no locks, no I/O); one background thread hands batches to the sink
    /// when MaxBatchSize records are waiting or FlushInterval has passed. Complete hands on
    /// what is left within ShutdownTimeout (+ CancelGrace) and closes the run. Whatever
    /// could not be kept is counted (Dropped, Failed, LostAtShutdown) and reported in the log.
    /// </summary>
    /// <remarks>
    /// The buffer owns the sink: it calls Begin at once (on the worker), Complete at the end,
    /// then Dispose. Records are kept in the order they were added, across all types. Do not
    /// change a record after adding it: make a new one for every change.
    /// </remarks>
    public sealed class InMemoryExportBuffer : IDisposable
    {
        private sealed class Control
        {
            public Control(bool isComplete, RunInfo run)
            {
                IsComplete = isComplete;
                Run = run;
            }

            public readonly bool IsComplete;
            public readonly RunInfo Run;
        }

        private readonly IExportSink sink;
        private readonly ExportBufferOptions options;
        private readonly RunInfo run;
        private readonly ConcurrentQueue<object> queue = new ConcurrentQueue<object>();
        private readonly AutoResetEvent wake = new AutoResetEvent(false);
        private readonly CancellationTokenSource shutdown = new CancellationTokenSource();
        private readonly Thread worker;
        private readonly long capacity;
        private readonly long barCapacity;
        private readonly object closeLock = new object();

        private long queued;
        private int controlsPending;
        private int sizeSignalled;
        private volatile bool closing;
        private volatile bool sinkCompleted;
        private bool closeRequested;
        private bool closeResult;

        private long accepted;
        private long exported;
        private long failed;
        private long droppedBars;
        private long droppedOrders;
        private long droppedExecutions;
        private long droppedInstruments;
        private long droppedAfterClose;
        private long lostAtShutdown;
        private long droppedReported;

        /// <param name="sink">Where batches go (SqliteExporter, HttpExporter ...). Owned by the buffer.</param>
        /// <param name="run">The run (RunInfo.NewRun): the sink's Begin gets it first.</param>
        public InMemoryExportBuffer(IExportSink sink, RunInfo run, ExportBufferOptions options)
        {
            if (sink == null) throw new ArgumentNullException("sink");
            if (run == null) throw new ArgumentNullException("run");
            if (string.IsNullOrEmpty(run.RunId)) throw new ArgumentException("RunInfo.RunId is required", "run");
            this.options = options ?? new ExportBufferOptions();
            if (this.options.Capacity < 1) throw new ArgumentException("Capacity must be at least 1", "options");
            if (this.options.MaxBatchSize < 1) throw new ArgumentException("MaxBatchSize must be at least 1", "options");
            this.sink = sink;
            this.run = run.Clone();
            this.run.Status = RunInfo.StatusRunning;
            capacity = this.options.Capacity;
            double share = Math.Max(0.0, Math.Min(1.0, this.options.BarShare));
            barCapacity = Math.Max(1L, (long)(capacity * share));

            Enqueue(new Control(false, this.run.Clone()));
            worker = new Thread(Work);
            worker.IsBackground = true;
            worker.Name = "StrategyAnalysis export buffer";
            worker.Start();
        }

        /// <summary>The run this buffer exports (a copy).</summary>
        public RunInfo Run { get { return run.Clone(); } }

        /// <summary>Records waiting for the worker.</summary>
        public long Pending { get { return Interlocked.Read(ref queued); } }
        /// <summary>Records Add took.</summary>
        public long Accepted { get { return Interlocked.Read(ref accepted); } }
        /// <summary>Records the sink stored.</summary>
        public long Exported { get { return Interlocked.Read(ref exported); } }
        /// <summary>Records of batches the sink failed to store.</summary>
        public long Failed { get { return Interlocked.Read(ref failed); } }
        public long DroppedBars { get { return Interlocked.Read(ref droppedBars); } }
        public long DroppedOrders { get { return Interlocked.Read(ref droppedOrders); } }
        public long DroppedExecutions { get { return Interlocked.Read(ref droppedExecutions); } }
        public long DroppedInstruments { get { return Interlocked.Read(ref droppedInstruments); } }
        /// <summary>Records refused by Add because Complete had begun.</summary>
        public long DroppedAfterClose { get { return Interlocked.Read(ref droppedAfterClose); } }
        /// <summary>Records refused by Add: the buffer was full, or closed.</summary>
        public long Dropped
        {
            get { return DroppedBars + DroppedOrders + DroppedExecutions + DroppedInstruments; }
        }
        /// <summary>Records still held when Complete gave up waiting.</summary>
        public long LostAtShutdown { get { return Interlocked.Read(ref lostAtShutdown); } }

        public bool Add(ExportBar bar) { return Offer(bar, barCapacity, ref droppedBars); }
        public bool Add(ExportOrder order) { return Offer(order, capacity, ref droppedOrders); }
        public bool Add(ExportExecution execution) { return Offer(execution, capacity, ref droppedExecutions); }
        public bool Add(ExportInstrument instrument) { return Offer(instrument, capacity, ref droppedInstruments); }

        /// <summary>Ends the run as COMPLETED with the strategy's own figures (see Complete(RunInfo)).</summary>
        public bool Complete(double? reportedNetPnl, int? reportedTradeCount)
        {
            RunInfo final = run.Clone();
            final.Status = RunInfo.StatusCompleted;
            final.ReportedNetPnl = reportedNetPnl;
            final.ReportedTradeCount = reportedTradeCount;
            return Complete(final);
        }

        /// <summary>
        /// Stops taking records, hands on everything held, closes the run in the sink and
        /// disposes it. Blocks at most ShutdownTimeout + CancelGrace. True when every record
        /// Add took was stored; otherwise the log says what was lost. Only the first call counts.
        /// </summary>
        public bool Complete(RunInfo finalRun)
        {
            if (finalRun == null) throw new ArgumentNullException("finalRun");
            lock (closeLock)
            {
                if (closeRequested) return closeResult;
                closeRequested = true;
                RunInfo final = finalRun.Clone();
                final.RunId = run.RunId;
                if (string.IsNullOrEmpty(final.Status) || final.Status == RunInfo.StatusRunning)
                    final.Status = RunInfo.StatusCompleted;

                closing = true;
                Enqueue(new Control(true, final));
                bool finished = worker.Join(options.ShutdownTimeout);
                if (!finished)
                {
                    Log("InMemoryExportBuffer: " + Pending.ToString(CultureInfo.InvariantCulture)
                        + " records still pending after " + Seconds(options.ShutdownTimeout)
                        + "; telling the sink to stop waiting.");
                    shutdown.Cancel();
                    finished = worker.Join(options.CancelGrace);
                }
                // The wake event is not disposed: a racing Add may still signal it.
                if (finished) DisposeSink();
                else
                {
                    // The worker is stuck in the sink; it is a background thread and ends with the process.
                    Interlocked.Exchange(ref lostAtShutdown, Pending);
                    Log("InMemoryExportBuffer: gave up waiting for the sink; " + LostAtShutdown.ToString(CultureInfo.InvariantCulture)
                        + " records were not exported.");
                }
                ReportDrops();
                Log(Summary());
                closeResult = finished && sinkCompleted && Dropped == 0 && Failed == 0 && LostAtShutdown == 0;
                return closeResult;
            }
        }

        /// <summary>Complete without a Complete call before: the run is closed as FAILED.</summary>
        public void Dispose()
        {
            bool done;
            lock (closeLock) { done = closeRequested; }
            if (done) return;
            Log("InMemoryExportBuffer: disposed without Complete; closing run " + run.RunId + " as FAILED.");
            RunInfo final = run.Clone();
            final.Status = RunInfo.StatusFailed;
            Complete(final);
        }

        /// <summary>One line with every counter.</summary>
        public string Summary()
        {
            return string.Format(CultureInfo.InvariantCulture,
                "InMemoryExportBuffer: run {0}: {1} records taken, {2} exported, {3} failed in the sink, {4} dropped "
                + "(buffer full or closed: bars {5}, orders {6}, executions {7}, instruments {8}), {9} lost at shutdown, {10} pending.",
                run.RunId, Accepted, Exported, Failed, Dropped, DroppedBars, DroppedOrders, DroppedExecutions,
                DroppedInstruments, LostAtShutdown, Pending);
        }

        private bool Offer(object record, long limit, ref long dropped)
        {
            if (record == null) return false;
            if (closing)
            {
                Interlocked.Increment(ref dropped);
                Interlocked.Increment(ref droppedAfterClose);
                return false;
            }
            long n = Interlocked.Increment(ref queued);
            if (n > limit)
            {
                Interlocked.Decrement(ref queued);
                Interlocked.Increment(ref dropped);
                return false;
            }
            queue.Enqueue(record);
            Interlocked.Increment(ref accepted);
            if (n >= options.MaxBatchSize && Interlocked.CompareExchange(ref sizeSignalled, 1, 0) == 0) wake.Set();
            return true;
        }

        private void Enqueue(Control control)
        {
            Interlocked.Increment(ref controlsPending);
            queue.Enqueue(control);
            wake.Set();
        }

        private void Work()
        {
            try
            {
                Stopwatch clock = Stopwatch.StartNew();
                TimeSpan nextFlush = options.FlushInterval;
                while (true)
                {
                    bool due = closing || clock.Elapsed >= nextFlush || Thread.VolatileRead(ref controlsPending) > 0;
                    if (due || Interlocked.Read(ref queued) >= options.MaxBatchSize)
                    {
                        Interlocked.Exchange(ref sizeSignalled, 0);
                        Drain(due);
                        if (due) nextFlush = clock.Elapsed + options.FlushInterval;
                        ReportDrops();
                        if (sinkCompleted) return;
                    }
                    TimeSpan wait = nextFlush - clock.Elapsed;
                    if (wait > TimeSpan.Zero) wake.WaitOne(wait);
                }
            }
            catch (Exception e)
            {
                // Never let an export problem take the trading platform down with it.
                Log("InMemoryExportBuffer: the export worker stopped: " + e);
            }
        }

        /// <summary>
        /// Hands queued records to the sink in batches. Not due: only full batches. Due (time,
        /// control item or closing): everything queued now.
        /// </summary>
        private void Drain(bool due)
        {
            ExportBatch batch = new ExportBatch();
            int taken = 0;
            while (true)
            {
                if (!due && taken == 0 && Interlocked.Read(ref queued) < options.MaxBatchSize) break;
                object item;
                if (!queue.TryDequeue(out item)) break;

                Control control = item as Control;
                if (control != null)
                {
                    Flush(batch, taken);
                    batch = new ExportBatch();
                    taken = 0;
                    Interlocked.Decrement(ref controlsPending);
                    Execute(control);
                    continue;
                }

                Interlocked.Decrement(ref queued);
                if (sinkCompleted)
                {
                    // Added in the instant between the closing check and Complete's marker.
                    Interlocked.Increment(ref droppedAfterClose);
                    CountDropped(item);
                    continue;
                }
                batch.AddRecord(item);
                taken++;
                if (taken >= options.MaxBatchSize)
                {
                    Flush(batch, taken);
                    batch = new ExportBatch();
                    taken = 0;
                }
            }
            Flush(batch, taken);
        }

        private void Flush(ExportBatch batch, int taken)
        {
            if (taken == 0) return;
            try
            {
                sink.Write(batch, shutdown.Token);
                Interlocked.Add(ref exported, taken);
            }
            catch (Exception e)
            {
                Interlocked.Add(ref failed, taken);
                Log("InMemoryExportBuffer: the sink failed to store " + taken.ToString(CultureInfo.InvariantCulture)
                    + " records: " + e.Message);
            }
        }

        private void Execute(Control control)
        {
            try
            {
                if (control.IsComplete) sink.Complete(control.Run, shutdown.Token);
                else sink.Begin(control.Run);
            }
            catch (Exception e)
            {
                Log("InMemoryExportBuffer: the sink failed to " + (control.IsComplete ? "complete" : "begin")
                    + " run " + control.Run.RunId + ": " + e.Message);
            }
            finally
            {
                if (control.IsComplete) sinkCompleted = true;
            }
        }

        private void CountDropped(object item)
        {
            if (item is ExportBar) Interlocked.Increment(ref droppedBars);
            else if (item is ExportOrder) Interlocked.Increment(ref droppedOrders);
            else if (item is ExportExecution) Interlocked.Increment(ref droppedExecutions);
            else Interlocked.Increment(ref droppedInstruments);
        }

        private void ReportDrops()
        {
            long dropped = Dropped;
            long reported = Interlocked.Exchange(ref droppedReported, dropped);
            if (dropped == reported) return;
            Log(string.Format(CultureInfo.InvariantCulture,
                "InMemoryExportBuffer: dropped {0} records so far (buffer full at {1} records, or closed): bars {2}, orders {3}, executions {4}, instruments {5}.",
                dropped, capacity, DroppedBars, DroppedOrders, DroppedExecutions, DroppedInstruments));
        }

        private void DisposeSink()
        {
            try { sink.Dispose(); }
            catch (Exception e) { Log("InMemoryExportBuffer: disposing the sink failed: " + e.Message); }
        }

        private void Log(string message)
        {
            Action<string> log = options.Log;
            if (log == null) return;
            try { log(message); }
            catch (Exception) { /* a failing logger must not stop the export */ }
        }

        private static string Seconds(TimeSpan span)
        {
            return span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";
        }
    }
}
