-- wrk: the `whoami` tool on /mcp with the Bearer token in TOKEN (a stateless JSON-RPC call).
dofile(os.getenv("BENCH_DIR") .. "/result.lua")

wrk.method = "POST"
wrk.path = "/mcp"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2025-06-18"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{}}}'

function done(summary, latency, requests)
  result_line(summary, latency)
end
