-- Requests from a file written by bench/people.py, one a line:
--   METHOD <TAB> PATH <TAB> HEADER|HEADER... <TAB> BODY
-- Each thread starts at its own place in the file and takes the next line for every request,
-- so that every request is another person (their session cookie), week, town or shift.
-- The file is named by the environment variable BENCH_REQUESTS.
local lines = {}
for text in io.lines(os.getenv("BENCH_REQUESTS")) do
  if text ~= "" then
    local method, path, headers, body = text:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t?(.*)$")
    local parsed = {}
    for header in headers:gmatch("[^|]+") do
      local name, value = header:match("^([^:]+):%s*(.*)$")
      parsed[name] = value
    end
    lines[#lines + 1] = {method = method, path = path, headers = parsed, body = body ~= "" and body or nil}
  end
end

local counter = 0
local threads = {}
setup = function(thread)
  thread:set("offset", #threads * math.floor(#lines / 4))
  threads[#threads + 1] = thread
end

request = function()
  counter = counter + 1
  local entry = lines[((offset or 0) + counter - 1) % #lines + 1]
  return wrk.format(entry.method, entry.path, entry.headers, entry.body)
end

-- Which statuses came back, so that a 302 to the sign-in page or a 403 shows in the report.
statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(total) do parts[#parts + 1] = status .. "=" .. count end
  table.sort(parts)
  io.write("statuses: " .. table.concat(parts, " ") .. "\n")
  io.write(string.format("socket errors: connect %d, read %d, write %d, timeout %d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
