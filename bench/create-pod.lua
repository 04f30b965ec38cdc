-- wrk script: POST Pods with names unique across runs (RUN_ID comes from bench/run.ts).
local counter = 0
local run = os.getenv("RUN_ID") or tostring(os.time())
request = function()
  counter = counter + 1
  local body = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p-' .. run .. '-' .. counter .. '"},"spec":{"containers":[{"name":"app","image":"nginx"}]}}'
  return wrk.format("POST", nil, nil, body)
end
