/**
 * The Redis store's one Lua script. Every breaker operation runs it, so each is atomic in Redis and uses
 * Redis's clock (`TIME`) — the clocks of the processes are never trusted. It mirrors
 * `src/breaker/store-logic.ts` step by step (the shared contract suite checks both behave the same).
 *
 * KEYS: 1 state hash, 2 rate window hash (`c:<bucket>` / `f:<bucket>` fields, with a TTL of `windowMs`),
 * 3 half-open probe leases (sorted set scored by expiry). All three share the `{id}` hash tag, so the
 * script also runs on Redis Cluster. ARGV[1]: JSON `{ op, id, channel, gen, cfg, ... }`; `cfg` encodes
 * "no rate mode" as `failureRateThreshold: -1`. Returns the state as JSON (plus `granted` for `acquire`);
 * a change of epoch is also published on `channel`.
 */
import { createHash } from 'node:crypto';

/** Lua source of the breaker script. */
export const BREAKER_SCRIPT = `
local a = cjson.decode(ARGV[1])
local c = a.cfg
local key, wkey, pkey = KEYS[1], KEYS[2], KEYS[3]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local f = redis.call('HMGET', key, 'state', 'epoch', 'gen', 'openUntil', 'reason', 'trips', 'reopens', 'cf', 'hs', 'hint')
local function n(v) return tonumber(v) or 0 end
local s
local created = not f[1]
local dirty = created
if created then
  s = { state = 'closed', epoch = 1, gen = a.gen, openUntil = 0, reason = 'initial', trips = 0, reopens = 0, cf = 0, hs = 0 }
else
  s = { state = f[1], epoch = n(f[2]), gen = f[3], openUntil = n(f[4]), reason = f[5], trips = n(f[6]),
        reopens = n(f[7]), cf = n(f[8]), hs = n(f[9]), hint = tonumber(f[10]) }
end
local before = s.epoch
local granted = false

local function enter(state, reason)
  s.state = state; s.reason = reason; s.epoch = s.epoch + 1
  s.cf = 0; s.hs = 0; s.hint = nil; dirty = true
  redis.call('DEL', wkey, pkey)
end
local function trip(reason, reopens)
  local grown = math.min(c.openMs * c.backoffFactor ^ reopens, math.max(c.openMs, c.maxOpenMs))
  local hinted = 0
  if c.honorRetryAfter and s.hint then hinted = s.hint - now end
  enter('open', reason)
  s.trips = s.trips + 1; s.reopens = reopens; s.openUntil = now + math.max(grown, hinted)
end
local function rateTrips(failed)
  if c.failureRateThreshold < 0 then return false end
  local bucketMs = math.max(1, math.floor(c.windowMs / 10))
  local start = math.floor(now / bucketMs) * bucketMs
  local calls, fails = 0, 0
  local h = redis.call('HGETALL', wkey)
  for i = 1, #h, 2 do
    local field, v = h[i], tonumber(h[i + 1])
    if tonumber(string.sub(field, 3)) <= start - c.windowMs then redis.call('HDEL', wkey, field)
    elseif string.sub(field, 1, 1) == 'c' then calls = calls + v else fails = fails + v end
  end
  local sk = string.format('%d', start)
  redis.call('HINCRBY', wkey, 'c:' .. sk, 1); calls = calls + 1
  if failed then redis.call('HINCRBY', wkey, 'f:' .. sk, 1); fails = fails + 1 end
  redis.call('PEXPIRE', wkey, math.max(1, math.ceil(c.windowMs)))
  return failed and calls >= c.minimumCalls and fails / calls >= c.failureRateThreshold
end

if s.state == 'open' and now >= s.openUntil then enter('halfOpen', 'open_elapsed') end

if a.op == 'join' then
  local seed = a.seed
  local rem = seed.remainingMs
  if type(rem) ~= 'number' then rem = 0 end
  if created and seed.state ~= 'closed' then
    local st = seed.state
    if st == 'halfOpen' then st = 'open' end
    enter(st, seed.reason)
    s.trips = seed.trips; s.reopens = seed.reopens
    if seed.state == 'open' then s.openUntil = now + math.max(0, rem) else s.openUntil = now end
  elseif (not created) and seed.tripped and seed.state == 'open' and s.state == 'closed' then
    enter('open', seed.reason)
    s.trips = s.trips + 1; s.reopens = seed.reopens; s.openUntil = now + math.max(0, rem)
  end
elseif a.op == 'record' then
  if a.lease then redis.call('ZREM', pkey, a.lease) end
  if a.epoch == s.epoch and a.verdict ~= 'ignored' then
    local failed = a.verdict == 'failure'
    dirty = true
    if failed and type(a.retryAfterMs) == 'number' and a.retryAfterMs > 0 then
      s.hint = math.max(s.hint or (now + a.retryAfterMs), now + a.retryAfterMs)
    end
    if s.state == 'closed' then
      if failed then s.cf = s.cf + 1 else s.cf = 0 end
      local byRate = rateTrips(failed)
      if failed and s.cf >= c.failureThreshold then trip('failure_threshold', 0)
      elseif byRate then trip('failure_rate', 0) end
    elseif s.state == 'halfOpen' then
      if failed then trip('probe_failed', s.reopens + 1)
      else
        s.hs = s.hs + 1
        if s.hs >= c.successThreshold then enter('closed', 'probes_succeeded'); s.reopens = 0 end
      end
    end
  end
elseif a.op == 'acquire' then
  if s.state == 'halfOpen' then
    redis.call('ZREMRANGEBYSCORE', pkey, '-inf', now)
    if redis.call('ZCARD', pkey) < c.halfOpenMaxCalls then
      redis.call('ZADD', pkey, now + a.leaseMs, a.lease)
      redis.call('PEXPIRE', pkey, math.max(1, math.ceil(a.leaseMs)))
      granted = true
    end
  end
elseif a.op == 'release' then
  redis.call('ZREM', pkey, a.lease)
elseif a.op == 'command' then
  if a.command == 'forceOpen' then enter('forcedOpen', 'forced_open')
  elseif a.command == 'disable' then enter('disabled', 'disabled')
  else enter('closed', 'reset'); s.reopens = 0 end
end

if dirty then
  redis.call('HSET', key, 'state', s.state, 'epoch', s.epoch, 'gen', s.gen, 'openUntil', s.openUntil,
    'reason', s.reason, 'trips', s.trips, 'reopens', s.reopens, 'cf', s.cf, 'hs', s.hs, 'hint', s.hint or '')
end
local remaining = cjson.null
if s.state == 'open' then remaining = math.max(0, s.openUntil - now) end
local view = { id = a.id, state = s.state, epoch = s.epoch, generation = s.gen, remainingMs = remaining,
               reason = s.reason, trips = s.trips, reopens = s.reopens }
if s.epoch ~= before then redis.call('PUBLISH', a.channel, cjson.encode(view)) end
view.granted = granted
return cjson.encode(view)
`;

/** SHA-1 of {@link BREAKER_SCRIPT}, for `EVALSHA`. */
export const BREAKER_SCRIPT_SHA = createHash('sha1').update(BREAKER_SCRIPT).digest('hex');
