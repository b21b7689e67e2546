-- wrk script: GET /livez, the server's cheapest answer (no decision, no
-- ledger row, no learning), for scripts/load_http.sh --floor: what the HTTP
-- stack alone costs against nginx answering the same bytes.
local common = dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "common.lua")

function init(args)
  ok, errors, decisions = 0, 0, 0
end

function request()
  return wrk.format("GET", "/livez")
end

function response(status, headers, body)
  common.counted(status, 200)
end

function done(summary, latency, requests)
  common.finish({"ok", "errors", "decisions"}, function(t)
    return string.format("keyart: %d answered 200, %d not 200\n", t.ok, t.errors)
  end, latency)
end
