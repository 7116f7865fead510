-- wrk script for the HTTP comparison: POSTs the request body in the file
-- named by BODY with a bearer key (BENCH_KEY), the same for every server.
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_KEY") or "bench-key-0123456789abcdef")
