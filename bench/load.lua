-- The wrk script of bench/load.py. Arguments (after `--`): a file of paths, one
-- a line (a path may be followed by a tab and an ETag to send in If-None-Match),
-- and the Authorization header to send. Each thread walks the paths
-- in turn from its own starting point, and counts the 304s and every other
-- answer that is not a 200 (wrk itself counts only 4xx and 5xx). At the end one
-- JSON line of figures is printed for bench/load.py to read.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  paths, etags = {}, {}
  for line in io.lines(args[1]) do
    local path, etag = line:match("^([^\t]+)\t?(.*)$")
    paths[#paths + 1] = path
    etags[#paths] = etag
  end
  headers = {Authorization = args[2]}
  -- Threads start apart, so that they do not ask the same question at once.
  position = (id * 7919) % #paths
  not_modified, not_ok, last_not_ok = 0, 0, 0
end

function request()
  position = position % #paths + 1
  headers["If-None-Match"] = etags[position] ~= "" and etags[position] or nil
  return wrk.format("GET", paths[position], headers)
end

function response(status)
  if status == 304 then
    not_modified = not_modified + 1
  elseif status ~= 200 then
    not_ok, last_not_ok = not_ok + 1, status
  end
end

function done(summary, latency)
  local errors, not_modified, not_ok, last_not_ok = summary.errors, 0, 0, 0
  for _, thread in ipairs(threads) do
    not_modified = not_modified + thread:get("not_modified")
    not_ok = not_ok + thread:get("not_ok")
    if thread:get("last_not_ok") ~= 0 then
      last_not_ok = thread:get("last_not_ok")
    end
  end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"timeout": %d, "not_modified": %d, "not_ok": %d, "last_not_ok": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, errors.connect, errors.read, errors.write,
    errors.timeout, not_modified, not_ok, last_not_ok, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), latency.max
  ))
end
