-- Public tip intake for wrk: every request a new tip, from a new address (the server trusts one
-- proxy's X-Forwarded-For in the bench), with its own idempotency key, as phones send them.
math.randomseed(os.time() * 1000 + math.floor(os.clock() * 1e6))
local sent = 0
local places = {"国道口", "农贸市场后门", "中心小学门口", "客运站广场", "河口村东头"}

request = function()
  sent = sent + 1
  local key = string.format("%08x-%04x-4%03x-a%03x-%06x%06x",
    math.random(0, 0x7fffffff), math.random(0, 0xffff), math.random(0, 0xfff),
    math.random(0, 0xfff), math.random(0, 0xffffff), math.random(0, 0xffffff))
  local address = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  local body = string.format(
    '{"category":"traffic","text":"路口红绿灯坏了，晚上车很多很危险（第%d条）","place":"%s"}',
    sent, places[(sent % #places) + 1])
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = key,
    ["X-Forwarded-For"] = address,
  }, body)
end
