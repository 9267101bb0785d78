-- wrk: RFC 7662 introspection of the access token in TOKEN, as the resource server
-- (CLIENT_ID / CLIENT_SECRET in the form body).
dofile(os.getenv("BENCH_DIR") .. "/result.lua")

wrk.method = "POST"
wrk.path = "/oauth2/introspect"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "token=" .. os.getenv("TOKEN") .. "&client_id=" .. os.getenv("CLIENT_ID")
  .. "&client_secret=" .. os.getenv("CLIENT_SECRET")

function done(summary, latency, requests)
  result_line(summary, latency)
end
