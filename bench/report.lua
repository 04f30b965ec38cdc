-- wrk script for a failed run's second look: runs the scenario's own script
-- (SCENARIO_SCRIPT, if any) and prints the first few answers that were not
-- 2xx, so a failed benchmark says what the server answered. Not used while
-- measuring: a response() hook makes wrk parse every body.
local scenario = os.getenv("SCENARIO_SCRIPT")
if scenario and scenario ~= "" then dofile(scenario) end

local inner = response
local shown = 0
response = function(status, headers, body)
  if status >= 300 and shown < 3 then
    shown = shown + 1
    io.stderr:write(string.format("HTTP %d %s\n", status, (body or ""):sub(1, 400)))
  end
  if inner then inner(status, headers, body) end
end
