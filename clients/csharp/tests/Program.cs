// Console test program of the C# export client. Exit code = number of failed checks.
//
//   mono StrategyAnalysis.Export.Tests.exe [--base-url http://127.0.0.1:8000] [--api-key KEY]
//                                          [--work-dir DIR] [--server-only]
//
// Without --base-url only the checks that need no server run; --server-only skips those.
// Everything runs under the German culture (decimal comma), on every thread.
using System;
using System.Globalization;
using System.IO;
using System.Threading;

namespace StrategyAnalysis.Export.Tests
{
    internal static class Program
    {
        private static int Main(string[] args)
        {
            string baseUrl = null, apiKey = Environment.GetEnvironmentVariable("API_KEY"), workDir = null;
            bool serverOnly = false;
            for (int i = 0; i < args.Length; i++)
            {
                string next = i + 1 < args.Length ? args[i + 1] : null;
                switch (args[i])
                {
                    case "--base-url": baseUrl = next; i++; break;
                    case "--api-key": apiKey = next; i++; break;
                    case "--work-dir": workDir = next; i++; break;
                    case "--server-only": serverOnly = true; break;
                    default:
                        Console.Error.WriteLine("unknown argument " + args[i]);
                        Console.Error.WriteLine("usage: StrategyAnalysis.Export.Tests.exe [--base-url URL] [--api-key KEY] [--work-dir DIR] [--server-only]");
                        return 2;
                }
            }
            if (workDir == null) workDir = Path.Combine(Path.GetTempPath(), "sa-export-tests-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(workDir);

            CultureInfo german = CultureInfo.GetCultureInfo("de-DE");
            CultureInfo.DefaultThreadCurrentCulture = german;
            CultureInfo.DefaultThreadCurrentUICulture = german;
            Thread.CurrentThread.CurrentCulture = german;
            Thread.CurrentThread.CurrentUICulture = german;

            Console.WriteLine("C# export client tests; culture " + CultureInfo.CurrentCulture.Name + ", work dir " + workDir
                + ", server " + (baseUrl ?? "(none: offline checks only)"));
            if (!serverOnly) OfflineChecks.Run(workDir);
            if (baseUrl != null) ServerChecks.Run(baseUrl, apiKey, workDir);

            Console.WriteLine();
            Console.WriteLine(T.Checks.ToString(CultureInfo.InvariantCulture) + " checks, " + T.Failures.ToString(CultureInfo.InvariantCulture) + " failed");
            foreach (string f in T.Failed) Console.WriteLine("  FAILED " + f);
            if (baseUrl == null) Console.WriteLine("(server checks not run: no --base-url)");
            return Math.Min(T.Failures, 125);
        }
    }
}
