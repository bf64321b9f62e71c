/**
 * The data-quality and payer-health pages in real Chromium against a whole gateway: a request with
 * pre-send warnings shows them on its page, the report draws its charts for rejections the payer
 * simulator made, the health page shows each payer. No script errors under the strict CSP.
 * Screenshots go to test/quality/artifacts/. Skipped only when /usr/bin/chromium is missing.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedRejection } from '../../src/sim/payer-server.ts';
import { pasExample, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { addStaffUser, STAFF_PASSWORD } from '../helpers/staff-http.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'artifacts');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.PRIORGATE_REQUIRE_BROWSER) throw new Error(`${CHROMIUM} is required for the browser tests`);
const SHARES = [{ code: '72', share: 0.3 }, { code: '73', share: 0.2 }];

let gw: TestGateway;
let browser: Browser;
let warned: string;
const errors: string[] = [];

async function signedIn(): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1300, height: 900 } })).newPage();
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${gw.url}/ui/login`);
  await page.fill('input[name=username]', 'quality-browser');
  await page.fill('input[name=password]', STAFF_PASSWORD);
  await Promise.all([page.waitForURL(`${gw.url}/ui`), page.click('button[type=submit]')]);
  return page;
}

describe.skipIf(!haveChromium)('data quality and payer health in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    gw = await testGateway({ PRIORGATE_HEALTH_INTERVAL_MS: '0' });
    const sim = gw.deps.services!.payers.get('demo-payer')!.endpoint!.replace(/\/core$/, '');
    await fetch(`${sim}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rejectShare: SHARES }) });
    const token = await gw.token();
    for (let i = 0; i < 8; i++) {
      const b = pasExample('Bundle-SurgicalRequestBundleExample.json', `QBRW${i}A`);
      if (i === 0) {
        // A bad NPI on the care team's role and a code deleted before the service date.
        b.entry.find((e: any) => e.resource.resourceType === 'PractitionerRole').resource.identifier = [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567890' }];
        b.entry[0].resource.diagnosis[0].diagnosisCodeableConcept.coding[0].code = 'M54.5';
        b.entry[0].resource.item[0].servicedDate = '2025-06-02';
        while (sharedRejection(b.entry[0].resource.identifier[0].value, SHARES)) b.entry[0].resource.identifier[0].value += '0';
      }
      const r = await gw.submit(b, token);
      expect(r.status).toBe(200);
      if (i === 0) warned = r.body.entry[0].resource.id;
    }
    await gw.deps.services!.health!.flush();
    await gw.deps.services!.health!.scanNow();
    await addStaffUser(gw.database.db, 'quality-browser', 'staff', 'demo-clinic-a');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });

  it('the request page lists its warnings; the report draws its charts; the health page shows each payer', async () => {
    const page = await signedIn();
    await page.goto(`${gw.url}/ui/requests/${warned}`);
    const warnings = page.locator('#quality-warnings li');
    expect(await warnings.count()).toBe(2);
    expect(await page.locator('#quality-warnings').textContent()).toContain('NPI fails its check digit');
    await page.screenshot({ path: path.join(ARTIFACTS, 'request-warnings.png'), fullPage: true });

    await page.click('nav a[href="/ui/quality"]');
    await page.waitForURL(`${gw.url}/ui/quality`);
    // The charts are staff-ux's accessible ones: a figure with a caption and a <meter> per bar.
    expect(await page.locator('figure.chart').count()).toBe(2);
    expect(await page.locator('figure.chart figcaption').first().textContent()).toBe('Payer rejections by reason');
    expect(await page.locator('figure.chart').first().locator('meter').count()).toBeGreaterThan(0);
    const reasons = await page.locator('tr.reason').count();
    expect(reasons).toBeGreaterThan(0);
    expect(await page.locator('tr.warning-kind').count()).toBe(2);
    await page.selectOption('select[name=group]', 'npi');
    await Promise.all([page.waitForURL(/group=npi/), page.click('form.filters button[type=submit]')]);
    expect(await page.locator('section.quality-group').getAttribute('data-group')).toBe('8189991234');
    await page.screenshot({ path: path.join(ARTIFACTS, 'quality-report.png'), fullPage: true });

    await page.click('nav a[href="/ui/health"]');
    await page.waitForURL(`${gw.url}/ui/health`);
    expect(await page.locator('section.payer-health').count()).toBe(2);
    expect(await page.locator('#payer-demo-payer').textContent()).toContain('Success rate100% of 8 calls');
    await page.screenshot({ path: path.join(ARTIFACTS, 'payer-health.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
