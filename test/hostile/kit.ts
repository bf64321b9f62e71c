/**
 * The hostile tester's kit: generated hostile values (unpaired surrogates, NUL and other control
 * characters, X12 delimiters, very long text), mutations of real requests (a hostile value at any
 * string, a hostile property name, deep and wide structures, resources wrapped in Parameters),
 * mutations of the real X12 samples (delimiters, envelopes, bytes, segments), a raw HTTP client (no
 * browser headers, any source address, a Buffer body), the checks every acknowledgment must pass,
 * and an event-loop monitor.
 */
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import fc from 'fast-check';
import { count } from 'drizzle-orm';
import type { Db } from '../../src/db/client.ts';
import { auditEvents, jobs, messages, requests, subscriptions } from '../../src/db/schema.ts';
import { parseX12, validateX12 } from '../../src/x12/index.ts';
import { X12_SAMPLES } from '../helpers/corpus.ts';
import { stringLeaves, withValue, type Path } from '../security/x12-kit.ts';

export { stringLeaves, withValue, type Path };

/** Seeded runs: a failure names its seed and path, and the same run repeats. */
export const SEED = Number(process.env.HOSTILE_SEED ?? 20_261_205);

/** Runs per property, scaled by HOSTILE_SCALE (the slow suite runs 10×; a hunt can run more with another seed). */
export const runs = (n: number) => Math.max(1, Math.round(n * Number(process.env.HOSTILE_SCALE ?? 1)));

// ---- hostile values ----------------------------------------------------------------------------

/** Characters no text input may carry, each with the reason the edge refuses it. */
export const BAD_CHARACTERS = ['\u0000', '\u0001', '\u0007', '\u000b', '\u001b', '\u001f', '\ud800', '\udbff', '\udc00', '\udfff'];

/** A value that must be refused wherever it lands: text with one bad character somewhere in it. */
export const badText = fc
  .tuple(fc.string({ maxLength: 12 }), fc.constantFrom(...BAD_CHARACTERS), fc.string({ maxLength: 12 }))
  .map(([a, bad, b]) => `${a}${bad}${b}`);

/** Values that are odd but not forbidden: X12 delimiters, markup, RTL override, long text, emoji. */
export const oddText = fc.oneof(
  fc.constantFrom("~*:^|>'", '<script>alert(1)</script>', '\u202egnp.exe', '%00', '\\u0000', "'; drop table requests; --", '😀\u{1F600}', 'ISA*00*~GS*HI~', ''),
  fc.string({ unit: 'binary', maxLength: 30 }).filter((s) => !BAD_CHARACTERS.some((c) => s.includes(c)) && !/[\u0000-\u001f\ud800-\udfff]/.test(s)),
);

/**
 * Percent-encoding the way a hostile client writes it: a lone surrogate as the three bytes it would
 * take in WTF-8 (%ED%A0%80), which no UTF-8 decoder accepts; everything else as usual.
 */
export function pct(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(s.slice(i, i + 2));
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else out += encodeURIComponent(s[i]!);
  }
  return out;
}

/** A urlencoded form body written with `pct`. */
export const pctForm = (fields: Record<string, string>) => Object.entries(fields).map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&');

/** Whether a string carries a character the edge refuses. */
export const isBad = (s: string) => /[\u0000-\u0008\u000b\u000c\u000e-\u001f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

/** FHIRPath-like name of a JSON path under a root: Bundle.entry[0].resource.identifier[0].value. */
export function expressionOf(root: string, p: Path): string {
  return root + p.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('');
}

// ---- JSON mutations ----------------------------------------------------------------------------

export type JsonMutation =
  | { kind: 'bad-leaf'; path: Path; value: string }
  | { kind: 'odd-leaf'; path: Path; value: string }
  | { kind: 'bad-key'; path: Path; key: string }
  | { kind: 'deep'; depth: number }
  | { kind: 'wide'; items: number }
  | { kind: 'wrapped' }
  | { kind: 'replace'; path: Path; value: unknown };

/** A mutation of `doc`: one of its string leaves, a property name, its depth, width or wrapping. */
export function jsonMutation(doc: unknown): fc.Arbitrary<JsonMutation> {
  const leaves = stringLeaves(doc);
  const leaf = fc.constantFrom(...leaves);
  // A property name can only be added to an object: the object holding the leaf (or the array it is in).
  const objectAbove = (p: Path): Path => {
    let k = p.length - 1;
    while (k > 0 && typeof p[k] === 'number') k--;
    return p.slice(0, k);
  };
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('bad-leaf' as const), path: leaf, value: badText }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('odd-leaf' as const), path: leaf, value: oddText }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('bad-key' as const), path: leaf.map(objectAbove), key: badText }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('deep' as const), depth: fc.integer({ min: 40, max: 300 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('wide' as const), items: fc.integer({ min: 900, max: 3000 }) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'wrapped' as const }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('replace' as const), path: leaf, value: fc.jsonValue({ maxDepth: 3 }) }) },
  );
}

export function applyMutation<T>(doc: T, m: JsonMutation): unknown {
  switch (m.kind) {
    case 'bad-leaf':
    case 'odd-leaf':
      return withValue(doc, m.path, () => m.value);
    case 'replace':
      return withValue(doc, m.path, () => m.value as string);
    case 'bad-key': {
      const copy = structuredClone(doc) as Record<string | number, unknown>;
      let at = copy;
      for (const k of m.path) at = at[k] as Record<string | number, unknown>;
      at[m.key] = 'x';
      return copy;
    }
    case 'deep': {
      let deep: unknown = 'x';
      for (let i = 0; i < m.depth; i++) deep = { extension: [{ url: 'http://x', valueString: 'y', nested: deep }] };
      return { ...(doc as object), meta: deep };
    }
    case 'wide':
      return { ...(doc as object), extension: Array.from({ length: m.items }, (_, i) => ({ url: `http://x/${i}`, valueString: 'y' })) };
    case 'wrapped':
      return { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: doc }] };
  }
}

/** The element a bad-leaf / bad-key mutation must be named by (root: the body's resourceType). */
export function expectedExpression(root: string, m: JsonMutation): string | undefined {
  if (m.kind === 'bad-leaf') return expressionOf(root, m.path);
  if (m.kind === 'bad-key') return expressionOf(root, m.path);
  return undefined;
}

// ---- X12 mutations of the real samples -----------------------------------------------------------

/** The public X12 samples, read in place (see SOURCES.md beside them). */
export const X12_FILES: { name: string; text: string }[] = readdirSync(X12_SAMPLES)
  .filter((f) => f !== 'SOURCES.md')
  .map((f) => ({ name: f, text: readFileSync(path.join(X12_SAMPLES, f), 'utf8') }));

export const SAMPLE_278 = X12_FILES.find((f) => f.name.includes('278'))!;

const X12_ODD = ['*', '~', ':', '^', ' ', '\u0000', '\r', '\n', '|', '?', 'é', '\ud800', '\u0085', '\u007f', 'A', '1', '', '\ufeff'];

export type X12Mutation =
  | { kind: 'byte'; at: number; op: 'insert' | 'replace' | 'delete'; char: string }
  | { kind: 'delimiter'; which: 'element' | 'component' | 'terminator' | 'repetition'; char: string }
  | { kind: 'drop-isa16' }
  | { kind: 'all-separators'; char: string }
  | { kind: 'segment'; index: number; op: 'drop' | 'duplicate' | 'swap' }
  | { kind: 'envelope'; field: 'GE01' | 'IEA01' | 'SE01' | 'ISA13' | 'ST02' | 'GS06' | 'ST01' | 'AK2'; value: string };

export const x12Mutation: fc.Arbitrary<X12Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), op: fc.constantFrom('insert' as const, 'replace' as const, 'delete' as const), char: fc.constantFrom(...X12_ODD) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delimiter' as const), which: fc.constantFrom('element' as const, 'component' as const, 'terminator' as const, 'repetition' as const), char: fc.constantFrom(...X12_ODD) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'drop-isa16' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('all-separators' as const), char: fc.constantFrom(' ', '~', ':', '^', 'X', '\u0000') }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('segment' as const), index: fc.nat(), op: fc.constantFrom('drop' as const, 'duplicate' as const, 'swap' as const) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('envelope' as const),
      field: fc.constantFrom('GE01' as const, 'IEA01' as const, 'SE01' as const, 'ISA13' as const, 'ST02' as const, 'GS06' as const, 'ST01' as const, 'AK2' as const),
      value: fc.oneof(fc.constantFrom('2', '0', '', '?', '001', '1234567890', 'ABC', '78', '\u0000', 'é9', '12 34'), fc.string({ maxLength: 12 })),
    }),
  },
);

function splitIsa(text: string): { e: string; component: number; terminator: number } {
  return { e: text[3]!, component: 104, terminator: 105 };
}

/** Applies a mutation to X12 text (the sample's ISA is 106 characters, as the samples' are). */
export function mutateX12(text: string, m: X12Mutation): string {
  const { e } = splitIsa(text);
  const t = text[105] ?? '~';
  switch (m.kind) {
    case 'byte': {
      const at = m.at % Math.max(1, text.length);
      if (m.op === 'insert') return text.slice(0, at) + m.char + text.slice(at);
      if (m.op === 'delete') return text.slice(0, at) + text.slice(at + 1);
      return text.slice(0, at) + m.char + text.slice(at + 1);
    }
    case 'delimiter': {
      const pos = m.which === 'element' ? 3 : m.which === 'component' ? 104 : m.which === 'terminator' ? 105 : 82;
      return text.slice(0, pos) + m.char + text.slice(pos + 1);
    }
    case 'drop-isa16':
      return text.slice(0, 104) + text.slice(105);
    case 'all-separators':
      return text.split(e).join(m.char);
    case 'segment': {
      const segs = text.split(t);
      const i = 1 + (m.index % Math.max(1, segs.length - 2));
      if (m.op === 'drop') segs.splice(i, 1);
      else if (m.op === 'duplicate') segs.splice(i, 0, segs[i]!);
      else if (segs[i + 1] !== undefined) [segs[i], segs[i + 1]] = [segs[i + 1]!, segs[i]!];
      return segs.join(t);
    }
    case 'envelope': {
      const segs = text.split(t);
      const find = (tag: string) => segs.findIndex((s) => s.replace(/^\s+/, '').startsWith(tag + e));
      const set = (tag: string, pos: number) => {
        const i = find(tag);
        if (i < 0) return;
        const f = segs[i]!.split(e);
        f[pos] = m.value;
        segs[i] = f.join(e);
      };
      const where: Record<typeof m.field, [string, number]> = { GE01: ['GE', 1], IEA01: ['IEA', 1], SE01: ['SE', 1], ISA13: ['ISA', 13], ST02: ['ST', 2], GS06: ['GS', 6], ST01: ['ST', 1], AK2: ['AK2', 1] };
      const [tag, pos] = where[m.field];
      set(tag, pos);
      return segs.join(t);
    }
  }
}

// ---- acknowledgments ---------------------------------------------------------------------------

/**
 * Every problem a partner's validator would find in an acknowledgment we wrote: our own validator's
 * verdict, bytes outside printable ASCII, and AK9 / IK5 / TA1 consistency (AK904 ≤ AK903; A and E
 * accept every set; P some; R none, and group codes mean R; without group codes AK904 counts the
 * IK5 A/E; every rejected set says why; a rejecting TA1 carries a note code, an accepting one 000).
 */
export function ackProblems(ack: string): string[] {
  const out: string[] = [];
  if (ack === '') return ['empty acknowledgment'];
  if (/[^\x20-\x7e\r\n]/.test(ack)) out.push(`bytes outside the X12 character sets: ${JSON.stringify(ack.match(/[^\x20-\x7e\r\n]/g))}`);
  const v = validateX12(ack);
  if (!v.accepted) out.push(`own validator rejects it: ${v.errors.slice(0, 3).map((e) => e.message).join(' | ')}`);
  const parsed = parseX12(ack);
  for (const ic of parsed.interchanges) {
    for (const ta1 of ic.ta1) {
      const [, , , status, note] = ta1.elements as string[];
      if (status === 'A' && note !== '000') out.push(`TA1 accepts with note ${note}`);
      if (status === 'R' && (!note || note === '000')) out.push('TA1 rejects without a note code');
    }
    for (const tx of ic.groups.flatMap((g) => g.transactions)) {
      const segs = tx.segments;
      const ak9 = segs.find((s) => s.tag === 'AK9');
      if (!ak9) continue;
      const [status, , received, accepted, ...groupCodes] = ak9.elements as string[];
      const n = Number(received);
      const a = Number(accepted);
      const ik5 = segs.filter((s) => s.tag === 'IK5');
      const ok = ik5.filter((s) => s.elements[0] === 'A' || s.elements[0] === 'E').length;
      if (a > n) out.push(`AK904 ${a} > AK903 ${n}`);
      if ((status === 'A' || status === 'E') && (a !== n || groupCodes.length > 0)) out.push(`AK9*${status} with ${a}/${n} accepted`);
      if (status === 'P' && !(a > 0 && a < n)) out.push(`AK9*P with ${a}/${n} accepted`);
      if (status === 'R' && a !== 0) out.push(`AK9*R with ${a} accepted`);
      if (groupCodes.length > 0 && status !== 'R') out.push('group codes without R');
      if (groupCodes.length === 0 && ok !== a) out.push(`AK904 ${a} but ${ok} IK5 A/E`);
      if (groupCodes.length > 0 && ik5.some((s) => s.elements[0] === 'A')) out.push('IK5*A under a rejected group');
      if (ik5.some((s) => s.elements[0] === 'R' && !s.elements[1])) out.push('IK5*R without a reason');
    }
  }
  return out;
}

/** The acknowledgment without what differs by design between two answers to the same input (envelope numbers, dates). */
export function ackContent(ack: string): string[] {
  return parseX12(ack).interchanges.flatMap((ic) => [
    ...ic.ta1.map((s) => `TA1*${(s.elements as string[])[0]}*${(s.elements as string[]).slice(3).join('*')}`),
    ...ic.groups.flatMap((g) => g.transactions.flatMap((tx) => tx.segments.filter((s) => !['ST', 'SE'].includes(s.tag)).map((s) => [s.tag, ...s.elements.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))].join('*')))),
  ]);
}

// ---- HTTP without a browser ---------------------------------------------------------------------

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  ms: number;
}

/** One request over a real socket: any method, headers and body (Buffer, string), from any local address. */
export function raw(url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer; localAddress?: string } = {}): Promise<RawResponse> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'GET', headers: init.headers, localAddress: init.localAddress, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** An answer is a clear refusal: an OperationOutcome with at least one issue that says something, no stack trace. */
export function clearRefusal(r: RawResponse): string | undefined {
  if (/\n\s+at .+:\d+/.test(r.text)) return 'a stack trace in the answer';
  const type = String(r.headers['content-type'] ?? '');
  if (type.includes('json')) {
    let body: { resourceType?: string; issue?: { diagnostics?: string }[] };
    try {
      body = JSON.parse(r.text);
    } catch {
      return 'JSON content type, but not JSON';
    }
    if (body.resourceType !== 'OperationOutcome' || !body.issue?.length || !body.issue.every((i) => (i.diagnostics ?? '').length > 0)) return `not a clear OperationOutcome: ${r.text.slice(0, 200)}`;
    return undefined;
  }
  if (type.includes('html')) return r.text.length > 50 ? undefined : 'an empty page';
  return `unexpected content type ${type}`;
}

// ---- the event loop ------------------------------------------------------------------------------

/** Watches this process's event loop (the gateway runs in it); `stop()` gives the longest delay in ms. */
export function loopMonitor(): { stop(): number } {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  return {
    stop() {
      h.disable();
      return h.max / 1e6;
    },
  };
}

// ---- nothing half-written ----------------------------------------------------------------------

/** Row counts of what a request writes; equal before and after a refused request. */
export async function writeCounts(db: Db): Promise<Record<string, number>> {
  const n = async (t: typeof requests | typeof messages | typeof jobs | typeof subscriptions | typeof auditEvents) => Number((await db.select({ n: count() }).from(t))[0]!.n);
  return { requests: await n(requests), messages: await n(messages), jobs: await n(jobs), subscriptions: await n(subscriptions) };
}
