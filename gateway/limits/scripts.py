"""The Lua scripts of the shared limit store: each check is one script, so it is one
round trip and atomic across replicas (Redis runs one script at a time).

Time is the Redis server's (`TIME`), never a replica's clock. Every key carries the
same hash tag, so a script may touch a principal's keys and the fleet's edge set at
once, on a clustered cache too (one shard holds them all: a few thousand small scripts
a second do not strain it). Replies are integers and strings: Lua numbers would be
truncated, so levels travel in thousandths.

A principal's keys: its buckets, a hash of levels and refill times (`r`/`ru` requests,
`t`/`tu` tokens, `c`/`cu` classified characters; times in microseconds), its
concurrency leases and its edge leases, sorted sets of lease ids scored by expiry (ms);
and every lease on the edge, fleet-wide. The quota scripts' `KEYS`: the buckets, the
leases, the edge's set and the principal's edge set. Their `ARGV`: requests, tokens and
characters per minute and concurrency (0: no limit), the amount (tokens or
characters), a lease id, the lease's lifetime (ms), and for the edge its cap (0: not
asked) and the principal's share.
"""

from __future__ import annotations

# Reads the buckets, refilled to now; `save` writes them back. A bucket that is not
# there is full: an account idle for a minute has refilled, so its keys expire then.
_QUOTA_PRELUDE = """
local rpm, tpm, cpm = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local conc, amount = tonumber(ARGV[4]), tonumber(ARGV[5])
local lease_id, lease_ms = ARGV[6], tonumber(ARGV[7])
local cap, share = tonumber(ARGV[8]), tonumber(ARGV[9])
local clock = redis.call('TIME')
local now_us = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local now_ms = math.floor(now_us / 1000)
local caps = {rpm, tpm, cpm}
local names = {'r', 't', 'c'}
local saved = redis.call('HMGET', KEYS[1], 'r', 'ru', 't', 'tu', 'c', 'cu')
local level = {}
for i = 1, 3 do
  local was, at = saved[2 * i - 1], saved[2 * i]
  if caps[i] <= 0 then
    level[i] = 0
  elseif not was then
    level[i] = caps[i]
  else
    local elapsed = math.max(0, now_us - tonumber(at)) / 1000000
    level[i] = math.min(caps[i], tonumber(was) + elapsed * caps[i] / 60)
  end
end
local held = 0

local function save()
  local fields = {}
  for i = 1, 3 do
    if caps[i] > 0 then
      fields[#fields + 1] = names[i]
      fields[#fields + 1] = string.format('%.6f', level[i])
      fields[#fields + 1] = names[i] .. 'u'
      fields[#fields + 1] = string.format('%.0f', now_us)
    end
  end
  if #fields > 0 then
    redis.call('HSET', KEYS[1], unpack(fields))
    redis.call('PEXPIRE', KEYS[1], 61000)
  end
end

local function count_held()
  if conc <= 0 then return 0 end
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now_ms)
  return redis.call('ZCARD', KEYS[2])
end

local function hold(key)
  redis.call('ZADD', key, now_ms + lease_ms, lease_id)
  redis.call('PEXPIRE', key, 2 * lease_ms)
end

local function answer(reason, wait_s)
  return {reason, math.ceil(wait_s * 1000), math.floor(level[1] * 1000),
          math.floor(level[2] * 1000), math.floor(level[3] * 1000), held}
end

local function refusal()
  if conc > 0 and held >= conc then return answer('concurrent', 1) end
  if rpm > 0 and level[1] < 1 then return answer('requests', (1 - level[1]) * 60 / rpm) end
  return nil
end

-- edge_busy or edge_share when the edge has no place for the principal; nil if it has.
local function edge_refusal()
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now_ms)
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now_ms)
  if redis.call('ZCARD', KEYS[3]) >= cap then return 'edge_busy' end
  if redis.call('ZCARD', KEYS[4]) >= share then return 'edge_share' end
  return nil
end
"""

# Takes nothing: is the principal already over its concurrency, request rate or
# classification allowance?
PRECHECK = (
    _QUOTA_PRELUDE
    + """
held = count_held()
local refused = refusal()
if refused then return refused end
if cpm > 0 and level[3] < 1 then return answer('classification', (1 - level[3]) * 60 / cpm) end
return answer('', 0)
"""
)

# Takes `amount` characters (at most a minute's worth) from the classification bucket.
CHARGE = (
    _QUOTA_PRELUDE
    + """
local cost = math.min(amount, cpm)
if level[3] < cost then return answer('classification', (cost - level[3]) * 60 / cpm) end
level[3] = level[3] - cost
save()
return answer('', 0)
"""
)

# Takes what a classification cost beyond what `CHARGE` took before it ran, without
# refusing: the work is done. The bucket may go below zero, down to a minute's worth
# owed, and the principal's next requests are refused until it has refilled.
DEBIT = (
    _QUOTA_PRELUDE
    + """
if cpm > 0 then
  level[3] = math.max(-cpm, level[3] - amount)
  save()
end
return answer('', 0)
"""
)

# Takes one request and `amount` tokens (at most a minute's worth) and holds a lease;
# with a cap, a place on the edge too. A request the edge has no place for still
# counts against the request and token rates, as in memory, but holds nothing.
ADMIT = (
    _QUOTA_PRELUDE
    + """
held = count_held()
local refused = refusal()
if refused then return refused end
local cost = amount
if tpm > 0 then cost = math.min(amount, tpm) end
if tpm > 0 and level[2] < cost then return answer('tokens', (cost - level[2]) * 60 / tpm) end
local no_edge = nil
if cap > 0 then no_edge = edge_refusal() end
if rpm > 0 then level[1] = level[1] - 1 end
if tpm > 0 then level[2] = level[2] - cost end
save()
if no_edge then return answer(no_edge, 1) end
if conc > 0 then
  hold(KEYS[2])
  held = held + 1
end
if cap > 0 then
  hold(KEYS[3])
  hold(KEYS[4])
end
return answer('', 0)
"""
)

# A place on the edge for a lease admitted without one (a cloud request falling back).
EDGE = (
    _QUOTA_PRELUDE
    + """
local no_edge = edge_refusal()
if no_edge then return answer(no_edge, 1) end
hold(KEYS[3])
hold(KEYS[4])
return answer('', 0)
"""
)

# Gives leases back, any number in one run. KEYS[1]: the edge's set, then per lease its
# buckets, its leases and its edge set. ARGV per lease: its id, tokens per minute, and
# the token correction (the admission's estimate less what the answer used: positive
# gives back, negative takes more, down to an empty bucket at most).
RELEASE = """
local clock = redis.call('TIME')
local now_us = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
for i = 0, #ARGV / 3 - 1 do
  local buckets, leases, edge = KEYS[2 + 3 * i], KEYS[3 + 3 * i], KEYS[4 + 3 * i]
  local lease_id, tpm = ARGV[1 + 3 * i], tonumber(ARGV[2 + 3 * i])
  local correction = tonumber(ARGV[3 + 3 * i])
  redis.call('ZREM', leases, lease_id)
  redis.call('ZREM', edge, lease_id)
  redis.call('ZREM', KEYS[1], lease_id)
  if tpm > 0 and correction ~= 0 then
    local saved = redis.call('HMGET', buckets, 't', 'tu')
    local level = tpm
    if saved[1] then
      local elapsed = math.max(0, now_us - tonumber(saved[2])) / 1000000
      level = math.min(tpm, tonumber(saved[1]) + elapsed * tpm / 60)
    end
    level = math.max(0, math.min(tpm, level + correction))
    redis.call('HSET', buckets, 't', string.format('%.6f', level),
               'tu', string.format('%.0f', now_us))
    redis.call('PEXPIRE', buckets, 61000)
  end
end
return 1
"""

# Pushes the expiry of running requests' leases out to now + ARGV[1] ms, where they are
# still held: a lease that has expired stays expired. KEYS[1]: the edge's set, then
# per lease its leases and its edge set; ARGV[2..]: the lease ids.
RENEW = """
local lease_ms = tonumber(ARGV[1])
local clock = redis.call('TIME')
local expiry = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000) + lease_ms
for i = 2, #ARGV do
  local keys = {KEYS[1], KEYS[2 * i - 2], KEYS[2 * i - 1]}
  for _, key in ipairs(keys) do
    if redis.call('ZADD', key, 'XX', 'CH', expiry, ARGV[i]) == 1 then
      redis.call('PEXPIRE', key, 2 * lease_ms)
    end
  end
end
return 1
"""
