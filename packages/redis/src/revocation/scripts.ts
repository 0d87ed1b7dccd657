/**
 * The Lua scripts of the revocation store. Each runs atomically, so an entry, the index that
 * lists it, the version counter and the message that tells other processes always agree.
 * Keys: `<prefix>:v1:rev:<kind>:<hash>` (one per entry, value = cut-off in ms or 0, expiring
 * with the tokens it targets), `<prefix>:v1:rev:index` (sorted set of entry ids by expiry) and
 * `<prefix>:v1:rev:version` (a counter bumped by every revocation). Messages go to the shard
 * channel `<prefix>:v1:rev:events` (SPUBLISH: with Redis Cluster it lives on the same shard
 * as the keys, which keeps the order of messages and replies).
 */

/**
 * Records one revocation, never weakening an existing one (the later cut-off and the later
 * expiry win), bumps the version and publishes `r <version> <id> <expiresAt> <before>`.
 * KEYS: entry, index, version. ARGV: id, expiresAt ms, before ms (0 when none), now ms, channel.
 */
export const REVOKE = `
local expiresAt = tonumber(ARGV[2])
local before = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local oldExpiry = redis.call('ZSCORE', KEYS[2], ARGV[1])
if oldExpiry then expiresAt = math.max(expiresAt, tonumber(oldExpiry)) end
local oldBefore = redis.call('GET', KEYS[1])
if oldBefore then before = math.max(before, tonumber(oldBefore)) end
if expiresAt <= now then return redis.call('GET', KEYS[3]) or '0' end
redis.call('SET', KEYS[1], string.format('%d', before), 'PX', string.format('%d', expiresAt - now))
redis.call('ZADD', KEYS[2], string.format('%d', expiresAt), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', string.format('%d', now))
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[2], last[2])
local version = redis.call('INCR', KEYS[3])
redis.call('SPUBLISH', ARGV[5], string.format('r %d %s %d %d', version, ARGV[1], expiresAt, before))
return tostring(version)
`

/**
 * Every live entry with the version it is current at: `{ version, count, id, expiresAt, before, ... }`,
 * or `{ version, -1 }` when there are more than ARGV[2] (the local view's bound).
 * KEYS: index, version. ARGV: now ms, max entries, entry key prefix.
 */
export const SNAPSHOT = `
local version = redis.call('GET', KEYS[2]) or '0'
local count = redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[1], '+inf')
if count > tonumber(ARGV[2]) then return { version, -1 } end
local items = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'WITHSCORES')
local out = { version, count }
for i = 1, #items, 2 do
  local before = redis.call('GET', ARGV[3] .. items[i])
  if before then
    out[#out + 1] = items[i]
    out[#out + 1] = items[i + 1]
    out[#out + 1] = before
  end
end
return out
`
