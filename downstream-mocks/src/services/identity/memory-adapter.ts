import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';

/** Stored entries outlive their `expiresIn` by this much, as the provider tolerates clock skew. */
const GRACE_MS = 15_000;
const SWEEP_EVERY_WRITES = 500;

/** Models whose entries belong to a grant, removed together when the grant is revoked. */
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

interface Entry {
  payload: AdapterPayload;
  expiresAt: number;
}

/**
 * The provider's storage: one in-memory store per provider, entries kept until they expire.
 * oidc-provider's bundled memory adapter is an LRU of about a thousand entries, and a sign-in
 * writes several (interactions, session, grant, code, refresh token), so a few hundred sign-ins
 * under a load test would evict live sessions and refresh tokens. Nothing here is capped by
 * count; expiry (14 days at most, see provider.ts) and the mocks' restarts bound it.
 */
export function memoryAdapter(): AdapterFactory {
  const entries = new Map<string, Entry>();
  const sessionByUid = new Map<string, string>();
  const deviceCodeByUserCode = new Map<string, string>();
  const grantMembers = new Map<string, Set<string>>();
  let writes = 0;

  const live = (key: string): AdapterPayload | undefined => {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > Date.now()) return entry.payload;
    entries.delete(key);
    return undefined;
  };

  const sweep = () => {
    const now = Date.now();
    for (const [key, { expiresAt }] of entries) if (expiresAt <= now) entries.delete(key);
    for (const [grantId, members] of grantMembers) {
      for (const key of members) if (!entries.has(key)) members.delete(key);
      if (members.size === 0) grantMembers.delete(grantId);
    }
    for (const index of [sessionByUid, deviceCodeByUserCode]) {
      for (const [secondary, key] of index) if (!entries.has(key)) index.delete(secondary);
    }
  };

  return (model: string): Adapter => {
    const keyOf = (id: string) => `${model}:${id}`;
    return {
      async upsert(id, payload, expiresIn) {
        const key = keyOf(id);
        const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 + GRACE_MS : Number.POSITIVE_INFINITY;
        entries.set(key, { payload, expiresAt });
        if (model === 'Session' && payload.uid) sessionByUid.set(payload.uid, key);
        if (payload.userCode) deviceCodeByUserCode.set(payload.userCode, key);
        if (GRANTABLE.has(model) && payload.grantId) {
          const members = grantMembers.get(payload.grantId) ?? new Set<string>();
          grantMembers.set(payload.grantId, members.add(key));
        }
        if (++writes % SWEEP_EVERY_WRITES === 0) sweep();
      },
      async find(id) {
        return live(keyOf(id));
      },
      async findByUid(uid) {
        const key = sessionByUid.get(uid);
        return key === undefined ? undefined : live(key);
      },
      async findByUserCode(userCode) {
        const key = deviceCodeByUserCode.get(userCode);
        return key === undefined ? undefined : live(key);
      },
      async consume(id) {
        const payload = live(keyOf(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        entries.delete(keyOf(id));
      },
      async revokeByGrantId(grantId) {
        for (const key of grantMembers.get(grantId) ?? []) entries.delete(key);
        grantMembers.delete(grantId);
      },
    };
  };
}
