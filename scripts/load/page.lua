-- wrk script: POST /v1/decide/page, one viewer and context per request and
-- KEYART_PAGE titles (page-1 .. page-N) on the page, the viewer also in the
-- X-Keyart-Unit header. Counts answers by status per thread and writes the
-- totals (pages answered, decisions in them) like decide.lua does.
local common = dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "common.lua")
local page = tonumber(os.getenv("KEYART_PAGE") or "40")
local cap = os.getenv("KEYART_MAX_SAME_ACTOR")
if cap == "" then cap = nil end
local devices = {"tv", "tv", "mobile", "web"}
local path = common.path("/v1/decide/page")

function init(args)
  math.randomseed(os.time() + id * 7919)
  ok, errors, decisions = 0, 0, 0
  local tiles = {}
  for i = 1, page do
    tiles[#tiles + 1] = string.format('{"title_id":"page-%d","position":%d}', i, i - 1)
  end
  impressions = table.concat(tiles, ",")
end

function request()
  local unit = "viewer-" .. math.random(1, 200000)
  local body = string.format(
    '{"unit_id":"%s","context":{"device":"%s","hour":%d},"user":{"actor_frl_004":%.2f,"genre_drama":%.2f},%s"impressions":[%s]}',
    unit, devices[math.random(#devices)], math.random(0, 23), math.random(), math.random(),
    cap and string.format('"max_same_actor":%s,', cap) or "", impressions)
  return common.post(path, unit, body)
end

function response(status, headers, body)
  if not common.counted(status, 200) then return end
  local _, n = string.gsub(body, '"event_id"', "")
  decisions = decisions + n
end

function done(summary, latency, requests)
  common.finish({"ok", "errors", "decisions"}, function(t)
    return string.format("keyart: %d pages answered 200 (%d decisions), %d not 200\n",
                         t.ok, t.decisions, t.errors)
  end, latency)
end
