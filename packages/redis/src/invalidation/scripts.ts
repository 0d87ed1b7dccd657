/**
 * The Lua scripts of the invalidation bus. Keys: `<prefix>:v1:sync:version` (a counter bumped
 * by every message), `<prefix>:v1:sync:policy` (the last published policy, `<version> <json>`)
 * and `<prefix>:v1:sync:keys` (sorted set of the thumbprints of removed keys by expiry).
 * Messages go to the shard channel `<prefix>:v1:sync:events` (SPUBLISH: with Redis Cluster it
 * lives on the same shard as the keys, which keeps messages and replies in order).
 */

/**
 * Publishes one message `<kind> <version> <instance> <payload>`, the version bumped in the same
 * step so that a receiver sees any gap. A policy is also stored (a process that reconnects
 * loads the one it missed); removed keys are kept for ARGV[6] ms (a process that reconnects
 * distrusts them too).
 * KEYS: version, policy, keys. ARGV: channel, kind, instance, payload, now ms, retention ms.
 */
export const PUBLISH = `
local version = redis.call('INCR', KEYS[1])
if ARGV[2] == 'p' then
  redis.call('SET', KEYS[2], string.format('%d', version) .. ' ' .. ARGV[4])
elseif ARGV[2] == 'k' then
  local now = tonumber(ARGV[5])
  local expiresAt = now + tonumber(ARGV[6])
  for thumbprint in string.gmatch(ARGV[4], '[^,]+') do
    redis.call('ZADD', KEYS[3], string.format('%d', expiresAt), thumbprint)
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', string.format('%d', now))
  redis.call('PEXPIREAT', KEYS[3], string.format('%d', expiresAt))
end
redis.call('SPUBLISH', ARGV[1], ARGV[2] .. ' ' .. string.format('%d', version) .. ' ' .. ARGV[3] .. ' ' .. ARGV[4])
return string.format('%d', version)
`

/**
 * What a process that (re)subscribes needs, atomically: `{ version, policy or '', thumbprint... }`.
 * KEYS: version, policy, keys. ARGV: now ms.
 */
export const RECOVER = `
local out = { redis.call('GET', KEYS[1]) or '0', redis.call('GET', KEYS[2]) or '' }
for _, thumbprint in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. ARGV[1], '+inf')) do
  out[#out + 1] = thumbprint
end
return out
`
