/**
 * The staff UI in real Chromium against a whole gateway on loopback: requests are created for real
 * through `Claim/$submit` and the payer simulator (member id ending P pends, D denies). The demo
 * admin's first sign-in goes through TOTP enrolment (the test reads the secret off the page, as a
 * person would type it into an app); later sign-ins ask for a code. Screenshots go to
 * test/staff/artifacts/. Skipped only when /usr/bin/chromium is not installed.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.ts';
import { staffRoutes } from '../../src/staff/index.ts';
import { pasExample, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { addStaff, PASSWORD, totpAt } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'artifacts');
const haveChromium = existsSync(CHROMIUM);
// CI installs Chromium and sets this: there, a missing browser is a failure, not a skip.
if (!haveChromium && process.env.PRIORGATE_REQUIRE_BROWSER) throw new Error(`${CHROMIUM} is required for the browser tests`);
if (!haveChromium) console.warn(`[staff browser tests] skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);

let gw: TestGateway;
let server: ServerType;
let url: string;
let browser: Browser;
const ids: { pended?: string; denied?: string } = {};
const consoleErrors: string[] = [];
/** The demo admin's authenticator, once enrolled: its secret and the last time step it used. */
const phone: { secret?: string; lastStep: number } = { lastStep: 0 };

/** A code the server has not seen yet (each time step is accepted once; ±1 step of drift is allowed). */
function phoneCode(): string {
  const step = Math.max(Math.floor(Date.now() / 30_000), phone.lastStep + 1);
  phone.lastStep = step;
  return totpAt(phone.secret!, step * 30_000);
}

async function submit(example: string, memberId: string) {
  const r = await gw.submit(pasExample(example, memberId), await gw.token());
  expect(r.status, JSON.stringify(r.body).slice(0, 500)).toBe(200);
  return r.body.entry[0].resource.id as string;
}

async function newPage(): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  return page;
}

/** Signs in from /ui; for the demo admin, enrols TOTP the first time and gives a code after that. */
async function login(page: Page, username: string, password: string) {
  await page.goto(`${url}/ui`);
  await expect.poll(() => page.url()).toContain('/ui/login');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/ui/login')), page.click('button[type=submit]')]);
  const path = new URL(page.url()).pathname;
  if (path === '/ui/mfa/enrol') {
    expect(await page.locator('img.qr').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    phone.secret = ((await page.locator('#mfa-secret').textContent()) ?? '').replace(/\s/g, '');
    phone.lastStep = Math.floor(Date.now() / 30_000) - 1;
    await page.fill('input[name=code]', phoneCode());
    await Promise.all([page.waitForURL(`${url}/ui/mfa/enrol*`), page.click('form[action^="/ui/mfa/enrol"] button[type=submit]')]);
    expect(await page.locator('#recovery-codes li').count()).toBe(10);
    await Promise.all([page.waitForURL(`${url}/ui`), page.click('#continue')]);
  } else if (path === '/ui/mfa') {
    await page.fill('input[name=code]', phoneCode());
    await Promise.all([page.waitForURL(`${url}/ui`), page.click('form[action^="/ui/mfa"] button[type=submit]')]);
  }
  expect(page.url()).toBe(`${url}/ui`);
}

describe.skipIf(!haveChromium)('staff UI in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // A pend stays pended for the whole test (the simulator would approve it after this delay).
    gw = await testGateway({ PRIORGATE_SIM_PEND_MS: '3600000', PRIORGATE_SYNC_WAIT_MS: '3000' });
    ids.pended = await submit('Bundle-SurgicalRequestBundleExample.json', 'BRW100P');
    ids.denied = await submit('Bundle-SurgicalRequestBundleExample.json', 'BRW200D');
    await addStaff(gw.database.db, 'browser-viewer', 'viewer');
    const app = createApp(gw.deps, [staffRoutes]);
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await gw?.stop();
  });

  it('logs in, filters the worklist, opens a pended and a denied request with their timelines, and logs out', async () => {
    const page = await newPage();
    await login(page, 'admin', gw.deps.config.demoPassword);
    await expect.poll(() => page.locator('#worklist-rows tr').count()).toBe(2);
    await page.screenshot({ path: path.join(ARTIFACTS, 'worklist.png'), fullPage: true });

    await page.selectOption('select[name=status]', 'pended');
    await Promise.all([page.waitForURL(/status=pended/), page.click('form.filters button[type=submit]')]);
    const rows = page.locator('#worklist-rows tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-id')).toBe(ids.pended);

    await Promise.all([page.waitForURL(`${url}/ui/requests/${ids.pended}`), page.click(`a[href="/ui/requests/${ids.pended}"]`)]);
    expect(await page.locator('h1 .badge').textContent()).toBe('pended');
    expect(await page.locator('table.lines').textContent()).toContain('A4 Pended');
    expect(await page.locator('ol.timeline').textContent()).toContain('Submitted by the provider');
    expect(await page.locator('ol.timeline').textContent()).toContain('sent → pended');

    await page.goto(`${url}/ui?status=denied`);
    await Promise.all([page.waitForURL(`${url}/ui/requests/${ids.denied}`), page.click(`a[href="/ui/requests/${ids.denied}"]`)]);
    expect(await page.locator('h1 .badge').textContent()).toBe('denied');
    expect(await page.locator('table.lines').textContent()).toContain('A3 Not certified');
    const timeline = (await page.locator('ol.timeline').textContent()) ?? '';
    expect(timeline).toContain('sent → denied');
    expect(timeline).toContain('Viewed');
    await page.locator('details.message').first().click();
    await page.screenshot({ path: path.join(ARTIFACTS, 'request-denied.png'), fullPage: true });

    // The live refresh endpoint answers the page's own fetch (same origin, session cookie).
    const fragment = await page.evaluate(async () => (await fetch('/ui/worklist/rows', { headers: { 'X-Priorgate-Refresh': '1' } })).text());
    expect(fragment).toContain('id="worklist-rows"');

    await Promise.all([page.waitForURL(/\/ui\/login/), page.click('form.who button[type=submit]')]);
    await page.goto(`${url}/ui`);
    expect(page.url()).toContain('/ui/login');
    expect(consoleErrors, consoleErrors.join('\n')).toEqual([]);
  }, 90_000);

  it('keeps a viewer out of the admin pages', async () => {
    const page = await newPage();
    await login(page, 'browser-viewer', PASSWORD);
    expect(await page.locator('header nav').textContent()).not.toContain('Admin');
    const res = await page.goto(`${url}/ui/admin`);
    expect(res?.status()).toBe(403);
    expect(await page.locator('main').textContent()).toContain('Your role (viewer) does not allow this');
  }, 60_000);

  it('shows the admin the audit chain as intact, and the metrics chart', async () => {
    const page = await newPage();
    await login(page, 'admin', gw.deps.config.demoPassword);
    await page.goto(`${url}/ui/admin`);
    expect(await page.locator('#audit-chain').textContent()).toMatch(/Intact: \d+ events verified/);
    await page.goto(`${url}/ui/metrics`);
    expect(await page.locator('svg.chart').count()).toBe(2);
    expect(await page.locator('table.metrics').textContent()).toContain('demo-payer');
    await page.screenshot({ path: path.join(ARTIFACTS, 'metrics.png'), fullPage: true });
  }, 60_000);
});
