-- wrk script: POST ConfigMaps (or, with OBJECT=pod, Pods) with names unique across runs (RUN_ID comes from bench/run.ts).
local counter = 0
local run = os.getenv("RUN_ID") or tostring(os.time())
local pod = os.getenv("OBJECT") == "pod"
request = function()
  counter = counter + 1
  local name = run .. '-' .. counter
  local body
  if pod then
    body = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p-' .. name .. '"},"spec":{"containers":[{"name":"app","image":"nginx"}]}}'
  else
    body = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c-' .. name .. '"},"data":{"key":"value"}}'
  end
  return wrk.format("POST", nil, nil, body)
end
