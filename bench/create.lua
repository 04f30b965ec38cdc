-- wrk script: POST ConfigMaps with unique names.
local counter = 0
local thread_id = tostring(math.random(1, 1e9))
request = function()
  counter = counter + 1
  local body = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c-' .. thread_id .. '-' .. counter .. '"},"data":{"key":"value"}}'
  return wrk.format("POST", nil, nil, body)
end
