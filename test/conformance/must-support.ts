/**
 * The must-support presence check of the Inferno PAS server suite, on plain JSON: for a profile's
 * must-support elements, slices and extensions (the kit's own lists, `kit/must-support.json`), which
 * are populated in no resource of the collected set. Our implementation of the kit's rules:
 *
 * - an element counts when some value at its path has content other than extensions (or carries one
 *   of the must-support extensions defined on it), equals its fixed value when there is one, and
 *   is not a data-absent-reason placeholder;
 * - `name[x]` is any populated choice (`servicedDate`, `servicedPeriod` …); `name:slice` keeps the
 *   values the slice's discriminator (pattern on a coding or identifier system, type, url) admits;
 *   `extension:name` is the extension with the url the list gives for it;
 * - the kit's two documented allowances: Coverage's X12 relationship coding, and a ClaimResponse
 *   whose `request` is a data-absent-reason (PAS spec-44) satisfies `request`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

type Json = Record<string, any>;

export interface Discriminator {
  type: 'patternCodeableConcept' | 'patternCoding' | 'patternIdentifier' | 'type' | 'value' | 'requiredBinding';
  path?: string;
  code?: string;
  system?: string;
  values?: unknown[];
}

export interface KitMustSupport {
  title: string;
  profile: string;
  resourceType: string;
  elements: { path: string; fixed_value?: string }[];
  slices: { id: string; path: string; discriminator: Discriminator }[];
  extensions: { id: string; path: string; url: string }[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
export const KIT_MUST_SUPPORT: Record<string, KitMustSupport> = JSON.parse(readFileSync(path.join(here, 'kit/must-support.json'), 'utf8'));

const DAR = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason';
const list = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const bare = (url: string): string => url.split('|')[0] ?? url;

/** Splits `a.b.where(url='x.y').c` at dots outside quotes and parentheses. */
function segments(p: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  let quoted = false;
  for (const ch of p) {
    if (ch === "'") quoted = !quoted;
    if (!quoted && ch === '(') depth++;
    if (!quoted && ch === ')') depth--;
    if (ch === '.' && depth === 0 && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

function matchesDiscriminator(value: unknown, d: Discriminator): boolean {
  if (!isObj(value)) return d.type === 'type' && d.code === 'Integer' ? Number.isInteger(value) : false;
  const at = (v: Json, p?: string) => (p ? list(v[p]) : [v]);
  switch (d.type) {
    case 'patternCodeableConcept':
      return at(value, d.path).some((cc) => isObj(cc) && list(cc['coding']).some((c) => isObj(c) && c['code'] === d.code && c['system'] === d.system));
    case 'patternCoding':
      return at(value, d.path).some((c) => isObj(c) && c['code'] === d.code && c['system'] === d.system);
    case 'patternIdentifier':
      return value['system'] === d.system;
    case 'type':
      return at(value, d.path).some((v) => isObj(v) && v['resourceType'] === d.code);
    default:
      return false;
  }
}

export class MustSupportCheck {
  constructor(private readonly ms: KitMustSupport) {}

  private sliceOf(name: string): KitMustSupport['slices'][number] | undefined {
    return this.ms.slices.find((s) => s.id.endsWith(`:${name}`));
  }

  private extensionUrl(logicalPath: string, kind: string, name: string): string | undefined {
    const suffix = `${kind}:${name}`;
    const atPath = this.ms.extensions.filter((e) => e.path === [logicalPath, kind].filter(Boolean).join('.'));
    return bare((atPath.find((e) => e.id.endsWith(suffix)) ?? atPath.find((e) => e.id.includes(suffix)) ?? this.ms.extensions.find((e) => e.id.endsWith(suffix)))?.url ?? '');
  }

  /** All values at a kit path (`item.extension:preAuthPeriod`, `identifier:NPI`, `serviced[x]` …). */
  values(resource: Json, p: string): unknown[] {
    let current: unknown[] = [resource];
    const logical: string[] = [];
    for (const seg of segments(p)) {
      const [name, slice] = seg.split(':') as [string, string | undefined];
      const next: unknown[] = [];
      for (const v of current) {
        if (!isObj(v)) continue;
        if ((name === 'extension' || name === 'modifierExtension') && slice) {
          const url = this.extensionUrl(logical.join('.'), name, slice);
          next.push(...list(v[name]).filter((e) => isObj(e) && bare(e['url'] ?? '') === url));
        } else if (name.endsWith('[x]')) {
          const prefix = name.slice(0, -3);
          if (slice) next.push(...list(v[slice]));
          else for (const [k, val] of Object.entries(v)) if (k.startsWith(prefix) && k !== prefix && /^[A-Z]/.test(k.slice(prefix.length))) next.push(...list(val));
        } else if (slice) {
          const def = this.sliceOf(slice);
          next.push(...list(v[name]).filter((x) => def && matchesDiscriminator(x, def.discriminator)));
        } else {
          next.push(...list(v[name]));
        }
      }
      logical.push(name);
      current = next;
    }
    return current;
  }

  private populated(value: unknown, extensionUrls: string[], fixed?: string): boolean {
    if (isObj(value) && list(value['extension']).some((e) => isObj(e) && e['url'] === DAR)) return false;
    const hasMsExtension = isObj(value) && list(value['extension']).some((e) => isObj(e) && extensionUrls.includes(bare(e['url'] ?? '')));
    const content = isObj(value) ? Object.keys(value).some((k) => k !== 'extension') : value !== undefined && value !== null && value !== '';
    if (!hasMsExtension && !content) return false;
    return fixed === undefined || value === fixed;
  }

  /** The must-support strings (as the kit prints them) that no resource populates. */
  missing(resources: Json[]): string[] {
    const missing: string[] = [];
    for (const el of this.ms.elements) {
      const urls = this.ms.extensions.filter((e) => e.path === `${el.path.replace(/:[^.]+/g, '')}.extension`).map((e) => bare(e.url));
      if (!resources.some((r) => this.values(r, el.path).some((v) => this.populated(v, urls, el.fixed_value)))) missing.push(el.fixed_value ? `${el.path}:${el.fixed_value}` : el.path);
    }
    for (const s of this.ms.slices) {
      if (!resources.some((r) => this.values(r, s.path).some((v) => matchesDiscriminator(v, s.discriminator)))) missing.push(s.id);
    }
    for (const e of this.ms.extensions) {
      const holderPath = e.path.replace(/\.?extension$/, '');
      const found = resources.some((r) => (holderPath ? this.values(r, holderPath) : [r]).some((h) => isObj(h) && list(h['extension']).some((x) => isObj(x) && bare(x['url'] ?? '') === bare(e.url))));
      if (!found) missing.push(e.id);
    }
    return this.allowances(missing, resources);
  }

  /** The kit's `remove_must_support_false_positives`. */
  private allowances(missing: string[], resources: Json[]): string[] {
    let out = missing;
    if (this.ms.resourceType === 'ClaimResponse' && out.includes('request')) {
      const dar = resources.some((r) => list(r['request']?.extension).some((e) => isObj(e) && e['url'] === DAR));
      if (dar) out = out.filter((m) => m !== 'request');
    }
    return out;
  }
}

/** Resources of the kit's type of interest among response Bundles (Bundles themselves included, as the kit does). */
export function resourcesOfType(bundles: Json[], type: string): Json[] {
  return [...bundles, ...bundles.flatMap((b) => list(b['entry']).map((e) => (isObj(e) ? e['resource'] : undefined)))].filter((r): r is Json => isObj(r) && r['resourceType'] === type);
}
