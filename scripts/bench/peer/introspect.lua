-- wrk: POST /token/introspection for the access token in env TOKEN (get one with token.sh
-- just before the run). Client credentials travel in the form body (client_secret_post).
local token = os.getenv("TOKEN") or error("set TOKEN to an access token")

wrk.method = "POST"
wrk.path = "/token/introspection"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "token=" .. token .. "&client_id=bench&client_secret=bench-secret"

-- Same summary line as ../redeem.lua: requests, responses with status > 399, rate, p50/p99 ms.
function done(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.1f %.2f %.2f\n",
    summary.requests, summary.errors.status, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
