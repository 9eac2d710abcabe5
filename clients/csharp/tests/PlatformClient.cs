// The few platform endpoints the tests read and the upload of an export file.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;

namespace StrategyAnalysis.Export.Tests
{
    internal sealed class PlatformClient : IDisposable
    {
        private readonly HttpClient client = new HttpClient();
        private readonly string baseUrl;
        private readonly string apiKey;

        public PlatformClient(string baseUrl, string apiKey)
        {
            this.baseUrl = baseUrl.TrimEnd('/');
            this.apiKey = apiKey;
            client.Timeout = TimeSpan.FromSeconds(60);
        }

        public void Dispose()
        {
            client.Dispose();
        }

        public object GetJson(string pathAndQuery, out int status)
        {
            using (HttpResponseMessage response = client.GetAsync(baseUrl + pathAndQuery).Result)
            {
                status = (int)response.StatusCode;
                string body = response.Content.ReadAsStringAsync().Result;
                try { return JsonReader.Parse(body); }
                catch (FormatException) { return body; }
            }
        }

        /// <summary>Every trade of a run, across pages.</summary>
        public List<Dictionary<string, object>> Trades(string runId)
        {
            List<Dictionary<string, object>> all = new List<Dictionary<string, object>>();
            const int limit = 100;
            for (int offset = 0; offset < 100000; offset += limit)
            {
                int status;
                object answer = GetJson("/api/trades?run_id=" + Uri.EscapeDataString(runId)
                    + "&limit=" + limit.ToString(CultureInfo.InvariantCulture)
                    + "&offset=" + offset.ToString(CultureInfo.InvariantCulture), out status);
                Dictionary<string, object> page = answer as Dictionary<string, object>;
                if (status != 200 || page == null || !(page.ContainsKey("items")))
                    throw new InvalidOperationException("GET /api/trades answered " + status.ToString(CultureInfo.InvariantCulture)
                        + ": " + JsonWriter.Serialize(answer));
                List<object> items = (List<object>)page["items"];
                foreach (object item in items) all.Add((Dictionary<string, object>)item);
                double total = page.ContainsKey("total") && page["total"] is double ? (double)page["total"] : -1;
                if (items.Count < limit || (total >= 0 && all.Count >= total)) break;
            }
            return all;
        }

        /// <summary>Posts an export file to /api/ingest/upload and waits for its job to end; the final job.</summary>
        public Dictionary<string, object> Upload(string path, TimeSpan wait)
        {
            string jobId;
            using (MultipartFormDataContent form = new MultipartFormDataContent())
            {
                ByteArrayContent file = new ByteArrayContent(File.ReadAllBytes(path));
                file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                form.Add(file, "file", Path.GetFileName(path));
                using (HttpRequestMessage request = new HttpRequestMessage(HttpMethod.Post, baseUrl + "/api/ingest/upload"))
                {
                    request.Content = form;
                    if (!string.IsNullOrEmpty(apiKey)) request.Headers.Add("X-API-Key", apiKey);
                    using (HttpResponseMessage response = client.SendAsync(request).Result)
                    {
                        string body = response.Content.ReadAsStringAsync().Result;
                        if ((int)response.StatusCode != 202 && (int)response.StatusCode != 200)
                            throw new InvalidOperationException("upload answered " + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture) + ": " + body);
                        Dictionary<string, object> job = (Dictionary<string, object>)JsonReader.Parse(body);
                        jobId = Convert.ToString(job["job_id"], CultureInfo.InvariantCulture);
                        // A job id that arrives as a number reads back as a double.
                        if (job["job_id"] is double) jobId = ((double)job["job_id"]).ToString("R", CultureInfo.InvariantCulture);
                    }
                }
            }
            DateTime deadline = DateTime.UtcNow + wait;
            while (true)
            {
                int status;
                object answer = GetJson("/api/ingest/jobs/" + Uri.EscapeDataString(jobId), out status);
                Dictionary<string, object> job = answer as Dictionary<string, object>;
                if (status != 200 || job == null)
                    throw new InvalidOperationException("GET /api/ingest/jobs/" + jobId + " answered " + status.ToString(CultureInfo.InvariantCulture));
                string state = Convert.ToString(job["status"], CultureInfo.InvariantCulture);
                if (state == "succeeded" || state == "failed") return job;
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException("job " + jobId + " still " + state + " after " + wait.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s");
                Thread.Sleep(50);
            }
        }
    }
}
