-- wrk: POST /token with the client_credentials grant; every request is issued a new
-- opaque access token. Client credentials travel in the form body (client_secret_post).
wrk.method = "POST"
wrk.path = "/token"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "grant_type=client_credentials&scope=read&client_id=bench&client_secret=bench-secret"

-- Same summary line as ../redeem.lua: requests, responses with status > 399, rate, p50/p99 ms.
function done(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.1f %.2f %.2f\n",
    summary.requests, summary.errors.status, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
