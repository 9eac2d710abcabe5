// Minimal test harness: named sections, checks that count failures, exit code = failures.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;

namespace StrategyAnalysis.Export.Tests
{
    internal static class T
    {
        private static int failures;
        private static int checks;
        private static readonly List<string> failed = new List<string>();
        private static string section = "";
        private static Stopwatch sectionClock = Stopwatch.StartNew();

        public static int Failures { get { return failures; } }
        public static int Checks { get { return checks; } }
        public static IList<string> Failed { get { return failed; } }

        public static void Section(string name, Action body)
        {
            section = name;
            Console.WriteLine();
            Console.WriteLine("== " + name);
            Stopwatch clock = Stopwatch.StartNew();
            sectionClock = clock;
            int before = failures;
            try
            {
                body();
            }
            catch (Exception e)
            {
                Fail("unexpected exception: " + e);
            }
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "   {0} ({1:0.0} s)",
                failures == before ? "passed" : (failures - before) + " FAILED", clock.Elapsed.TotalSeconds));
        }

        public static void Info(string message)
        {
            // The time into the section: where a slow section spends it.
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "   . [{0:0.00} s] ", sectionClock.Elapsed.TotalSeconds) + message);
        }

        public static bool Check(bool condition, string what)
        {
            checks++;
            if (condition)
            {
                Console.WriteLine("   ok   " + what);
                return true;
            }
            Fail(what);
            return false;
        }

        public static bool Equal<TValue>(TValue expected, TValue actual, string what)
        {
            bool same = EqualityComparer<TValue>.Default.Equals(expected, actual);
            return Check(same, what + (same ? "" : " (expected " + Show(expected) + ", got " + Show(actual) + ")"));
        }

        public static bool Near(double expected, double actual, double tolerance, string what)
        {
            bool near = Math.Abs(expected - actual) <= tolerance;
            return Check(near, what + (near ? "" : " (expected " + Show(expected) + ", got " + Show(actual) + ")"));
        }

        public static void Throws<TException>(Action action, string what) where TException : Exception
        {
            try
            {
                action();
                Check(false, what + " (nothing was thrown)");
            }
            catch (TException)
            {
                Check(true, what);
            }
            catch (Exception e)
            {
                Check(false, what + " (threw " + e.GetType().Name + ": " + e.Message + ")");
            }
        }

        public static void Fail(string what)
        {
            checks++;
            failures++;
            failed.Add(section + ": " + what);
            Console.WriteLine("   FAIL " + what);
        }

        public static string Show(object value)
        {
            if (value == null) return "null";
            if (value is double) return ((double)value).ToString("R", CultureInfo.InvariantCulture);
            if (value is DateTime) return ExportFormat.Timestamp((DateTime)value);
            IFormattable f = value as IFormattable;
            return f != null ? f.ToString(null, CultureInfo.InvariantCulture) : value.ToString();
        }
    }
}
