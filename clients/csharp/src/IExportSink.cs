// Where export records go: a file (SqliteExporter), the platform's stream endpoint
// (HttpExporter), or anything else that implements this.
using System;
using System.Threading;

namespace StrategyAnalysis.Export
{
    /// <summary>
    /// A destination for the records of one run. Calls come from one thread at a time, in
    /// this order: Begin once, Write any number of times, Complete once, then Dispose.
    /// InMemoryExportBuffer drives a sink from its background worker.
    /// </summary>
    public interface IExportSink : IDisposable
    {
        /// <summary>The run starts (status RUNNING). The sink keeps its own copy of the run.</summary>
        void Begin(RunInfo run);

        /// <summary>
        /// Stores one batch, or throws. A cancelled token means "shutting down, stop waiting":
        /// a sink that waits on a network gives up and takes its fallback path at once.
        /// </summary>
        void Write(ExportBatch batch, CancellationToken cancel);

        /// <summary>The run ends: status COMPLETED or FAILED, the reported PnL and trade count.</summary>
        void Complete(RunInfo run, CancellationToken cancel);
    }

    /// <summary>A batch could not be stored anywhere.</summary>
    [Serializable]
    public class ExportException : Exception
    {
        public ExportException(string message) : base(message) { }
        public ExportException(string message, Exception inner) : base(message, inner) { }
        protected ExportException(System.Runtime.Serialization.SerializationInfo info,
            System.Runtime.Serialization.StreamingContext context) : base(info, context) { }
    }
}
