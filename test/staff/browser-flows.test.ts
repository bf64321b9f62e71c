/**
 * Staff flows in real Chromium against a whole gateway: an eligibility roster dropped on the page
 * (drag and drop), its progress followed live, the results downloaded in roster order; a batch
 * against a slow payer cancelled from the page; a held request reviewed in the browser (a file
 * attached, approved by keyboard); the audit page filtered and exported. One browser for the file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestById } from '../../src/db/queries/requests.ts';
import { setReviewBeforeSend } from '../../src/db/queries/staff.ts';
import { createPayerSim } from '../../src/sim/payer-server.ts';
import { pasExample } from '../helpers/gateway.ts';
import { roster } from '../eligibility/fixtures.ts';
import { checkPage, DESKTOP, haveChromium, newPage, PHONE, signIn, startSite, until, type StaffSite } from './browser-kit.ts';
import { fastRules } from './helpers.ts';

let site: StaffSite;
let slowServer: ServerType;
const slow = createPayerSim({ pendMs: 3_600_000, delayMs: 400 });
const ROSTER = readFileSync('src/sim/examples/roster.csv', 'utf8');

/** Drops a file on the page's drop zone, as dragging it from the desktop does. */
async function dropRoster(page: import('playwright-core').Page, text: string, name = 'roster.csv') {
  await page.evaluate(
    ([content, file]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([content], file, { type: 'text/csv' }));
      const zone = document.getElementById('dropzone')!;
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    [text, name] as const,
  );
}

describe.skipIf(!haveChromium)('staff flows in Chromium', () => {
  beforeAll(async () => {
    const slowUrl = await new Promise<string>((resolve) => {
      slowServer = serve({ fetch: slow.app.fetch, port: 0, hostname: '127.0.0.1' }, (i) => resolve(`http://127.0.0.1:${i.port}/core`));
    });
    // A second payer that answers each 270 after 400 ms, one at a time: a batch that lasts.
    const rules = fastRules((dir) => {
      const demo = readFileSync(path.join(dir, 'payers', 'demo-payer.yaml'), 'utf8');
      writeFileSync(
        path.join(dir, 'payers', 'slow-payer.yaml'),
        demo.replace(/^id: demo-payer$/m, 'id: slow-payer').replace(/^name: .*$/m, 'name: Slow Plan').replace(/^maxConcurrency: \d+$/m, 'maxConcurrency: 2') + `endpoint: ${slowUrl}\n`,
      );
    });
    site = await startSite({}, rules);
    await setReviewBeforeSend(site.gw.database.db, 'demo-clinic-b', true);
  }, 120_000);

  afterAll(async () => {
    await site?.stop();
    slow.close();
    slowServer?.close();
  });

  it('checks a roster dropped on the page: live progress to the end, results downloaded in roster order', async () => {
    const { page, context } = await newPage(site, DESKTOP);
    await signIn(site, page, 'clerk', site.gw.deps.config.demoPassword);
    await page.goto(`${site.url}/ui/eligibility`);
    await dropRoster(page, ROSTER);
    expect(await page.locator('#roster-name').textContent()).toBe('Chosen: roster.csv');
    expect(await page.locator('#roster').evaluate((el) => (el as HTMLInputElement).files?.length)).toBe(1);
    await page.selectOption('select[name=payer]', 'demo-payer');
    await Promise.all([page.waitForURL(/done=started/), page.click('#upload button[type=submit]')]);
    const batch = page.locator('li.batch').first();
    // The page follows it without a reload.
    await until('the batch to finish on the page', async () => (await batch.getAttribute('data-status')) === 'done');
    expect(await batch.locator('.batch-done').textContent()).toBe('20 of 20 rows (100%)');
    expect(await batch.locator('.batch-counts').textContent()).toBe('active 12 · inactive 4 · error 4');
    expect(await batch.locator('.cancel-batch').count()).toBe(0);
    const [download] = await Promise.all([page.waitForEvent('download'), batch.locator('a[download]').click()]);
    const rows = parse(readFileSync((await download.path())!, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => Number(r.line))).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    expect(rows.filter((r) => r.status === 'error').every((r) => r.error_code === '72')).toBe(true);
    await checkPage(page, 'eligibility-after', DESKTOP);
    await context.close();
  }, 90_000);

  it('cancels a running batch from the page (phone width), and says why a bad roster was refused', async () => {
    const { page, context } = await newPage(site, PHONE);
    await signIn(site, page, 'clerk', site.gw.deps.config.demoPassword);
    await page.goto(`${site.url}/ui/eligibility`);
    await page.setInputFiles('#roster', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('id,name\n1,x\n') });
    await page.click('#upload button[type=submit]');
    expect(await page.locator('p.error').textContent()).toMatch(/^The batch was not started: roster: .*member_id/);
    await page.setInputFiles('#roster', { name: 'big.csv', mimeType: 'text/csv', buffer: Buffer.from(roster(200)) });
    await page.selectOption('select[name=payer]', 'slow-payer');
    await Promise.all([page.waitForURL(/done=started/), page.click('#upload button[type=submit]')]);
    const batch = page.locator('li.batch').first();
    await until('the slow batch to make progress', async () => Number(await batch.locator('progress').getAttribute('value')) > 0 || (await batch.locator('.batch-done').textContent())!.startsWith('1 '));
    await Promise.all([page.waitForURL(/done=cancelled/), batch.locator('.cancel-batch button').click()]);
    expect(await page.locator('li.batch').first().getAttribute('data-status')).toBe('cancelled');
    const done = Number((await page.locator('li.batch').first().locator('progress').getAttribute('value')) ?? '0');
    expect(done).toBeLessThan(200);
    await checkPage(page, 'eligibility-cancelled', PHONE);
    await context.close();
  }, 90_000);

  it('reviews a held request in the browser: attaches a file, approves it by keyboard, and it goes out', async () => {
    const r = await site.gw.submit(pasExample('Bundle-SurgicalRequestBundleExample.json', 'FLW100A'), await site.gw.token('demo-clinic-b'));
    const id = r.body.entry[0].resource.id as string;
    const { page, context } = await newPage(site, DESKTOP);
    await signIn(site, page, 'clerk', site.gw.deps.config.demoPassword);
    await page.goto(`${site.url}/ui?status=review`);
    expect(await page.locator(`#worklist-rows tr[data-id="${id}"]`).count()).toBe(1);
    await page.goto(`${site.url}/ui/requests/${id}`);
    expect(await page.locator('#happened').textContent()).toMatch(/Held for review before it is sent to Demo Health Plan/);
    await page.fill('input[name=title]', 'Cardiology consult note');
    await page.setInputFiles('input[name=file]', { name: 'consult.txt', mimeType: 'text/plain', buffer: Buffer.from('Triple-vessel disease.') });
    await Promise.all([page.waitForURL(/done=documents/), page.click('form[action$="/documents"] button[type=submit]')]);
    expect(await page.locator('#documents').textContent()).toContain('Cardiology consult note');
    // Approve by keyboard: focus the button and press Enter.
    await page.locator('button:has-text("Approve and send")').focus();
    await Promise.all([page.waitForURL(/done=approve/), page.keyboard.press('Enter')]);
    expect(await page.locator('.notice').textContent()).toBe('Approved: it is on its way to the payer.');
    await until('the payer decision', async () => (await requestById(site.gw.database.db, id))?.status === 'certified');
    await page.reload();
    expect(await page.locator('h1 .badge').textContent()).toBe('certified');
    expect(await page.locator('ol.timeline').textContent()).toMatch(/Documentation changed: 0 removed, 1 added.*Approved for sending by staff:clerk/s);
    await context.close();
  }, 90_000);

  it('filters the audit trail and exports what it shows as CSV', async () => {
    const { page, context } = await newPage(site, DESKTOP);
    await signIn(site, page, 'admin', site.gw.deps.config.demoPassword);
    await page.goto(`${site.url}/ui/audit`);
    expect(await page.locator('#audit-chain').textContent()).toMatch(/Intact: \d+ events verified/);
    await page.fill('input[name=actor]', 'staff:clerk');
    await page.selectOption('select[name=action]', 'request');
    await Promise.all([page.waitForURL(/actor=staff%3Aclerk/), page.click('form.filters button[type=submit]')]);
    const actions = await page.locator('#audit-events tbody tr td[data-label="What"] .sub').allTextContents();
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.every((a) => a.startsWith('request.'))).toBe(true);
    expect(actions).toEqual(expect.arrayContaining(['request.review.approve', 'request.review.documents']));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href^="/ui/audit.csv"]')]);
    const rows = parse(readFileSync((await download.path())!, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.length).toBe(actions.length);
    expect(rows.every((row) => row.actor === 'staff:clerk' && (row.action ?? '').startsWith('request.'))).toBe(true);
    // The request column links to the request.
    const link = page.locator('#audit-events tbody a[href^="/ui/requests/"]').first();
    await Promise.all([page.waitForURL(/\/ui\/requests\//), link.click()]);
    await context.close();
    expect(site.consoleErrors, site.consoleErrors.join('\n')).toEqual([]);
  }, 90_000);
});
