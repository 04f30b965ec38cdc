-- wrk script: POST ConfigMaps with names unique across runs (RUN_ID comes from bench/run.ts).
local counter = 0
local run = os.getenv("RUN_ID") or tostring(os.time())
request = function()
  counter = counter + 1
  local body = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c-' .. run .. '-' .. counter .. '"},"data":{"key":"value"}}'
  return wrk.format("POST", nil, nil, body)
end
