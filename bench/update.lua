-- wrk script: PUT ConfigMaps with the resourceVersion each was last seen at,
-- round robin over the objects listed in OBJECTS_FILE ("name resourceVersion"
-- per line). Enough objects that each one's previous answer has long arrived.
local names, versions = {}, {}
local next_index, counter = 0, 0

for line in io.lines(os.getenv("OBJECTS_FILE")) do
  local name, rv = line:match("^(%S+) (%S+)$")
  names[#names + 1] = name
  versions[name] = rv
end

request = function()
  next_index = next_index % #names + 1
  counter = counter + 1
  local name = names[next_index]
  local body = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"' .. name .. '","resourceVersion":"' .. versions[name] .. '"},"data":{"key":"value-' .. counter .. '"}}'
  return wrk.format("PUT", wrk.path .. "/" .. name, nil, body)
end

response = function(status, headers, body)
  local name = body:match('"name":"([^"]+)"')
  local rv = body:match('"resourceVersion":"(%d+)"')
  if name and rv then versions[name] = rv end
end
