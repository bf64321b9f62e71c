/**
 * SMART scopes (v2 `system/Claim.cr`, with v1 `.read`/`.write`/`.*` understood). Pure functions.
 */

export const PROVIDER_SCOPES = [
  'system/Claim.c',
  'system/Claim.r',
  'system/ClaimResponse.r',
  'system/CoverageEligibilityRequest.c',
  'system/Subscription.crud',
] as const;

interface ParsedScope {
  context: string;
  resource: string;
  perms: Set<string>;
}

const V1: Record<string, string> = { read: 'rs', write: 'cud', '*': 'cruds' };

export function parseScope(scope: string): ParsedScope | undefined {
  const m = /^(system|user|patient)\/([A-Za-z]+|\*)\.([a-z*]+)(\?.*)?$/.exec(scope);
  if (!m) return undefined;
  const raw = V1[m[3]!] ?? m[3]!;
  if (!/^c?r?u?d?s?$/.test(raw)) return undefined;
  return { context: m[1]!, resource: m[2]!, perms: new Set(raw.split('')) };
}

/** Does `granted` (a scope string list) allow `perm` on `resource`? */
export function allows(granted: readonly string[], resource: string, perm: 'c' | 'r' | 'u' | 'd' | 's'): boolean {
  return granted.some((g) => {
    const p = parseScope(g);
    return p !== undefined && p.context === 'system' && (p.resource === resource || p.resource === '*') && p.perms.has(perm);
  });
}

/**
 * Narrows a requested scope string to what the client is registered for. A requested scope is
 * granted when every permission it asks is covered by the client's registered scopes.
 */
export function grantScopes(requested: string | undefined, registered: readonly string[]): string[] {
  if (!requested) return [...registered];
  const out: string[] = [];
  for (const s of requested.split(/\s+/).filter(Boolean)) {
    const p = parseScope(s);
    if (!p || p.context !== 'system') continue;
    const ok = [...p.perms].every((perm) =>
      p.resource === '*'
        ? registered.some((r) => parseScope(r)?.resource === '*' && parseScope(r)?.perms.has(perm))
        : allows(registered, p.resource, perm as 'c'),
    );
    if (ok) out.push(s);
  }
  return out;
}
