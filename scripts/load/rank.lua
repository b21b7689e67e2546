-- wrk script: POST /personalizer/v1.0/rank (keyart serve --personalizer-title)
-- as Personalizer's clients send it: context features as a list of objects,
-- eight actions with their own features inline, and a new eventId per
-- request. Counts answers per thread (201 is success) and prints
-- the totals at the end, as decide.lua does.
local common = dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "common.lua")
local devices = {"tv", "tv", "mobile", "web"}
local countries = {"US", "KR", "BR", "DE", "FR"}
local styles = {"closeup", "group", "dark", "bright"}

function init(args)
  math.randomseed(os.time() + id * 7919)
  ok, errors, decisions, sent = 0, 0, 0, 0
  local actions = {}
  for i = 1, 8 do
    actions[i] = string.format(
      '{"id":"art-%d","features":[{"style":"%s","brightness":%.2f},{"cast":{"lead":%d}}]}',
      i, styles[(i - 1) % #styles + 1], i / 10, i % 3)
  end
  actions_json = "[" .. table.concat(actions, ",") .. "]"
end

rank_path = common.path("/personalizer/v1.0/rank")

function request()
  sent = sent + 1
  local unit = "viewer-" .. math.random(1, 200000)
  local body = string.format(
    '{"contextFeatures":[{"device":"%s","country":"%s","hour":%d},' ..
    '{"user":{"thriller":%.2f,"activity":1.0}}],"actions":%s,"eventId":"t%d-%d-%d"}',
    devices[math.random(#devices)], countries[math.random(#countries)], math.random(0, 23),
    math.random(), actions_json, id, os.time(), sent)
  return common.post(rank_path, unit, body)
end

function response(status, headers, body)
  if common.counted(status, 201) then decisions = decisions + 1 end
end

function done(summary, latency, requests)
  common.finish({"ok", "errors", "decisions"}, function(t)
    return string.format("keyart rank: %d answered 201, %d not 201\n", t.ok, t.errors)
  end, latency)
end
