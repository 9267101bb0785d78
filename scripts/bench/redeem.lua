-- wrk: POST /oauth2/token with the agent-code grant, each request a fresh code from the file
-- named by CODES, the threads taking turns through it.
dofile(os.getenv("BENCH_DIR") .. "/result.lua")
local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  codes = {}
  for line in io.lines(os.getenv("CODES")) do
    codes[#codes + 1] = line
  end
  step = tonumber(os.getenv("THREADS") or "2")
  index = id
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  local code = codes[index] or "UNUSED"
  index = index + step
  return wrk.format(nil, "/oauth2/token",
    nil, "grant_type=urn%3Aagent-connect%3Agrant-type%3Aagent-auth-code&code=" .. code)
end

function done(summary, latency, requests)
  result_line(summary, latency)
end
