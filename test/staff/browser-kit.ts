/**
 * What the staff browser tests share: real Chromium (one browser per test file), a whole gateway
 * on loopback with the staff pages, sign-in as a person does it (the demo admin enrols TOTP the
 * first time), the accessibility check (axe-core from npm, evaluated in the page) and the layout
 * checks (no sideways scrolling, Log out on screen). Skipped only when /usr/bin/chromium is missing
 * (CI sets PRIORGATE_REQUIRE_BROWSER=1 and then insists).
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { testGateway, type TestGateway } from '../helpers/gateway.ts';
import { fastRules, totpAt, until } from './helpers.ts';

export { fastRules, until };

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'artifacts');
export const haveChromium = existsSync(CHROMIUM);
// CI installs Chromium and sets this: there, a missing browser is a failure, not a skip.
if (!haveChromium && process.env.PRIORGATE_REQUIRE_BROWSER) throw new Error(`${CHROMIUM} is required for the browser tests`);
if (!haveChromium) console.warn(`[staff browser tests] skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);

export const DESKTOP = { width: 1366, height: 900 };
export const PHONE = { width: 390, height: 844 };

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface StaffSite {
  gw: TestGateway;
  url: string;
  browser: Browser;
  rulesDir: string;
  consoleErrors: string[];
  stop(): Promise<void>;
}

export async function startSite(env: Record<string, string> = {}, rulesDir = fastRules()): Promise<StaffSite> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const gw = await testGateway({ PRIORGATE_SIM_PEND_MS: '3600000', PRIORGATE_SYNC_WAIT_MS: '2500', PRIORGATE_RULES_DIR: rulesDir, ...env });
  // The gateway serves the staff pages itself (staffRoutes is one of its route groups).
  const url = gw.url;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const consoleErrors: string[] = [];
  return {
    gw,
    url,
    browser,
    rulesDir,
    consoleErrors,
    async stop() {
      await browser.close().catch(() => {});
      await gw.stop();
      rmSync(rulesDir, { recursive: true, force: true });
    },
  };
}

export async function newPage(site: StaffSite, viewport = DESKTOP): Promise<{ page: Page; context: BrowserContext }> {
  const context = await site.browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  // A page answered 4xx on purpose (a refused form, a 403) is logged by Chromium as a console
  // error; those are the tests' business. Anything else is a fault of the page.
  page.on('console', (m) => m.type() === 'error' && !/status of 4\d\d/.test(m.text()) && site.consoleErrors.push(`${page.url()}: ${m.text()}`));
  page.on('pageerror', (e) => site.consoleErrors.push(`${page.url()}: ${String(e)}`));
  return { page, context };
}

/** The demo admin's authenticator, once enrolled: its secret and the last time step it used. */
const phone: { secret?: string; lastStep: number } = { lastStep: 0 };

function phoneCode(): string {
  const step = Math.max(Math.floor(Date.now() / 30_000), phone.lastStep + 1);
  phone.lastStep = step;
  return totpAt(phone.secret!, step * 30_000);
}

/** Signs in from /ui (keyboard-free but as a person would); the demo admin enrols TOTP the first time. */
export async function signIn(site: StaffSite, page: Page, username: string, password: string) {
  await page.goto(`${site.url}/ui`);
  await expect.poll(() => page.url()).toContain('/ui/login');
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/ui/login')), page.click('main button[type=submit]')]);
  const where = new URL(page.url()).pathname;
  if (where === '/ui/mfa/enrol') {
    expect(await page.locator('img.qr').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    phone.secret = ((await page.locator('#mfa-secret').textContent()) ?? '').replace(/\s/g, '');
    phone.lastStep = Math.floor(Date.now() / 30_000) - 1;
    await page.fill('input[name=code]', phoneCode());
    await Promise.all([page.waitForURL(`${site.url}/ui/mfa/enrol*`), page.click('form[action^="/ui/mfa/enrol"] button[type=submit]')]);
    expect(await page.locator('#recovery-codes li').count()).toBe(10);
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/ui/mfa')), page.click('#continue')]);
  } else if (where === '/ui/mfa') {
    await page.fill('input[name=code]', phoneCode());
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/ui/mfa')), page.click('form[action^="/ui/mfa"] button[type=submit]')]);
  }
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * axe-core's WCAG 2.x A/AA and best-practice rules on the page as it is. The source is evaluated
 * through the DevTools protocol, which the page's CSP does not govern (no inline script is added).
 */
export async function axe(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const r = await (window as unknown as { axe: { run: (ctx: Document, o: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
}

/** Serious and critical violations, in words (the acceptance bar is none of them). */
export function serious(violations: AxeViolation[]): string[] {
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
}

/** How far the page scrolls sideways (0 when nothing is wider than the viewport). */
export function sideways(page: Page): Promise<{ overflow: number; widest: string }> {
  return page.evaluate(() => {
    const doc = document.documentElement;
    const overflow = Math.max(doc.scrollWidth, document.body.scrollWidth) - doc.clientWidth;
    let widest = '';
    if (overflow > 0) {
      let max = doc.clientWidth;
      for (const el of Array.from(document.querySelectorAll('body *'))) {
        const r = el.getBoundingClientRect();
        if (r.right > max) {
          max = r.right;
          widest = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${(el.getAttribute('class') ?? '').replace(/ /g, '.')} (${Math.round(r.right)} px)`;
        }
      }
    }
    return { overflow, widest };
  });
}

/** Is the element entirely inside the viewport without scrolling sideways? */
export function onScreen(page: Page, selector: string): Promise<boolean> {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.left >= 0 && r.right <= document.documentElement.clientWidth;
  }, selector);
}

/** The accessibility and layout checks every page must pass. */
export async function checkPage(page: Page, name: string, viewport: { width: number }, opts: { signedIn?: boolean } = {}) {
  const layout = await sideways(page);
  expect(layout.overflow, `${name} at ${viewport.width} px scrolls sideways: widest ${layout.widest}`).toBeLessThanOrEqual(0);
  if (opts.signedIn !== false) expect(await onScreen(page, 'form.who button'), `${name} at ${viewport.width} px: Log out is off-screen`).toBe(true);
  const violations = await axe(page);
  expect(serious(violations), `${name} at ${viewport.width} px`).toEqual([]);
  return violations;
}
