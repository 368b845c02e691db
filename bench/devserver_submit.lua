-- wrk script: POST the 97 KB WSJF fixture to /api/Report/WSJF over keep-alive.
-- The fixture is read once; IDS copies of it get distinct report ids (the last 12 hex digits
-- replaced), and requests cycle through them, so the server inserts and overwrites as it
-- would with a station resubmitting. Environment: WATS_FIXTURE (path), WATS_TOKEN, IDS.
local path = os.getenv("WATS_FIXTURE") or "../shared/fixtures/new_report_example.json"
local token = os.getenv("WATS_TOKEN") or "ZGV2OmRldg=="
local nids = tonumber(os.getenv("IDS") or "256")
local bodies = {}
local i = 0

function init(args)
	local f = assert(io.open(path, "rb"))
	local text = f:read("*a")
	f:close()
	local id = text:match('"id":"(%x+%-%x+%-%x+%-%x+%-)%x+"')
	assert(id, "fixture has no id")
	for n = 1, nids do
		local newid = string.format("%s%012x", id, n + 65536 * math.random(0, 4095))
		bodies[n] = (text:gsub('"id":"[^"]+"', '"id":"' .. newid .. '"', 1))
	end
	wrk.headers["Authorization"] = "Basic " .. token
	wrk.headers["Content-Type"] = "application/json"
	-- Format every request once: building a 97 KB Lua string per request would make wrk,
	-- not the server, the bottleneck on a 2-core machine.
	for n = 1, nids do
		bodies[n] = wrk.format("POST", "/api/Report/WSJF", nil, bodies[n])
	end
end

function request()
	i = i % nids + 1
	return bodies[i]
end

function response(status, headers, body)
	if status ~= 200 then
		print("unexpected status " .. status .. ": " .. body)
		wrk.thread:stop()
	end
end
