// An HTTP endpoint in front of the real server that misbehaves on purpose: answers 503
// (with or without Retry-After), answers 200 for a batch it did not store (a failed
// report, or no report at all), forwards a request and then holds the answer past the
// client's time-out, or never answers. Without a target it answers like a server that
// stores everything.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using System.Threading;

namespace StrategyAnalysis.Export.Tests
{
    internal enum ProxyAction
    {
        Forward, ForwardThenStall, Hang, Status503, Status422,
        /// <summary>503 with the proxy's RetryAfter header.</summary>
        Status503RetryAfter,
        /// <summary>200 with a report that says the batch failed (nothing stored).</summary>
        Status200Failed,
        /// <summary>200 with a body that is no report (a captive portal, a broken proxy).</summary>
        Status200NotJson,
    }

    internal sealed class SeenRequest
    {
        public int Number;
        public string Method;
        public string Path;
        public string ContentEncoding;
        public string ContentType;
        public string ApiKey;
        public byte[] Body;
        public ProxyAction Action;
        /// <summary>When the proxy got the request (UTC).</summary>
        public DateTime ReceivedUtc;
        /// <summary>Status and body the real server answered (when forwarded).</summary>
        public int UpstreamStatus;
        public string UpstreamAnswer;
        /// <summary>How long the real server took to answer (when forwarded).</summary>
        public double UpstreamMilliseconds;

        /// <summary>The body as text, gunzipped when it was compressed.</summary>
        public string Text()
        {
            byte[] data = Body;
            if (string.Equals(ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase))
            {
                using (MemoryStream input = new MemoryStream(Body))
                using (GZipStream gzip = new GZipStream(input, CompressionMode.Decompress))
                using (MemoryStream output = new MemoryStream())
                {
                    gzip.CopyTo(output);
                    data = output.ToArray();
                }
            }
            return Encoding.UTF8.GetString(data);
        }
    }

    internal sealed class FaultProxy : IDisposable
    {
        private readonly HttpListener listener = new HttpListener();
        private readonly HttpClient upstream = new HttpClient();
        private readonly string target;
        private readonly Func<int, ProxyAction> script;
        private readonly TimeSpan stall;
        private readonly ManualResetEvent stopped = new ManualResetEvent(false);
        private readonly Thread loop;
        private readonly List<SeenRequest> seen = new List<SeenRequest>();
        private int count;

        /// <param name="target">Base URL of the real server, or null to answer 200 itself.</param>
        /// <param name="script">The action for the n-th request (1-based).</param>
        public FaultProxy(string target, Func<int, ProxyAction> script, TimeSpan stall)
        {
            this.target = target == null ? null : target.TrimEnd('/');
            this.script = script;
            this.stall = stall;
            Port = FreePort();
            BaseUrl = "http://127.0.0.1:" + Port + "/";
            listener.Prefixes.Add(BaseUrl);
            listener.Start();
            upstream.Timeout = TimeSpan.FromSeconds(60);
            loop = new Thread(Accept);
            loop.IsBackground = true;
            loop.Start();
        }

        /// <summary>The Retry-After value of Status503RetryAfter (seconds or an HTTP date).</summary>
        public string RetryAfter { get; set; }

        public int Port { get; private set; }
        public string BaseUrl { get; private set; }

        public List<SeenRequest> Seen
        {
            get { lock (seen) { return new List<SeenRequest>(seen); } }
        }

        public int CountOf(ProxyAction action)
        {
            int n = 0;
            foreach (SeenRequest r in Seen) if (r.Action == action) n++;
            return n;
        }

        public static int FreePort()
        {
            TcpListener probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            return port;
        }

        public void Dispose()
        {
            stopped.Set();
            try { listener.Stop(); } catch (ObjectDisposedException) { }
            try { listener.Close(); } catch (ObjectDisposedException) { }
            upstream.Dispose();
        }

        private void Accept()
        {
            while (!stopped.WaitOne(0))
            {
                HttpListenerContext context;
                try { context = listener.GetContext(); }
                catch (HttpListenerException) { return; }
                catch (ObjectDisposedException) { return; }
                catch (InvalidOperationException) { return; }
                ThreadPool.QueueUserWorkItem(delegate { Handle(context); });
            }
        }

        private void Handle(HttpListenerContext context)
        {
            try
            {
                HttpListenerRequest request = context.Request;
                SeenRequest r = new SeenRequest();
                r.Number = Interlocked.Increment(ref count);
                r.ReceivedUtc = DateTime.UtcNow;
                r.Method = request.HttpMethod;
                r.Path = request.Url.PathAndQuery;
                r.ContentEncoding = request.Headers["Content-Encoding"];
                r.ContentType = request.ContentType;
                r.ApiKey = request.Headers["X-API-Key"];
                using (MemoryStream body = new MemoryStream())
                {
                    request.InputStream.CopyTo(body);
                    r.Body = body.ToArray();
                }
                r.Action = script(r.Number);
                lock (seen) seen.Add(r);

                switch (r.Action)
                {
                    case ProxyAction.Status503:
                        Answer(context, 503, "{\"detail\":\"service unavailable (test proxy)\"}");
                        return;
                    case ProxyAction.Status422:
                        Answer(context, 422, "{\"detail\":\"refused (test proxy)\"}");
                        return;
                    case ProxyAction.Status503RetryAfter:
                        context.Response.AddHeader("Retry-After", RetryAfter ?? "1");
                        Answer(context, 503, "{\"detail\":\"busy, retry later (test proxy)\"}");
                        return;
                    case ProxyAction.Status200Failed:
                        Answer(context, 200, "{\"status\":\"failed\",\"error\":\"OperationalError: database is locked (test proxy)\","
                            + "\"counts\":{\"executions\":{\"inserted\":0,\"rejected\":0}},\"rejected\":[]}");
                        return;
                    case ProxyAction.Status200NotJson:
                        Answer(context, 200, "<html><body>Sign in to the network (test proxy)</body></html>");
                        return;
                    case ProxyAction.Hang:
                        stopped.WaitOne();
                        return;
                }
                int status;
                string answer;
                if (target == null)
                {
                    status = 200;
                    answer = "{\"status\":\"succeeded\",\"counts\":{\"executions\":{\"inserted\":0,\"rejected\":0}},\"rejected\":[]}";
                }
                else
                {
                    Stopwatch clock = Stopwatch.StartNew();
                    Forward(r, out status, out answer);
                    r.UpstreamMilliseconds = clock.Elapsed.TotalMilliseconds;
                    r.UpstreamStatus = status;
                    r.UpstreamAnswer = answer;
                }
                if (r.Action == ProxyAction.ForwardThenStall)
                {
                    // The server has stored the batch; the client times out and sends it again.
                    if (stopped.WaitOne(stall)) return;
                }
                Answer(context, status, answer);
            }
            catch (Exception e)
            {
                // The client may have hung up (time-out): nothing to answer to.
                if (!(e is HttpListenerException || e is IOException || e is ObjectDisposedException))
                    Console.WriteLine("   . proxy: " + e.GetType().Name + ": " + e.Message);
            }
        }

        private void Forward(SeenRequest r, out int status, out string answer)
        {
            using (HttpRequestMessage message = new HttpRequestMessage(new HttpMethod(r.Method), target + r.Path))
            {
                if (r.Body.Length > 0 || r.Method == "POST")
                {
                    ByteArrayContent content = new ByteArrayContent(r.Body);
                    if (r.ContentType != null) content.Headers.TryAddWithoutValidation("Content-Type", r.ContentType);
                    if (r.ContentEncoding != null) content.Headers.TryAddWithoutValidation("Content-Encoding", r.ContentEncoding);
                    message.Content = content;
                }
                if (r.ApiKey != null) message.Headers.TryAddWithoutValidation("X-API-Key", r.ApiKey);
                using (HttpResponseMessage response = upstream.SendAsync(message).Result)
                {
                    status = (int)response.StatusCode;
                    answer = response.Content.ReadAsStringAsync().Result;
                }
            }
        }

        private static void Answer(HttpListenerContext context, int status, string body)
        {
            byte[] data = Encoding.UTF8.GetBytes(body);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = data.Length;
            context.Response.OutputStream.Write(data, 0, data.Length);
            context.Response.Close();
        }
    }
}
