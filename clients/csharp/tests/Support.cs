// Test helpers: SQLite connections through Mono.Data.Sqlite, sinks that record or stall,
// feeding a run into a buffer, and trade comparison.
using System;
using System.Collections.Generic;
using System.Data;
using System.Globalization;
using System.Threading;
using Mono.Data.Sqlite;

namespace StrategyAnalysis.Export.Tests
{
    internal static class Sqlite
    {
        /// <summary>The provider factory the library is given; in NinjaTrader it makes System.Data.SQLite connections.</summary>
        public static Func<IDbConnection> Factory(string path)
        {
            return delegate { return new SqliteConnection("Data Source=" + path + ";Version=3;"); };
        }

        public static List<object[]> Query(string path, string sql)
        {
            List<object[]> rows = new List<object[]>();
            using (SqliteConnection c = new SqliteConnection("Data Source=" + path + ";Version=3;"))
            {
                c.Open();
                using (SqliteCommand command = c.CreateCommand())
                {
                    command.CommandText = sql;
                    using (SqliteDataReader reader = command.ExecuteReader())
                    {
                        while (reader.Read())
                        {
                            object[] row = new object[reader.FieldCount];
                            reader.GetValues(row);
                            for (int i = 0; i < row.Length; i++) if (row[i] is DBNull) row[i] = null;
                            rows.Add(row);
                        }
                    }
                }
            }
            return rows;
        }

        public static object Scalar(string path, string sql)
        {
            List<object[]> rows = Query(path, sql);
            return rows.Count == 0 ? null : rows[0][0];
        }
    }

    /// <summary>Keeps what it is given; can block until released, or hang for good.</summary>
    internal sealed class RecordingSink : IExportSink
    {
        public readonly List<ExportBatch> Batches = new List<ExportBatch>();
        public readonly List<DateTime> BatchTimes = new List<DateTime>();
        public RunInfo Begun;
        public RunInfo Completed;
        public bool Disposed;
        public readonly ManualResetEvent Release = new ManualResetEvent(true);
        public bool IgnoreCancel;
        public int WriteThreadId;
        public volatile bool Entered;

        public void Begin(RunInfo run) { Begun = run.Clone(); }

        public void Write(ExportBatch batch, CancellationToken cancel)
        {
            WriteThreadId = Thread.CurrentThread.ManagedThreadId;
            Entered = true;
            if (IgnoreCancel) Release.WaitOne();
            else WaitHandle.WaitAny(new WaitHandle[] { Release, cancel.WaitHandle });
            lock (Batches)
            {
                Batches.Add(batch);
                BatchTimes.Add(DateTime.UtcNow);
            }
        }

        public void Complete(RunInfo run, CancellationToken cancel) { Completed = run.Clone(); }

        public void Dispose() { Disposed = true; }

        public int Records
        {
            get
            {
                lock (Batches)
                {
                    int n = 0;
                    foreach (ExportBatch b in Batches) n += b.Count;
                    return n;
                }
            }
        }

        public List<ExportExecution> Executions()
        {
            List<ExportExecution> all = new List<ExportExecution>();
            lock (Batches) foreach (ExportBatch b in Batches) all.AddRange(b.Executions);
            return all;
        }
    }

    internal static class Feed
    {
        /// <summary>Adds every record the way a strategy would; false when the buffer refused one.</summary>
        public static bool All(InMemoryExportBuffer buffer, IEnumerable<object> events)
        {
            bool all = true;
            foreach (object e in events)
            {
                bool ok;
                if (e is ExportBar) ok = buffer.Add((ExportBar)e);
                else if (e is ExportOrder) ok = buffer.Add((ExportOrder)e);
                else if (e is ExportExecution) ok = buffer.Add((ExportExecution)e);
                else ok = buffer.Add((ExportInstrument)e);
                all &= ok;
            }
            return all;
        }

        public static RunInfo NewRun(string label)
        {
            RunInfo run = RunInfo.NewRun("StackedImbalance", "backtest");
            run.StrategyName = "StackedImbalanceStrategyDue";
            run.StrategyVersion = "2.3";
            run.AccountId = GeneratedRun.Account;
            run.Exporter = "StackedImbalanceStrategyDue/2.3";
            run.Parameters["ImbalanceRatio"] = 3.5;
            run.Parameters["StackedLevels"] = 3;
            run.Parameters["UseTrailingStop"] = true;
            run.Parameters["SessionTemplate"] = "CME US Index Futures ETH";
            run.Parameters["TestCase"] = label;
            return run;
        }
    }

    /// <summary>Trade lists as GET /api/trades answers them.</summary>
    internal static class TradeChecks
    {
        public static readonly string[] ComparedFields =
        {
            "strategy_id", "account_id", "symbol", "side", "status", "entry_time", "exit_time", "entry_price",
            "exit_price", "quantity", "pnl_gross", "commission", "pnl_net", "mae", "mfe", "mae_points",
            "mfe_points", "etd", "duration_seconds",
        };

        public static List<Dictionary<string, object>> Sorted(List<Dictionary<string, object>> trades)
        {
            List<Dictionary<string, object>> copy = new List<Dictionary<string, object>>(trades);
            copy.Sort(delegate(Dictionary<string, object> a, Dictionary<string, object> b)
            {
                int c = string.CompareOrdinal(Text(a, "symbol"), Text(b, "symbol"));
                if (c != 0) return c;
                return Time(a, "entry_time").CompareTo(Time(b, "entry_time"));
            });
            return copy;
        }

        public static string Text(Dictionary<string, object> t, string field)
        {
            object v;
            return t.TryGetValue(field, out v) && v != null ? Convert.ToString(v, CultureInfo.InvariantCulture) : null;
        }

        public static DateTime Time(Dictionary<string, object> t, string field)
        {
            string s = Text(t, field);
            if (s == null) return DateTime.MinValue;
            return DateTime.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        }

        public static double? Number(Dictionary<string, object> t, string field)
        {
            object v;
            if (!t.TryGetValue(field, out v) || v == null) return null;
            if (v is double) return (double)v;
            return double.Parse(Convert.ToString(v, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        }

        /// <summary>Same trades, field by field (ids aside: they derive from the run).</summary>
        public static void SameTrades(List<Dictionary<string, object>> expected, List<Dictionary<string, object>> actual, string label)
        {
            if (!T.Equal(expected.Count, actual.Count, label + ": same number of trades")) return;
            List<Dictionary<string, object>> a = Sorted(expected);
            List<Dictionary<string, object>> b = Sorted(actual);
            int differences = 0;
            for (int i = 0; i < a.Count; i++)
            {
                foreach (string field in ComparedFields)
                {
                    string why = Differs(a[i], b[i], field);
                    if (why == null) continue;
                    differences++;
                    if (differences <= 10)
                        T.Fail(label + ": trade " + i.ToString(CultureInfo.InvariantCulture) + " (" + Text(a[i], "symbol") + " "
                            + Text(a[i], "entry_time") + ") field " + field + ": " + why);
                }
            }
            T.Check(differences == 0, label + ": every trade field equal ("
                + differences.ToString(CultureInfo.InvariantCulture) + " differences in " + a.Count.ToString(CultureInfo.InvariantCulture) + " trades)");
        }

        private static string Differs(Dictionary<string, object> a, Dictionary<string, object> b, string field)
        {
            bool hasA = a.ContainsKey(field), hasB = b.ContainsKey(field);
            if (!hasA && !hasB) return null;
            if (hasA != hasB) return "present in only one";
            object va = a[field], vb = b[field];
            if (va == null && vb == null) return null;
            if (va == null || vb == null) return T.Show(va) + " vs " + T.Show(vb);
            if (va is double && vb is double)
            {
                double x = (double)va, y = (double)vb;
                return Math.Abs(x - y) <= 1e-6 * Math.Max(1.0, Math.Abs(x)) ? null : T.Show(x) + " vs " + T.Show(y);
            }
            if (field.EndsWith("_time", StringComparison.Ordinal))
                return Time(a, field) == Time(b, field) ? null : T.Show(va) + " vs " + T.Show(vb);
            return Equals(va, vb) ? null : T.Show(va) + " vs " + T.Show(vb);
        }

        /// <summary>The server's trades against the trades computed while the run was generated.</summary>
        public static void MatchGenerated(List<Dictionary<string, object>> server, GeneratedRun run, string label)
        {
            List<ExpectedTrade> expected = new List<ExpectedTrade>(run.Trades);
            expected.Sort(delegate(ExpectedTrade x, ExpectedTrade y)
            {
                int c = string.CompareOrdinal(x.Symbol, y.Symbol);
                return c != 0 ? c : x.EntryTime.CompareTo(y.EntryTime);
            });
            if (!T.Equal(expected.Count, server.Count, label + ": as many trades as the generated run closed")) return;
            List<Dictionary<string, object>> actual = Sorted(server);
            int bad = 0;
            double net = 0;
            for (int i = 0; i < expected.Count; i++)
            {
                ExpectedTrade e = expected[i];
                Dictionary<string, object> t = actual[i];
                List<string> why = new List<string>();
                if (Text(t, "symbol") != e.Symbol) why.Add("symbol " + Text(t, "symbol"));
                if (Text(t, "side") != e.Side) why.Add("side " + Text(t, "side") + " not " + e.Side);
                if (Text(t, "status") != "CLOSED") why.Add("status " + Text(t, "status"));
                if (Text(t, "account_id") != GeneratedRun.Account) why.Add("account " + Text(t, "account_id"));
                if (Math.Abs((Time(t, "entry_time") - e.EntryTime).TotalMilliseconds) > 0.001) why.Add("entry_time " + Text(t, "entry_time"));
                if (Math.Abs((Time(t, "exit_time") - e.ExitTime).TotalMilliseconds) > 0.001) why.Add("exit_time " + Text(t, "exit_time"));
                Compare(why, t, "quantity", e.Quantity);
                Compare(why, t, "entry_price", e.EntryPrice);
                Compare(why, t, "exit_price", e.ExitPrice);
                Compare(why, t, "pnl_gross", e.PnlGross);
                Compare(why, t, "commission", e.Commission);
                Compare(why, t, "pnl_net", e.PnlNet);
                double? pnl = Number(t, "pnl_net");
                net += pnl.HasValue ? pnl.Value : 0;
                if (why.Count == 0) continue;
                bad++;
                if (bad <= 10)
                    T.Fail(label + ": trade " + e.Symbol + " " + e.Side + " entered " + T.Show(e.EntryTime) + ": " + string.Join("; ", why.ToArray()));
            }
            T.Check(bad == 0, label + ": every trade matches the generated run (" + bad.ToString(CultureInfo.InvariantCulture) + " differ)");
            T.Near(run.NetPnl, net, 1e-6, label + ": net PnL of all trades");
        }

        private static void Compare(List<string> why, Dictionary<string, object> t, string field, double expected)
        {
            double? v = Number(t, field);
            if (!v.HasValue || Math.Abs(v.Value - expected) > 1e-6 * Math.Max(1.0, Math.Abs(expected)))
                why.Add(field + " " + T.Show(v) + " not " + T.Show(expected));
        }
    }
}
