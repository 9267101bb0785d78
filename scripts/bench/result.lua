-- Shared by the wrk scripts: one line a bench script can read back.
-- RESULT <requests> <non-2xx/3xx responses> <requests per second> <p50 ms> <p99 ms>
function result_line(summary, latency)
  io.write(string.format("RESULT %d %d %.1f %.2f %.2f\n",
    summary.requests, summary.errors.status, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
