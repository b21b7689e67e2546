-- wrk script: POST /v1/decide with varied viewers, devices, hours and user
-- features; with KEYART_REWARD_SHARE > 0 (mixed load) a share of the answers
-- is followed by a POST /v1/reward for that decision on the same connection.
-- Counts answers by status per thread and prints the totals at the end.
local common = dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "common.lua")
local reward_share = tonumber(os.getenv("KEYART_REWARD_SHARE") or "0")
local title = os.getenv("KEYART_TITLE") or "night"
local devices = {"tv", "tv", "mobile", "web"}
local countries = {"US", "KR", "BR", "DE", "FR"}
local actors = {"frl_004", "frl_030", "frl_042", "lisa", "frl_025"}

function init(args)
  math.randomseed(os.time() + id * 7919)
  ok, errors, decisions, rewards, pending_reward = 0, 0, 0, 0, nil
end

decide_path = common.path("/v1/decide")

local function decide_body()
  local unit = "viewer-" .. math.random(1, 200000)
  return unit, string.format(
    '{"unit_id":"%s","title_id":"%s","context":{"device":"%s","country":"%s","hour":%d},' ..
    '"user":{"actor_%s":%.2f,"genre_thriller":%.2f,"activity":1.0}}',
    unit, title, devices[math.random(#devices)], countries[math.random(#countries)],
    math.random(0, 23), actors[math.random(#actors)], math.random(), math.random())
end

function request()
  if pending_reward then
    local body = string.format('{"event_id":"%s","kind":"click","value":1}', pending_reward)
    pending_reward = nil
    return wrk.format("POST", "/v1/reward", {["Content-Type"] = "application/json"}, body)
  end
  local unit, body = decide_body()
  return common.post(decide_path, unit, body)
end

function response(status, headers, body)
  if not common.counted(status, 200) then return end
  local event = string.match(body, '"event_id":"(%x+)"')
  if event and string.find(body, '"variant_id"', 1, true) then
    decisions = decisions + 1
    if reward_share > 0 and math.random() < reward_share then pending_reward = event end
  else
    rewards = rewards + 1
  end
end

function done(summary, latency, requests)
  common.finish({"ok", "errors", "decisions", "rewards"}, function(t)
    return string.format("keyart: %d answered 200 (%d decisions, %d rewards), %d not 200\n",
                         t.ok, t.decisions, t.rewards, t.errors)
  end, latency)
end
