-- wrk script: DELETE seeded ConfigMaps cm-<n>, each once, from DELETE_FROM on
-- (bench/seed.ts names them cm-000001 …; each run gets its own range).
local n = tonumber(os.getenv("DELETE_FROM"))

request = function()
  n = n + 1
  return wrk.format("DELETE", string.format("%s/cm-%06d", wrk.path, n))
end
