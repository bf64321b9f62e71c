/**
 * CMS-0057-F metrics against a hand-computed expectation. The data set (January 2026) is seeded
 * through the real query functions; appeals and extensions through the staff actions.
 *
 *  #  payer    urgency    org  path (hours after submission)            extras
 *  1  pay-one  standard   A    certified @24
 *  2  pay-one  standard   A    denied @48                                appeal → approved
 *  3  pay-one  standard   A    pended @1, certified @96                  extended
 *  4  pay-one  standard   A    denied @30                                appeal → upheld
 *  5  pay-one  standard   A    pended @2 (no decision)
 *  6  pay-one  standard   A    rejected (AAA) @1 (not a determination)
 *  7  pay-one  expedited  A    certified @12
 *  8  pay-one  expedited  A    denied @36                                extended
 *  9  pay-one  expedited  A    modified @6
 * 10  pay-two  standard   B    certified @10
 * 11  pay-two  standard   B    partially_certified @20                   extended
 * 12  pay-two  standard   B    not_required @0.5 (the payer's NA)          not a determination
 * 13  pay-two  standard   B    certified @3 with decision NA (an earlier release's NA), moved by
 *                              migration 0015 to not_required              not a determination
 *  -  outside the period (2025-12-31, 2026-02-01) and an eligibility request: not counted
 */
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { requestById } from '../../src/db/queries/requests.ts';
import { recordAppeal, recordExtension, type StaffPrincipal } from '../../src/staff/index.ts';
import { staffDeps } from '../../src/staff/index.ts';
import { decisionTime } from '../../src/staff/metrics.ts';
import type { TestApp } from '../helpers/app.ts';
import { addStaff, Client, seedOrgs, seedRequest, staffTestApp } from './helpers.ts';

let t: TestApp;
let legacyNa: string;
let legacyStatus: string;
const admin: StaffPrincipal = { userId: 'x', username: 'metrics-admin', role: 'admin', orgId: null, csrf: '', tokenHash: '' };

beforeAll(async () => {
  t = await staffTestApp();
  const db = t.deps.db;
  await seedOrgs(db);
  await addStaff(db, 'boss', 'admin');
  await addStaff(db, 'anna', 'viewer', 'org-a');
  const A = { orgId: 'org-a', payerId: 'pay-one' };
  const id = async (r: Parameters<typeof seedRequest>[1]) => seedRequest(db, r);
  await id({ ...A, submitted: '2026-01-05T00:00:00Z', steps: [{ to: 'certified', at: 24 }] });
  const r2 = await id({ ...A, submitted: '2026-01-06T00:00:00Z', steps: [{ to: 'denied', at: 48 }] });
  const r3 = await id({ ...A, submitted: '2026-01-07T00:00:00Z', steps: [{ to: 'pended', at: 1 }, { to: 'certified', at: 96 }] });
  const r4 = await id({ ...A, submitted: '2026-01-08T00:00:00Z', steps: [{ to: 'denied', at: 30 }] });
  await id({ ...A, submitted: '2026-01-09T00:00:00Z', steps: [{ to: 'pended', at: 2 }] });
  await id({ ...A, submitted: '2026-01-10T00:00:00Z', steps: [{ to: 'sent', at: 0.5 }, { to: 'rejected', at: 1 }] });
  await id({ ...A, urgency: 'expedited', submitted: '2026-01-11T00:00:00Z', steps: [{ to: 'certified', at: 12 }] });
  const r8 = await id({ ...A, urgency: 'expedited', submitted: '2026-01-12T00:00:00Z', steps: [{ to: 'denied', at: 36 }] });
  await id({ ...A, urgency: 'expedited', submitted: '2026-01-13T00:00:00Z', steps: [{ to: 'modified', at: 6 }] });
  const B = { orgId: 'org-b', payerId: 'pay-two' };
  await id({ ...B, submitted: '2026-01-14T00:00:00Z', steps: [{ to: 'certified', at: 10 }] });
  const r11 = await id({ ...B, submitted: '2026-01-15T00:00:00Z', steps: [{ to: 'partially_certified', at: 20 }] });
  await id({ ...B, submitted: '2026-01-16T00:00:00Z', steps: [{ to: 'not_required', at: 0.5, decision: 'NA' }] });
  legacyNa = await id({ ...B, submitted: '2026-01-17T00:00:00Z', steps: [{ to: 'certified', at: 3, decision: 'NA' }] });
  legacyStatus = (await requestById(db, legacyNa))!.status;
  await db.execute(sql.raw(readFileSync(new URL('../../migrations/0015_not_required.sql', import.meta.url), 'utf8')));
  await id({ ...A, submitted: '2025-12-31T23:00:00Z', steps: [{ to: 'certified', at: 2 }] });
  await id({ ...A, submitted: '2026-02-01T00:00:00Z', steps: [{ to: 'denied', at: 2 }] });
  await id({ ...A, kind: 'eligibility', submitted: '2026-01-20T00:00:00Z', steps: [{ to: 'sent', at: 0 }] });
  const deps = staffDeps(t.deps);
  await recordAppeal(deps, admin, r2, 'approved');
  await recordAppeal(deps, admin, r4, 'upheld');
  for (const r of [r3, r8, r11]) await recordExtension(deps, admin, r);
});
afterAll(() => t.close());

const group = (requests: number, approved: number, denied: number, appealed: number, afterAppeal: number, extended: number, afterExt: number, pcts: (number | null)[], avg: number | null, median: number | null, avgMinutes = avg === null ? null : avg * 60, notRequired = 0) => ({
  requests,
  decided: approved + denied,
  approved,
  denied,
  notRequired,
  appealed,
  approvedAfterAppeal: afterAppeal,
  extended,
  approvedAfterExtension: afterExt,
  percentApproved: pcts[0],
  percentDenied: pcts[1],
  percentApprovedAfterAppeal: pcts[2],
  percentApprovedAfterExtension: pcts[3],
  averageDecisionHours: avg,
  medianDecisionHours: median,
  averageDecisionMinutes: avgMinutes,
  medianDecisionMinutes: median === null ? null : median * 60,
});

const EMPTY = group(0, 0, 0, 0, 0, 0, 0, [null, null, null, null], null, null);
const PAY_ONE = {
  payerId: 'pay-one',
  // decision hours 24, 48, 96, 30 → average 49.5, median (30 + 48) / 2 = 39
  standard: group(6, 2, 2, 2, 1, 1, 1, [50, 50, 25, 25], 49.5, 39),
  // 12, 36, 6 → average 18, median 12
  expedited: group(3, 2, 1, 0, 0, 1, 0, [66.7, 33.3, 0, 0], 18, 12),
  // 6, 12, 24, 30, 36, 48, 96 → 252 / 7 = 36, median 30
  all: group(9, 4, 3, 2, 1, 2, 1, [57.1, 42.9, 14.3, 14.3], 36, 30),
};
const PAY_TWO = {
  payerId: 'pay-two',
  // #12 and #13 needed no authorization: counted, not decided, not timed.
  standard: group(4, 2, 0, 0, 0, 1, 1, [100, 0, 0, 50], 15, 15, 900, 2),
  expedited: EMPTY,
  all: group(4, 2, 0, 0, 0, 1, 1, [100, 0, 0, 50], 15, 15, 900, 2),
};
const TOTAL = {
  payerId: 'all',
  // 10, 20, 24, 30, 48, 96 → 228 / 6 = 38, median (24 + 30) / 2 = 27
  standard: group(10, 4, 2, 2, 1, 2, 2, [66.7, 33.3, 16.7, 33.3], 38, 27, 2280, 2),
  expedited: PAY_ONE.expedited,
  // 6, 10, 12, 20, 24, 30, 36, 48, 96 → 282 / 9 = 31.3 h (1880 minutes), median 24
  all: group(13, 6, 3, 2, 1, 3, 2, [66.7, 33.3, 11.1, 22.2], 31.3, 24, 1880, 2),
};

describe('GET /api/metrics/cms (CMS-0057-F)', () => {
  it('matches the hand-computed metrics per payer, for standard and expedited, with appeals and extensions', async () => {
    const c = await new Client(t).loggedIn('boss');
    const res = await c.get('/api/metrics/cms?from=2026-01-01&to=2026-01-31');
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.from).toBe('2026-01-01T00:00:00.000Z');
    expect(body.to).toBe('2026-02-01T00:00:00.000Z');
    expect(body.payers).toEqual([PAY_ONE, PAY_TWO]);
    expect(body.total).toEqual(TOTAL);
  });

  it('does not count a request that needed no authorization (HCR01 NA) as approved, nor time it; an earlier release\'s NA "certified" is moved by migration 0015', async () => {
    expect(legacyStatus, 'as an earlier release stored it').toBe('certified');
    expect((await requestById(t.deps.db, legacyNa))!.status).toBe('not_required');
    const c = await new Client(t).loggedIn('boss');
    const body = await (await c.get('/api/metrics/cms?from=2026-01-16&to=2026-01-17')).json();
    expect(body.total.all).toMatchObject({ requests: 2, decided: 0, approved: 0, notRequired: 2, percentApproved: null, averageDecisionHours: null });
  });

  it('exports the same numbers as CSV', async () => {
    const c = await new Client(t).loggedIn('boss');
    const res = await c.get('/api/metrics/cms?from=2026-01-01&to=2026-01-31&format=csv');
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = parse(await res.text(), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(9);
    const std = rows.find((r) => r.payer_id === 'pay-one' && r.urgency === 'standard')!;
    expect(std).toMatchObject({ requests: '6', decided: '4', approved_after_appeal: '1', approved_after_extension: '1', percent_approved: '50', average_decision_hours: '49.5', median_decision_hours: '39' });
    const exp = rows.find((r) => r.payer_id === 'pay-two' && r.urgency === 'expedited')!;
    expect(exp).toMatchObject({ requests: '0', percent_approved: '', median_decision_hours: '' });
    expect(rows.find((r) => r.payer_id === 'pay-two' && r.urgency === 'standard')).toMatchObject({ requests: '4', decided: '2', approved: '2', not_required: '2' });
    expect(Object.keys(rows[0]!).at(-1), 'a column added later goes last').toBe('not_required');
  });

  it('counts only the organization of a scoped user', async () => {
    const c = await new Client(t).loggedIn('anna');
    const body = await (await c.get('/api/metrics/cms?from=2026-01-01&to=2026-01-31')).json();
    expect(body.payers.map((p: { payerId: string }) => p.payerId)).toEqual(['pay-one']);
    expect(body.total.all).toEqual(PAY_ONE.all);
  });

  it('rejects a bad period with 400', async () => {
    const c = await new Client(t).loggedIn('boss');
    expect((await c.get('/api/metrics/cms?from=2026-02-01&to=2026-01-01')).status).toBe(400);
    expect((await c.get('/api/metrics/cms?from=yesterday')).status).toBe(400);
    expect((await c.get('/api/metrics/cms?format=xml')).status).toBe(400);
  });

  it('draws the metrics page with two titled charts, times in hours or days', async () => {
    const c = await new Client(t).loggedIn('boss');
    const res = await c.get('/ui/metrics?from=2026-01-01&to=2026-01-31');
    const html = await res.text();
    expect(res.status, html).toBe(200);
    expect(html).toContain('<figcaption id="chart-shares-title">Share of determinations, by payer and urgency</figcaption>');
    expect(html).toContain('<figcaption id="chart-times-title">Time from submission to decision, by payer and urgency</figcaption>');
    expect(html).toContain('aria-label="pay-one · standard, approved: 50%"');
    // 49.5 h average, 39 h median (the hand-computed figures above).
    expect(html).toContain('aria-label="pay-one · standard, average: 2 d 2 h"');
    expect(html).toContain('aria-label="pay-one · standard, median: 39 h"');
  });

  it('shows decision times under an hour in minutes, never "0 h"', () => {
    expect(decisionTime(0.4)).toBe('< 1 min');
    expect(decisionTime(6)).toBe('6 min');
    expect(decisionTime(59.4)).toBe('59 min');
    expect(decisionTime(90)).toBe('1.5 h');
    expect(decisionTime(49.5 * 60)).toBe('2 d 2 h');
    expect(decisionTime(null)).toBe('—');
  });
});
