-- Shared by the wrk scripts of scripts/load/ (loaded with dofile): thread
-- registration, the request path, and the totals each script writes at the
-- end (the summary lines, and KEYART_WRK_RESULT for scripts/load_http.sh:
-- "ok decisions rewards errors p50_us p99_us").
local common = {threads = {}}

function setup(thread)
  thread:set("id", #common.threads)
  table.insert(common.threads, thread)
end

-- The URL's path, else `default` (a load script may point wrk elsewhere).
function common.path(default)
  return (wrk.path ~= nil and wrk.path ~= "" and wrk.path ~= "/") and wrk.path or default
end

-- A POST of a JSON body for one viewer, who also goes in the X-Keyart-Unit
-- header (nginx routes by it: deploy/nginx/keyart.conf; a node ignores it).
function common.post(path, unit, body)
  return wrk.format("POST", path,
                    {["Content-Type"] = "application/json", ["X-Keyart-Unit"] = unit}, body)
end

-- Counts an answer in the thread's `ok` or `errors`; true when its status
-- is the expected one.
function common.counted(status, expected)
  if status ~= expected then
    errors = errors + 1
    return false
  end
  ok = ok + 1
  return true
end

-- Sums the named per-thread counters, prints `line` formatted with them
-- (a function of the totals) and the latencies, and writes the result file.
function common.finish(names, line, latency)
  local totals = {}
  for _, k in ipairs(names) do totals[k] = 0 end
  for _, t in ipairs(common.threads) do
    for _, k in ipairs(names) do totals[k] = totals[k] + t:get(k) end
  end
  io.write(line(totals))
  io.write(string.format("keyart: latency p50 %.0f us, p90 %.0f us, p99 %.0f us, max %.0f us\n",
                         latency:percentile(50), latency:percentile(90),
                         latency:percentile(99), latency.max))
  local f = io.open(os.getenv("KEYART_WRK_RESULT") or "/dev/null", "w")
  if f then
    f:write(string.format("%d %d %d %d %.0f %.0f\n", totals.ok, totals.decisions,
                          totals.rewards or 0, totals.errors, latency:percentile(50),
                          latency:percentile(99)))
    f:close()
  end
end

return common
