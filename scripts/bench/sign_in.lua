-- wrk: wrong-password sign-ins for EMAIL, posted as the portal's sign-in form would be. Besides
-- the usual RESULT line it prints how the server answered: a refusal of the password (400), a
-- request turned away because sign-ins are queued full (429 or 503), or anything else.
dofile(os.getenv("BENCH_DIR") .. "/result.lua")

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  refused, shed, other = 0, 0, 0
  wrk.method = "POST"
  wrk.path = "/api/sign_in"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Origin"] = os.getenv("ORIGIN")
  wrk.headers["Sec-Fetch-Site"] = "same-origin"
  wrk.body = "email=" .. os.getenv("EMAIL") .. "&password=not-the-password-at-all"
end

function response(status, headers, body)
  if status == 400 then
    refused = refused + 1
  elseif status == 429 or status == 503 then
    shed = shed + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  result_line(summary, latency)
  local r, s, o = 0, 0, 0
  for _, thread in ipairs(threads) do
    r = r + thread:get("refused")
    s = s + thread:get("shed")
    o = o + thread:get("other")
  end
  io.write(string.format("STATUSES %d %d %d\n", r, s, o))
end
