// Text forms of the export contract: timestamps and numbers, culture-independent.
using System;
using System.Globalization;

namespace StrategyAnalysis.Export
{
    public static class ExportFormat
    {
        /// <summary>The schema version this library writes.</summary>
        public const string SchemaVersion = "1.1";

        /// <summary>Version of this library, as written into the "exporter" metadata key.</summary>
        public const string LibraryVersion = "1.1";

        private const string TimestampPattern = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffff'Z'";

        /// <summary>
        /// A DateTime as UTC. Kind Utc: unchanged. Kind Local: converted with the machine's time
        /// zone. Kind Unspecified: taken as UTC (convert NinjaTrader's times before, see README).
        /// </summary>
        public static DateTime ToUtc(DateTime time)
        {
            switch (time.Kind)
            {
                case DateTimeKind.Utc:
                    return time;
                case DateTimeKind.Local:
                    return time.ToUniversalTime();
                default:
                    return DateTime.SpecifyKind(time, DateTimeKind.Utc);
            }
        }

        /// <summary>UTC round-trip text: 2025-11-03T14:30:00.1234567Z (7 fractional digits).</summary>
        public static string Timestamp(DateTime time)
        {
            return ToUtc(time).ToString(TimestampPattern, CultureInfo.InvariantCulture);
        }

        /// <summary>Shortest round-trip text of a finite double with a '.' decimal point; null for NaN and infinities.</summary>
        public static string Number(double value)
        {
            if (double.IsNaN(value) || double.IsInfinity(value)) return null;
            return value.ToString("R", CultureInfo.InvariantCulture);
        }

        public static string Number(double? value)
        {
            return value.HasValue ? Number(value.Value) : null;
        }

        /// <summary>The "exporter" metadata value: the strategy's own name/version, then this exporter's.</summary>
        internal static string ExporterName(RunInfo run, string exporterClass)
        {
            string own = exporterClass + "/" + LibraryVersion;
            if (run == null || string.IsNullOrEmpty(run.Exporter)) return own;
            return run.Exporter + " " + own;
        }
    }
}
