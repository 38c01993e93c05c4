-- wrk script for scripts/load.sh: every request is a ~1.5 KB JSON webhook
-- with a unique id (so dedupe never turns one into a no-op), like the
-- bodies of storage-notes.md §6. Usage: wrk -s load.lua URL -- PREFIX TOKEN
-- done() prints one RESULT line that load.sh parses.

local threads = {}
local nthreads = 0

function setup(thread)
  nthreads = nthreads + 1
  thread:set("threadno", nthreads)
  table.insert(threads, thread)
end

function init(args)
  prefix = args[1] or "run"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-Leadbridge-Token"] = args[2] or ""
  counter = 0
  ok = 0
  bad = 0
  -- Fill up to about 1,500 bytes.
  pad = string.rep("x", 1260)
end

function request()
  counter = counter + 1
  local id = prefix .. "-" .. threadno .. "-" .. counter
  local body = '{"id":"' .. id .. '","event":"form_submission","name":"Lead ' .. id ..
    '","email":"' .. id .. '@example.com","ref":"partner-1",' ..
    '"repository":{"full_name":"leadbridge/load","private":false},' ..
    '"sender":{"login":"wrk","type":"Bot"},"message":"' .. pad .. '"}'
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local n2xx, non2xx = 0, 0
  for _, t in ipairs(threads) do
    n2xx = n2xx + t:get("ok")
    non2xx = non2xx + t:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f ok=%d non2xx=%d sockerr=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    n2xx, non2xx, e.connect + e.read + e.write + e.timeout))
end
