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
 *
 * The breaker rules are `machines/breaker-rules.ts`'s: the script is generated with its constants, and its
 * rule functions (same names as there) are checked against those by the store contract suite's property.
 */
import { createHash } from 'node:crypto';
import { WINDOW_BUCKETS } from '../../machines/breaker-rules.js';
import type { BreakerMachineConfig } from '../../machines/circuit-breaker-types.js';

/** Where the script reads the time from: Redis's `TIME` (production), or `ARGV[1].now` (tests only). */
export type BreakerScriptClock = 'redis' | 'argument';

/** The rules of `machines/breaker-rules.ts` in Lua, one function each (`c` is the script's config). */
const RULES = `
local function openDurationMs(reopens, hintUntil, at)
  local grown = math.min(c.openMs * c.backoffFactor ^ reopens, math.max(c.openMs, c.maxOpenMs))
  local hinted = 0
  if c.honorRetryAfter and hintUntil then hinted = hintUntil - at end
  return math.max(grown, hinted)
end
local function extendedHint(hintUntil, at, retryAfterMs)
  if type(retryAfterMs) ~= 'number' or not (retryAfterMs > 0) then return hintUntil end
  return math.max(hintUntil or (at + retryAfterMs), at + retryAfterMs)
end
local function bucketWidthMs(windowMs) return math.max(1, math.floor(windowMs / ${WINDOW_BUCKETS})) end
local function bucketStartOf(at, windowMs)
  local width = bucketWidthMs(windowMs)
  return math.floor(at / width) * width
end
local function bucketInWindow(bucketStart, start, windowMs) return bucketStart > start - windowMs end
local function rateExceeded(calls, fails)
  return c.failureRateThreshold >= 0 and calls >= c.minimumCalls and fails / calls >= c.failureRateThreshold
end
local function thresholdReached(consecutive) return consecutive >= c.failureThreshold end
local function probesClose(successes) return successes >= c.successThreshold end
local function probesReopen(failures) return failures > math.max(0, c.halfOpenMaxCalls - c.successThreshold) end
local function probeSlotFree(inFlight) return inFlight < c.halfOpenMaxCalls end
`;

/**
 * The script's clock, and how long Redis keeps the window and the leases: on Redis's clock for as long as
 * they matter; on a test's timeline (which real time does not follow) for ten real minutes, leaving every
 * expiry to the script's own checks against that timeline.
 */
const CLOCKS: Record<BreakerScriptClock, string> = {
  redis: `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local windowTtl = math.max(1, math.ceil(c.windowMs))
local leaseTtl = math.max(1, math.ceil(a.leaseMs or 1))`,
  argument: `local now = a.now
local windowTtl, leaseTtl = 600000, 600000`,
};

/**
 * Lua source of the breaker script. Production uses Redis's clock; `'argument'` takes the time from the
 * call's JSON (`now`), so a test can run the script on a chosen timeline.
 */
export function breakerScriptSource(clock: BreakerScriptClock = 'redis'): string {
  return `
local a = cjson.decode(ARGV[1])
local c = a.cfg
local key, wkey, pkey = KEYS[1], KEYS[2], KEYS[3]
${CLOCKS[clock]}
${RULES}local f = redis.call('HMGET', key, 'state', 'epoch', 'gen', 'openUntil', 'reason', 'trips', 'reopens', 'cf', 'hs', 'hint', 'hf')
local function n(v) return tonumber(v) or 0 end
local s
local created = not f[1]
local dirty = created
if created then
  s = { state = 'closed', epoch = 1, gen = a.gen, openUntil = 0, reason = 'initial', trips = 0, reopens = 0, cf = 0, hs = 0, hf = 0 }
else
  s = { state = f[1], epoch = n(f[2]), gen = f[3], openUntil = n(f[4]), reason = f[5], trips = n(f[6]),
        reopens = n(f[7]), cf = n(f[8]), hs = n(f[9]), hint = tonumber(f[10]), hf = n(f[11]) }
end
local before = s.epoch
local granted = false

local function enter(state, reason)
  s.state = state; s.reason = reason; s.epoch = s.epoch + 1
  s.cf = 0; s.hs = 0; s.hf = 0; s.hint = nil; dirty = true
  redis.call('DEL', wkey, pkey)
end
local function trip(reason, reopens)
  local duration = openDurationMs(reopens, s.hint, now)
  enter('open', reason)
  s.trips = s.trips + 1; s.reopens = reopens; s.openUntil = now + duration
end
local function rateTrips(failed)
  if c.failureRateThreshold < 0 then return false end
  local start = bucketStartOf(now, c.windowMs)
  local calls, fails = 0, 0
  local h = redis.call('HGETALL', wkey)
  for i = 1, #h, 2 do
    local field, v = h[i], tonumber(h[i + 1])
    if not bucketInWindow(tonumber(string.sub(field, 3)), start, c.windowMs) then redis.call('HDEL', wkey, field)
    elseif string.sub(field, 1, 1) == 'c' then calls = calls + v else fails = fails + v end
  end
  local sk = string.format('%d', start)
  redis.call('HINCRBY', wkey, 'c:' .. sk, 1); calls = calls + 1
  if failed then redis.call('HINCRBY', wkey, 'f:' .. sk, 1); fails = fails + 1 end
  redis.call('PEXPIRE', wkey, windowTtl)
  return failed and rateExceeded(calls, fails)
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
    if failed then s.hint = extendedHint(s.hint, now, a.retryAfterMs) end
    if s.state == 'closed' then
      if failed then s.cf = s.cf + 1 else s.cf = 0 end
      local byRate = rateTrips(failed)
      if failed and thresholdReached(s.cf) then trip('failure_threshold', 0)
      elseif byRate then trip('failure_rate', 0) end
    elseif s.state == 'halfOpen' then
      if failed then
        s.hf = s.hf + 1
        if probesReopen(s.hf) then trip('probe_failed', s.reopens + 1) end
      else
        s.hs = s.hs + 1
        if probesClose(s.hs) then enter('closed', 'probes_succeeded'); s.reopens = 0 end
      end
    end
  end
elseif a.op == 'acquire' then
  if s.state == 'halfOpen' then
    redis.call('ZREMRANGEBYSCORE', pkey, '-inf', now)
    if probeSlotFree(redis.call('ZCARD', pkey)) then
      redis.call('ZADD', pkey, now + a.leaseMs, a.lease)
      redis.call('PEXPIRE', pkey, leaseTtl)
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
    'reason', s.reason, 'trips', s.trips, 'reopens', s.reopens, 'cf', s.cf, 'hs', s.hs, 'hint', s.hint or '',
    'hf', s.hf)
end
local remaining = cjson.null
if s.state == 'open' then remaining = math.max(0, s.openUntil - now) end
local view = { id = a.id, state = s.state, epoch = s.epoch, generation = s.gen, remainingMs = remaining,
               reason = s.reason, trips = s.trips, reopens = s.reopens }
if s.epoch ~= before then redis.call('PUBLISH', a.channel, cjson.encode(view)) end
view.granted = granted
return cjson.encode(view)
`;
}

/** Lua source of the breaker script, on Redis's clock. */
export const BREAKER_SCRIPT = breakerScriptSource();

/** SHA-1 of {@link BREAKER_SCRIPT}, for `EVALSHA`. */
export const BREAKER_SCRIPT_SHA = createHash('sha1').update(BREAKER_SCRIPT).digest('hex');

/** The config the script decides with (JSON has no `null` trouble: -1 means "rate mode off"). */
export function scriptConfig(config: BreakerMachineConfig) {
  return {
    failureThreshold: config.failureThreshold,
    successThreshold: config.successThreshold,
    openMs: config.openMs,
    halfOpenMaxCalls: config.halfOpenMaxCalls,
    failureRateThreshold: config.failureRateThreshold ?? -1,
    windowMs: config.windowMs,
    minimumCalls: config.minimumCalls,
    backoffFactor: config.backoffFactor,
    maxOpenMs: config.maxOpenMs,
    honorRetryAfter: config.honorRetryAfter,
  };
}
