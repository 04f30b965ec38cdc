-- wrk script: each connection waits DELAY_MS between requests, so the whole
-- run offers a fixed rate (connections / DELAY_MS) instead of the peak.
local delay_ms = tonumber(os.getenv("DELAY_MS"))

delay = function()
  return delay_ms
end
