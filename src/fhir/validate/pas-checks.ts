/**
 * The PAS rules a profile validator cannot know: they span several resources of the Bundle or come
 * from the IG's prose (requirement ids from corpus/pas-2.2.1/requirements.csv). One table, each row
 * a small function of the Bundle; profile-driven checks (cardinality, patterns, the mandatory item
 * extensions …) are not repeated here.
 */
import { isResourceType } from '@medplum/core';
import { isObject, type FoundEntry, type ReferenceResolver } from '../bundle.ts';
import type { Located } from './scan.ts';
import type { ValidationIssue } from './types.ts';

/** Request Bundles providers send (`$submit`, `$inquire`) and the response Bundles we answer with. */
export type BundleKind = 'request' | 'inquiry' | 'response' | 'inquiry-response';

export const REQUEST_KINDS: BundleKind[] = ['request', 'inquiry'];
export const RESPONSE_KINDS: BundleKind[] = ['response', 'inquiry-response'];

export interface PasContext {
  kind: BundleKind;
  bundle: Record<string, unknown>;
  /** `Bundle.entry` when it is an array, else empty. */
  entries: unknown[];
  /** Entries holding a resource of a known type. */
  resources: FoundEntry[];
  /** The first entry, when it is a Claim (request kinds). */
  claim?: FoundEntry;
  /** The first entry, when it is a ClaimResponse (response kinds). */
  claimResponse?: FoundEntry;
  /** Every Reference in each entry's resource, by entry index. */
  references: Map<number, Located[]>;
  /** `resolveReference` on this Bundle, indexed once. */
  resolve: ReferenceResolver;
}

export interface PasCheck {
  id: string;
  /** PAS 2.2.1 requirement ids this row enforces. */
  requirements: string[];
  kinds?: BundleKind[];
  run(ctx: PasContext): ValidationIssue[];
}

const error = (code: string, expression: string, diagnostics: string): ValidationIssue => ({ severity: 'error', code, expression, diagnostics });
const CLAIM = 'Bundle.entry[0].resource';
const UUID_URN = /^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && value.length === 0);
}

function listOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/** Claim references that must point at an entry of the Bundle, with the resource types allowed there. */
const CLAIM_PARTIES: { path: string; types: string[] }[] = [
  { path: 'patient', types: ['Patient'] },
  { path: 'insurer', types: ['Organization'] },
  { path: 'provider', types: ['Organization', 'PractitionerRole', 'Practitioner'] },
];

/** Claim lists whose `sequence` must be unique (spec-22 for supportingInfo; items are traced by it, spec-34). */
const SEQUENCED = ['item', 'careTeam', 'supportingInfo', 'diagnosis', 'insurance'];

/** Item pointers into the Claim's sequenced lists. */
const ITEM_LINKS: { field: string; list: string }[] = [
  { field: 'careTeamSequence', list: 'careTeam' },
  { field: 'diagnosisSequence', list: 'diagnosis' },
  { field: 'informationSequence', list: 'supportingInfo' },
];

export const PAS_CHECKS: PasCheck[] = [
  {
    id: 'bundle-type',
    requirements: ['spec-23'],
    run: ({ bundle }) =>
      !present(bundle.type)
        ? [error('required', 'Bundle.type', "Bundle.type is required and must be 'collection'")]
        : bundle.type !== 'collection'
          ? [error('value', 'Bundle.type', `Bundle.type must be 'collection', not '${String(bundle.type)}'`)]
          : [],
  },
  {
    id: 'bundle-identifier',
    kinds: REQUEST_KINDS,
    requirements: ['spec-23'],
    run: ({ bundle }) => {
      if (!isObject(bundle.identifier)) return [error('required', 'Bundle.identifier', 'Bundle.identifier (the submitter transaction identifier) is required')];
      return present(bundle.identifier.value) ? [] : [error('required', 'Bundle.identifier.value', 'Bundle.identifier has no value')];
    },
  },
  {
    id: 'bundle-timestamp',
    kinds: REQUEST_KINDS,
    requirements: ['spec-23'],
    run: ({ bundle }) => (present(bundle.timestamp) ? [] : [error('required', 'Bundle.timestamp', 'Bundle.timestamp is required')]),
  },
  {
    id: 'entry-resources',
    requirements: ['spec-11'],
    run: ({ bundle, entries, kind }) => {
      const first = RESPONSE_KINDS.includes(kind) ? 'ClaimResponse' : 'Claim';
      if (!Array.isArray(bundle.entry) || entries.length === 0) return [error('required', 'Bundle.entry', `The Bundle has no entries; the first entry must be the ${first}`)];
      return entries.flatMap((entry, i) => {
        const at = `Bundle.entry[${i}]`;
        if (!isObject(entry)) return [error('structure', at, 'A Bundle entry must be a JSON object')];
        const resource = entry.resource;
        if (resource === undefined) return [error('required', `${at}.resource`, 'The entry has no resource')];
        if (!isObject(resource) || typeof resource.resourceType !== 'string') return [error('structure', `${at}.resource`, 'The entry resource has no resourceType')];
        if (!isResourceType(resource.resourceType)) return [error('invalid', `${at}.resource`, `Unknown resource type '${resource.resourceType}'`)];
        return [];
      });
    },
  },
  {
    id: 'claim-first',
    kinds: REQUEST_KINDS,
    requirements: ['spec-12'],
    run: ({ entries, resources, claim }) => {
      if (claim || entries.length === 0) return [];
      const first = resources.find((r) => r.index === 0)?.resource.resourceType;
      const elsewhere = resources.find((r) => r.resource.resourceType === 'Claim');
      const where = elsewhere ? ` (the Claim is entry ${elsewhere.index})` : ' (the Bundle has no Claim)';
      return [error('invalid', CLAIM, `The first entry must be the Claim, not ${first ?? 'this'}${where}`)];
    },
  },
  {
    id: 'claimresponse-first',
    kinds: RESPONSE_KINDS,
    requirements: ['spec-30'],
    run: ({ entries, resources, claimResponse, kind }) => {
      if (claimResponse || entries.length === 0) return [];
      // An inquiry that matched nothing answers with no Bundle at all, so every Bundle has one.
      const first = resources.find((r) => r.index === 0)?.resource.resourceType;
      return [error('invalid', CLAIM, `The first entry of a PAS ${kind} Bundle must be the ClaimResponse, not ${first ?? 'this'}`)];
    },
  },
  {
    id: 'claim-use',
    kinds: REQUEST_KINDS,
    requirements: ['spec-12'],
    run: ({ claim }) => {
      if (!claim) return [];
      const use = claim.resource.use;
      if (!present(use)) return [error('required', `${CLAIM}.use`, "Claim.use is required and must be 'preauthorization'")];
      return use === 'preauthorization' ? [] : [error('value', `${CLAIM}.use`, `Claim.use must be 'preauthorization', not '${String(use)}'`)];
    },
  },
  {
    id: 'claim-items',
    requirements: ['spec-12', 'spec-34'],
    kinds: ['request'],
    run: ({ claim }) => {
      if (!claim) return [];
      const items = claim.resource.item;
      if (!Array.isArray(items) || items.length === 0) return [error('required', `${CLAIM}.item`, 'The Claim must request at least one item')];
      return items.flatMap((item, i) =>
        isObject(item) && !present(item.sequence) ? [error('required', `${CLAIM}.item[${i}].sequence`, 'Every item needs a sequence number')] : [],
      );
    },
  },
  {
    id: 'unique-sequences',
    kinds: REQUEST_KINDS,
    requirements: ['spec-22', 'spec-34'],
    run: ({ claim }) => {
      if (!claim) return [];
      return SEQUENCED.flatMap((list) => {
        const seen = new Set<unknown>();
        return listOf(claim.resource[list]).flatMap((entry, i) => {
          if (!present(entry.sequence)) return [];
          if (!seen.has(entry.sequence)) return (seen.add(entry.sequence), []);
          return [error('value', `${CLAIM}.${list}[${i}].sequence`, `Duplicate ${list} sequence ${String(entry.sequence)}`)];
        });
      });
    },
  },
  {
    id: 'item-sequence-links',
    kinds: REQUEST_KINDS,
    requirements: [],
    run: ({ claim }) => {
      if (!claim) return [];
      const items = Array.isArray(claim.resource.item) ? claim.resource.item : [];
      return items.flatMap((item, i) =>
        !isObject(item)
          ? []
          : ITEM_LINKS.flatMap(({ field, list }) => {
              const known = new Set(listOf(claim.resource[list]).map((e) => e.sequence));
              const pointers = Array.isArray(item[field]) ? item[field] : [];
              return pointers.flatMap((seq: unknown, j: number) =>
                known.has(seq) ? [] : [error('not-found', `${CLAIM}.item[${i}].${field}[${j}]`, `No ${list} entry has sequence ${String(seq)}`)],
              );
            }),
      );
    },
  },
  {
    id: 'claim-parties',
    kinds: REQUEST_KINDS,
    requirements: ['spec-13'],
    run: (ctx) => {
      const { claim } = ctx;
      if (!claim) return [];
      const parties = CLAIM_PARTIES.map((p) => ({ ...p, at: `${CLAIM}.${p.path}`, ref: claim.resource[p.path] }));
      listOf(claim.resource.insurance).forEach((ins, i) =>
        parties.push({ path: 'coverage', types: ['Coverage'], at: `${CLAIM}.insurance[${i}].coverage`, ref: ins.coverage }),
      );
      return parties.flatMap(({ types, at, ref }) => {
        if (!isObject(ref)) return []; // absent: the profile reports it as required
        if (typeof ref.reference !== 'string' || ref.reference.startsWith('#')) {
          return [error('required', at, `Must be a literal reference to a ${types.join(' or ')} entry of the Bundle`)];
        }
        const target = ctx.resolve(ref.reference, claim.fullUrl);
        if (!target) return []; // dangling: reported by 'references-resolve'
        const type = target.resource.resourceType;
        return types.includes(type) ? [] : [error('invalid', at, `Refers to a ${type}; expected ${types.join(' or ')}`)];
      });
    },
  },
  {
    id: 'coverage-present',
    kinds: REQUEST_KINDS,
    requirements: ['spec-13'],
    run: ({ claim, resources }) => {
      if (!claim) return [];
      if (listOf(claim.resource.insurance).length === 0) return [error('required', `${CLAIM}.insurance`, 'The Claim must name the Coverage it is requested under')];
      return resources.some((r) => r.resource.resourceType === 'Coverage') ? [] : [error('required', 'Bundle.entry', 'The Bundle must include the Coverage')];
    },
  },
  {
    // Inside the Claim a dangling reference is an error: the 278 cannot be built without its target.
    // Elsewhere a warning: the IG's own Surgical example has a PractitionerRole pointing outside.
    id: 'references-resolve',
    requirements: ['spec-13', 'spec-65', 'spec-30'],
    run: (ctx) =>
      ctx.resources.flatMap((entry) =>
        (ctx.references.get(entry.index) ?? []).flatMap(({ expression, value }): ValidationIssue[] => {
          const ref = isObject(value.value) ? value.value.reference : undefined;
          if (typeof ref !== 'string' || ref.startsWith('#')) return [];
          if (ctx.resolve(ref, entry.fullUrl)) return [];
          // ClaimResponse.request points back at the provider's Claim, which a response need not carry.
          if (entry === ctx.claimResponse && /^Bundle\.entry\[\d+\]\.resource\.request$/.test(expression)) return [];
          // The reference text is not quoted back (it can carry names or identifiers).
          const diagnostics = 'The reference does not resolve to an entry of the Bundle';
          const root = entry === ctx.claim || entry === ctx.claimResponse;
          return [{ severity: root ? 'error' : 'warning', code: 'not-found', expression, diagnostics }];
        }),
      ),
  },
  {
    // Every entry should hang off the Claim: supporting information is pointed to by
    // Claim.supportingInfo.valueReference (spec-20), and what those resources refer to comes along
    // (spec-18). In a response, what points at the ClaimResponse hangs off it too (the PAS Task
    // asking for more information names the ClaimResponse; nothing in the ClaimResponse names it).
    // A warning: nothing is lost by an entry nobody uses.
    id: 'entries-reachable',
    requirements: ['spec-18', 'spec-20'],
    run: (ctx) => {
      const root = ctx.claim ?? ctx.claimResponse;
      if (!root) return [];
      const targets = (entry: FoundEntry) =>
        (ctx.references.get(entry.index) ?? []).flatMap(({ value }) => {
          const ref = isObject(value.value) ? value.value.reference : undefined;
          const target = typeof ref === 'string' ? ctx.resolve(ref, entry.fullUrl) : undefined;
          return target ? [target.index] : [];
        });
      const backwards = RESPONSE_KINDS.includes(ctx.kind);
      const reached = new Set<number>([root.index]);
      for (let grew = true; grew; ) {
        grew = false;
        for (const entry of ctx.resources) {
          const links = targets(entry);
          const attach = reached.has(entry.index) ? links.filter((t) => !reached.has(t)) : backwards && links.some((t) => reached.has(t)) ? [entry.index] : [];
          for (const t of attach) reached.add(t), (grew = true);
        }
      }
      const rootType = root.resource.resourceType;
      return ctx.resources
        .filter((e) => !reached.has(e.index))
        .map((e) => ({
          severity: 'warning' as const,
          code: 'informational',
          expression: `Bundle.entry[${e.index}]`,
          diagnostics: `This ${e.resource.resourceType} is not referenced from the ${rootType}, directly or through other entries (supporting information is pointed to by Claim.supportingInfo.valueReference)`,
        }));
    },
  },
  {
    id: 'unique-resources',
    requirements: ['spec-14', 'spec-31'],
    run: ({ entries, resources }) => {
      const issues: ValidationIssue[] = [];
      const fullUrls = new Map<string, number>();
      entries.forEach((entry, i) => {
        const fullUrl = isObject(entry) ? entry.fullUrl : undefined;
        if (typeof fullUrl !== 'string') return;
        const first = fullUrls.get(fullUrl);
        if (first === undefined) fullUrls.set(fullUrl, i);
        else issues.push({ severity: 'error', code: 'duplicate', expression: `Bundle.entry[${i}].fullUrl`, diagnostics: `Same fullUrl as entry ${first}` });
      });
      const ids = new Map<string, number>();
      for (const { index, resource } of resources) {
        if (typeof resource.id !== 'string') continue;
        const key = `${resource.resourceType}/${resource.id}`;
        const first = ids.get(key);
        if (first === undefined) ids.set(key, index);
        else issues.push({ severity: 'error', code: 'duplicate', expression: `Bundle.entry[${index}].resource.id`, diagnostics: `${key} already appears as entry ${first}` });
      }
      return issues;
    },
  },
  {
    id: 'fullurl-form',
    requirements: ['spec-16'],
    run: ({ entries }) =>
      entries.flatMap((entry, i) => {
        const fullUrl = isObject(entry) ? entry.fullUrl : undefined;
        if (typeof fullUrl !== 'string' || UUID_URN.test(fullUrl) || /^https?:\/\/\S+$/.test(fullUrl)) return [];
        return [error('value', `Bundle.entry[${i}].fullUrl`, "fullUrl must be the resource's URL at the EHR or urn:uuid:<uuid>")];
      }),
  },
];

/** Runs every row of the table that applies to this kind of Bundle. */
export function runPasChecks(ctx: PasContext): ValidationIssue[] {
  return PAS_CHECKS.filter((check) => !check.kinds || check.kinds.includes(ctx.kind)).flatMap((check) => check.run(ctx));
}

