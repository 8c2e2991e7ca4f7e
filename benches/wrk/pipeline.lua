-- wrk script for HTTP/1.1 pipelining (benches/compare-http.sh): every write carries DEPTH
-- requests back to back, and wrk counts each response.
--
--   wrk -s benches/wrk/pipeline.lua http://127.0.0.1:PORT/ -- DEPTH    DEPTH defaults to 16

init = function(args)
  local depth = tonumber(args[1]) or 16
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format()
  end
  req = table.concat(r)
end

request = function()
  return req
end
