import { createHash } from 'node:crypto';

/** A Lua script run with EVALSHA, falling back to EVAL when the server has not cached it (after a restart). */
export interface Script {
  lua: string;
  sha: string;
}

function script(lua: string): Script {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

// Milliseconds of the Redis server's clock, so every machine agrees on expiry and loadedAt.
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * KEYS: modules index, the module's hash. ARGV: name, code, hash, origin, has-origin ('1' or '0'), seal ('' for
 * none). Returns { version, loadedAt, origin or nil, seal or nil }. Numbering and dedup (same code, hash and seal as
 * the latest version) happen in one atomic step.
 */
export const addModuleVersion = script(`${NOW}
local latest = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if latest > 0 and redis.call('HGET', KEYS[2], 'hash:' .. latest) == ARGV[3]
  and (redis.call('HGET', KEYS[2], 'seal:' .. latest) or '') == ARGV[6]
  and redis.call('HGET', KEYS[2], 'code:' .. latest) == ARGV[2] then
  return { latest, redis.call('HGET', KEYS[2], 'at:' .. latest), redis.call('HGET', KEYS[2], 'origin:' .. latest), redis.call('HGET', KEYS[2], 'seal:' .. latest) }
end
local v = latest + 1
local at = string.format('%d', now)
redis.call('HSET', KEYS[2], 'code:' .. v, ARGV[2], 'hash:' .. v, ARGV[3], 'at:' .. v, at)
if ARGV[5] == '1' then redis.call('HSET', KEYS[2], 'origin:' .. v, ARGV[4]) end
if ARGV[6] ~= '' then redis.call('HSET', KEYS[2], 'seal:' .. v, ARGV[6]) end
redis.call('HSET', KEYS[1], ARGV[1], v)
local origin = false
if ARGV[5] == '1' then origin = ARGV[4] end
local seal = false
if ARGV[6] ~= '' then seal = ARGV[6] end
return { v, at, origin, seal }
`);

/** KEYS: members sorted set (id scored by expiry ms), member records hash. ARGV: id, ttlMs, JSON. */
export const putMember = script(`${NOW}
redis.call('ZADD', KEYS[1], string.format('%d', now + tonumber(ARGV[2])), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 1
`);

/** KEYS: members sorted set, member records hash. Prunes expired members; returns { id, JSON, id, JSON, ... }. */
export const listMembers = script(`${NOW}
local nowText = string.format('%d', now)
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', nowText)
if #expired > 0 then
  for _, id in ipairs(expired) do redis.call('HDEL', KEYS[2], id) end
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', nowText)
end
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. nowText, '+inf')) do
  local json = redis.call('HGET', KEYS[2], id)
  if json then
    out[#out + 1] = id
    out[#out + 1] = json
  end
end
return out
`);

/** KEYS: names hash. ARGV: name, pid. 1 when the name now points at pid (also when it already did). */
export const registerName = script(`
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 1
end
if current == ARGV[2] then return 1 end
return 0
`);

/** KEYS: names hash. ARGV: name, pid. Compare-and-delete: 1 when removed. */
export const unregisterName = script(`
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return 1
end
return 0
`);
