/**
 * The Lua scripts of the grant store. Each runs atomically in Redis, so a compare-and-set on
 * `version` and the index updates that go with it can never interleave with another writer.
 * Every key a script touches is passed in KEYS (Redis Cluster: give the prefix a hash tag).
 */

/**
 * KEYS: record, subject index, all-records index, status index. ARGV: JSON, score, id.
 * Returns 1 when created, 0 when the id exists.
 */
export const CREATE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[3])
return 1
`

/**
 * KEYS: record, subject index, all-records index, then one status index per status (in
 * `GRANT_STATUSES` order). ARGV: JSON, expected version, score, id, index (1-based) of the new
 * status, requester subject, requester issuer. Returns 1 when written; 0 when the record is
 * missing, its version differs, or the requester would change (the indexes key on it).
 */
export const COMPARE_AND_SET_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local stored = cjson.decode(current)
if tonumber(stored['version']) ~= tonumber(ARGV[2]) then return 0 end
local requester = stored['requester']
if type(requester) ~= 'table' or requester['subject'] ~= ARGV[6] or requester['issuer'] ~= ARGV[7] then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
for i = 4, #KEYS do redis.call('ZREM', KEYS[i], ARGV[4]) end
redis.call('ZADD', KEYS[3 + tonumber(ARGV[5])], ARGV[3], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
return 1
`

/**
 * KEYS: record, subject index, all-records index, then every status index. ARGV: expected
 * version, id, requester subject, requester issuer. Returns 1 when removed.
 */
export const DELETE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local stored = cjson.decode(current)
if tonumber(stored['version']) ~= tonumber(ARGV[1]) then return 0 end
local requester = stored['requester']
if type(requester) ~= 'table' or requester['subject'] ~= ARGV[3] or requester['issuer'] ~= ARGV[4] then return 0 end
redis.call('DEL', KEYS[1])
for i = 2, #KEYS do redis.call('ZREM', KEYS[i], ARGV[2]) end
return 1
`
