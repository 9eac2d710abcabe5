// Writes a schema-1.1 export file (export-format.md section 1) through the System.Data
// interfaces, so one code path serves System.Data.SQLite (NinjaTrader) and Mono.Data.Sqlite.
using System;
using System.Collections.Generic;
using System.Data;
using System.Globalization;
using System.Threading;

namespace StrategyAnalysis.Export
{
    /// <summary>
    /// Writes one run into one SQLite file: Metadata (every key of schema 1.1), Instruments,
    /// Bars, Orders and Executions, one transaction per batch. A record written again under the
    /// same key is updated in place, so executions keep their first position (rowid order is
    /// their true order). The file can be uploaded to the platform, imported with
    /// <c>python cli.py import --file</c>, or dropped into a watched folder.
    /// </summary>
    /// <remarks>
    /// Usable alone (Begin, Write..., Complete) or as the HttpExporter's fallback. Writing to
    /// a file that already holds another run is refused: one file, one run.
    /// Thread-safe; normally driven from one thread.
    /// </remarks>
    public sealed class SqliteExporter : IExportSink
    {
        public const string ExporterClass = "SqliteExporter";

        private static readonly string[] Schema =
        {
            "CREATE TABLE IF NOT EXISTS Metadata (key TEXT, value TEXT)",
            "CREATE UNIQUE INDEX IF NOT EXISTS ux_metadata_key ON Metadata(key)",
            "CREATE TABLE IF NOT EXISTS Instruments (symbol TEXT, point_value REAL, tick_size REAL, currency TEXT)",
            "CREATE UNIQUE INDEX IF NOT EXISTS ux_instruments_symbol ON Instruments(symbol)",
            "CREATE TABLE IF NOT EXISTS Bars (symbol TEXT, timeframe TEXT, start_time_utc TEXT, end_time_utc TEXT, "
                + "open REAL, high REAL, low REAL, close REAL, volume REAL, open_interest REAL)",
            "CREATE UNIQUE INDEX IF NOT EXISTS ux_bars_key ON Bars(symbol, timeframe, start_time_utc)",
            "CREATE TABLE IF NOT EXISTS Orders (order_id TEXT, parent_order_id TEXT, strategy_id TEXT, strategy_version TEXT, "
                + "account_id TEXT, symbol TEXT, side TEXT, order_type TEXT, time_in_force TEXT, submit_time_utc TEXT, "
                + "price REAL, stop_price REAL, quantity REAL, status TEXT, reject_reason TEXT, cancel_reason TEXT, "
                + "client_tag TEXT, meta_json TEXT)",
            "CREATE UNIQUE INDEX IF NOT EXISTS ux_orders_order_id ON Orders(order_id)",
            "CREATE TABLE IF NOT EXISTS Executions (execution_id TEXT, order_id TEXT, strategy_id TEXT, account_id TEXT, "
                + "symbol TEXT, side TEXT, exec_time_utc TEXT, price REAL, quantity REAL, fee REAL, fee_currency TEXT, "
                + "liquidity_flag TEXT)",
            "CREATE UNIQUE INDEX IF NOT EXISTS ux_executions_execution_id ON Executions(execution_id)",
        };

        private static readonly string[] InstrumentColumns = { "symbol", "point_value", "tick_size", "currency" };
        private static readonly string[] BarColumns =
        {
            "symbol", "timeframe", "start_time_utc", "end_time_utc", "open", "high", "low", "close", "volume", "open_interest",
        };
        private static readonly string[] OrderColumns =
        {
            "order_id", "parent_order_id", "strategy_id", "strategy_version", "account_id", "symbol", "side",
            "order_type", "time_in_force", "submit_time_utc", "price", "stop_price", "quantity", "status",
            "reject_reason", "cancel_reason", "client_tag", "meta_json",
        };
        private static readonly string[] ExecutionColumns =
        {
            "execution_id", "order_id", "strategy_id", "account_id", "symbol", "side", "exec_time_utc", "price",
            "quantity", "fee", "fee_currency", "liquidity_flag",
        };

        private readonly Func<IDbConnection> connectionFactory;
        private readonly string description;
        private readonly object sync = new object();
        private IDbConnection connection;
        private RunInfo run;
        private bool completed;
        private long recordsWritten;

        /// <param name="connectionFactory">
        /// Makes a new, unopened connection to the file, for example
        /// <c>() =&gt; new System.Data.SQLite.SQLiteConnection("Data Source=" + path + ";Version=3;")</c>.
        /// </param>
        /// <param name="description">How log messages name the file (usually its path).</param>
        public SqliteExporter(Func<IDbConnection> connectionFactory, string description)
        {
            if (connectionFactory == null) throw new ArgumentNullException("connectionFactory");
            this.connectionFactory = connectionFactory;
            this.description = description ?? "SQLite export";
        }

        /// <summary>How log messages name the file (usually its path).</summary>
        public string Description { get { return description; } }

        /// <summary>Records stored so far (each batch's distinct records).</summary>
        public long RecordsWritten { get { return Interlocked.Read(ref recordsWritten); } }

        /// <summary>True once Begin created or opened the file.</summary>
        public bool IsStarted { get { lock (sync) { return run != null; } } }

        /// <summary>Creates the tables if needed and writes every Metadata key.</summary>
        public void Begin(RunInfo run)
        {
            if (run == null) throw new ArgumentNullException("run");
            if (string.IsNullOrEmpty(run.RunId)) throw new ArgumentException("RunInfo.RunId is required", "run");
            lock (sync)
            {
                if (this.run != null) throw new InvalidOperationException(description + ": Begin was already called");
                IDbConnection c = connectionFactory();
                try
                {
                    if (c.State != ConnectionState.Open) c.Open();
                    using (IDbTransaction tx = c.BeginTransaction())
                    {
                        foreach (string ddl in Schema) Execute(c, tx, ddl);
                        string existing = ReadMetadata(c, tx, "run_id");
                        if (existing != null && existing != run.RunId)
                        {
                            throw new InvalidOperationException(description + " already holds run " + existing
                                + "; write run " + run.RunId + " to another file");
                        }
                        WriteMetadata(c, tx, run);
                        tx.Commit();
                    }
                }
                catch
                {
                    c.Dispose();
                    throw;
                }
                connection = c;
                this.run = run.Clone();
            }
        }

        public void Write(ExportBatch batch)
        {
            Write(batch, CancellationToken.None);
        }

        /// <summary>Stores the batch in one transaction (all of it or nothing). The token is not used: local writes are quick.</summary>
        public void Write(ExportBatch batch, CancellationToken cancel)
        {
            if (batch == null) throw new ArgumentNullException("batch");
            lock (sync)
            {
                EnsureOpen();
                if (batch.Count == 0) return;
                using (IDbTransaction tx = connection.BeginTransaction())
                {
                    Upsert(tx, "Instruments", InstrumentColumns, 1, batch.Instruments, InstrumentValues);
                    Upsert(tx, "Bars", BarColumns, 3, batch.Bars, BarValues);
                    Upsert(tx, "Orders", OrderColumns, 1, batch.Orders, OrderValues);
                    Upsert(tx, "Executions", ExecutionColumns, 1, batch.Executions, ExecutionValues);
                    tx.Commit();
                }
                Interlocked.Add(ref recordsWritten, batch.Count);
            }
        }

        public void Complete(RunInfo run)
        {
            Complete(run, CancellationToken.None);
        }

        /// <summary>Writes the final Metadata (reported PnL and trade count, created_utc) and closes the file.</summary>
        public void Complete(RunInfo run, CancellationToken cancel)
        {
            lock (sync)
            {
                EnsureOpen();
                RunInfo final = run == null ? this.run : run.Clone();
                if (final.RunId != this.run.RunId)
                    throw new InvalidOperationException(description + ": Complete names run " + final.RunId + ", Begin named " + this.run.RunId);
                using (IDbTransaction tx = connection.BeginTransaction())
                {
                    WriteMetadata(connection, tx, final);
                    tx.Commit();
                }
                this.run = final;
                completed = true;
                CloseConnection();
            }
        }

        public void Dispose()
        {
            lock (sync)
            {
                CloseConnection();
            }
        }

        private void EnsureOpen()
        {
            if (run == null) throw new InvalidOperationException(description + ": call Begin first");
            if (completed) throw new InvalidOperationException(description + ": the run is already complete");
            if (connection == null) throw new ObjectDisposedException(description);
        }

        private void CloseConnection()
        {
            if (connection == null) return;
            try { connection.Close(); }
            finally
            {
                connection.Dispose();
                connection = null;
            }
        }

        private static void WriteMetadata(IDbConnection c, IDbTransaction tx, RunInfo run)
        {
            // Every key of schema 1.1; a value not known (yet) is NULL.
            KeyValuePair<string, string>[] rows =
            {
                Pair("schema_version", ExportFormat.SchemaVersion),
                Pair("run_id", run.RunId),
                Pair("strategy_id", run.StrategyId),
                Pair("strategy_name", run.StrategyName),
                Pair("strategy_version", run.StrategyVersion),
                Pair("parameters", JsonWriter.Serialize(run.Parameters ?? new Dictionary<string, object>())),
                Pair("mode", run.Mode),
                Pair("account_id", run.AccountId),
                Pair("exporter", ExportFormat.ExporterName(run, ExporterClass)),
                Pair("created_utc", ExportFormat.Timestamp(DateTime.UtcNow)),
                Pair("reported_net_pnl", ExportFormat.Number(run.ReportedNetPnl)),
                Pair("reported_trade_count", run.ReportedTradeCount.HasValue
                    ? run.ReportedTradeCount.Value.ToString(CultureInfo.InvariantCulture) : null),
            };
            using (IDbCommand update = Command(c, tx, "UPDATE Metadata SET value = @value WHERE key = @key", "@value", "@key"))
            using (IDbCommand insert = Command(c, tx, "INSERT INTO Metadata (key, value) VALUES (@key, @value)", "@key", "@value"))
            {
                foreach (KeyValuePair<string, string> row in rows)
                {
                    Set(update, "@key", row.Key);
                    Set(update, "@value", row.Value);
                    if (update.ExecuteNonQuery() > 0) continue;
                    Set(insert, "@key", row.Key);
                    Set(insert, "@value", row.Value);
                    insert.ExecuteNonQuery();
                }
            }
        }

        private static string ReadMetadata(IDbConnection c, IDbTransaction tx, string key)
        {
            using (IDbCommand select = Command(c, tx, "SELECT value FROM Metadata WHERE key = @key", "@key"))
            {
                Set(select, "@key", key);
                object value = select.ExecuteScalar();
                return value == null || value is DBNull ? null : Convert.ToString(value, CultureInfo.InvariantCulture);
            }
        }

        private static KeyValuePair<string, string> Pair(string key, string value)
        {
            return new KeyValuePair<string, string>(key, value);
        }

        /// <summary>
        /// UPDATE by key, INSERT when nothing matched: portable to every SQLite version and
        /// keeps the rowid (the position) of a record that is written again.
        /// </summary>
        private void Upsert<T>(IDbTransaction tx, string table, string[] columns, int keyCount,
            IList<T> records, Func<T, object[]> values)
        {
            if (records.Count == 0) return;
            string[] names = new string[columns.Length];
            for (int i = 0; i < columns.Length; i++) names[i] = "@p" + i.ToString(CultureInfo.InvariantCulture);

            List<string> assignments = new List<string>();
            for (int i = keyCount; i < columns.Length; i++) assignments.Add(columns[i] + " = " + names[i]);
            List<string> keys = new List<string>();
            for (int i = 0; i < keyCount; i++) keys.Add(columns[i] + " = " + names[i]);
            string updateSql = "UPDATE " + table + " SET " + string.Join(", ", assignments.ToArray())
                + " WHERE " + string.Join(" AND ", keys.ToArray());
            string insertSql = "INSERT INTO " + table + " (" + string.Join(", ", columns) + ") VALUES ("
                + string.Join(", ", names) + ")";

            using (IDbCommand update = Command(connection, tx, updateSql, names))
            using (IDbCommand insert = Command(connection, tx, insertSql, names))
            {
                foreach (T record in records)
                {
                    object[] row = values(record);
                    for (int i = 0; i < names.Length; i++) Set(update, names[i], row[i]);
                    if (update.ExecuteNonQuery() > 0) continue;
                    for (int i = 0; i < names.Length; i++) Set(insert, names[i], row[i]);
                    insert.ExecuteNonQuery();
                }
            }
        }

        private static object[] InstrumentValues(ExportInstrument i)
        {
            return new object[] { i.Symbol, Real(i.PointValue), Real(i.TickSize), i.Currency };
        }

        private static object[] BarValues(ExportBar b)
        {
            return new object[]
            {
                b.Symbol, b.Timeframe, Time(b.StartTimeUtc), Time(b.EndTimeUtc), Real(b.Open), Real(b.High),
                Real(b.Low), Real(b.Close), Real(b.Volume), Real(b.OpenInterest),
            };
        }

        private static object[] OrderValues(ExportOrder o)
        {
            return new object[]
            {
                o.OrderId, o.ParentOrderId, o.StrategyId, o.StrategyVersion, o.AccountId, o.Symbol, o.Side,
                o.OrderType, o.TimeInForce, Time(o.SubmitTimeUtc), Real(o.Price), Real(o.StopPrice), Real(o.Quantity),
                o.Status, o.RejectReason, o.CancelReason, o.ClientTag, o.MetaJson,
            };
        }

        private static object[] ExecutionValues(ExportExecution e)
        {
            return new object[]
            {
                e.ExecutionId, e.OrderId, e.StrategyId, e.AccountId, e.Symbol, e.Side, Time(e.ExecTimeUtc),
                Real(e.Price), Real(e.Quantity), Real(e.Fee), e.FeeCurrency, e.LiquidityFlag,
            };
        }

        private static object Real(double value)
        {
            if (double.IsNaN(value) || double.IsInfinity(value)) return null;
            return value;
        }

        private static object Real(double? value)
        {
            return value.HasValue ? Real(value.Value) : null;
        }

        private static object Time(DateTime value)
        {
            return ExportFormat.Timestamp(value);
        }

        private static object Time(DateTime? value)
        {
            return value.HasValue ? ExportFormat.Timestamp(value.Value) : null;
        }

        private static void Execute(IDbConnection c, IDbTransaction tx, string sql)
        {
            using (IDbCommand command = Command(c, tx, sql))
            {
                command.ExecuteNonQuery();
            }
        }

        private static IDbCommand Command(IDbConnection c, IDbTransaction tx, string sql, params string[] parameters)
        {
            IDbCommand command = c.CreateCommand();
            command.Transaction = tx;
            command.CommandText = sql;
            foreach (string name in parameters)
            {
                IDbDataParameter p = command.CreateParameter();
                p.ParameterName = name;
                p.Value = DBNull.Value;
                command.Parameters.Add(p);
            }
            return command;
        }

        private static void Set(IDbCommand command, string name, object value)
        {
            ((IDataParameter)command.Parameters[name]).Value = value ?? DBNull.Value;
        }
    }
}
