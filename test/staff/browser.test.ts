/**
 * The staff UI in real Chromium against a whole gateway on loopback: every page at 1366 px and at
 * 390 px (no sideways scrolling, Log out on screen, zero serious or critical axe-core violations),
 * keyboard-only paths through the worklist and a request, focus kept across the live refresh.
 * Requests are created for real through `Claim/$submit` and the payer simulator (member ids ending
 * P pend, D deny, R are rejected, T never answer: with the fast rules copy they end in `error`);
 * Demo Clinic B has review before sending on, so its request waits in `review`. Screenshots go to
 * test/staff/artifacts/ (the README shows some).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestById } from '../../src/db/queries/requests.ts';
import { setReviewBeforeSend } from '../../src/db/queries/staff.ts';
import { pasExample } from '../helpers/gateway.ts';
import { ARTIFACTS, checkPage, DESKTOP, haveChromium, newPage, PHONE, signIn, startSite, until, type StaffSite } from './browser-kit.ts';
import { addStaff, PASSWORD } from './helpers.ts';

/** The screenshots kept in test/staff/artifacts/ (the README shows them). */
const SCREENSHOTS = {
  desktop: ['worklist-all', 'request-denied', 'request-review', 'request-error', 'metrics', 'eligibility', 'audit'],
  phone: ['worklist-all', 'request-error', 'metrics'],
};

let site: StaffSite;
const ids: Record<string, string> = {};
const violationsSeen: Record<string, number> = {};

async function submit(memberId: string, client = 'demo-clinic-a') {
  const r = await site.gw.submit(pasExample('Bundle-SurgicalRequestBundleExample.json', memberId), await site.gw.token(client));
  expect(r.status, JSON.stringify(r.body).slice(0, 500)).toBe(200);
  return r.body.entry[0].resource.id as string;
}

describe.skipIf(!haveChromium)('staff UI in Chromium: every page, both widths, keyboard, accessibility', () => {
  beforeAll(async () => {
    site = await startSite();
    const db = site.gw.database.db;
    await setReviewBeforeSend(db, 'demo-clinic-b', true);
    [ids.pended, ids.denied, ids.rejected, ids.error, ids.review] = await Promise.all([
      submit('BRW100P'),
      submit('BRW200D'),
      submit('BRW300R'),
      submit('BRW400T'),
      submit('BRW500A', 'demo-clinic-b'),
    ]);
    // The payer that never answers: two attempts of 1.5 s, then `error`.
    await until('the silent payer to end in error', async () => (await requestById(db, ids.error!))?.status === 'error');
    await addStaff(db, 'browser-viewer', 'viewer');
    await addStaff(db, 'browser-auditor', 'auditor');
  }, 120_000);

  afterAll(async () => {
    await site?.stop();
  });

  it('shows every page without sideways scrolling, with Log out on screen and no serious accessibility violations, at 1366 and 390 px', async () => {
    for (const viewport of [DESKTOP, PHONE]) {
      const { page, context } = await newPage(site, viewport);
      await page.goto(`${site.url}/ui/login`);
      await checkPage(page, 'login', viewport, { signedIn: false });
      await signIn(site, page, 'admin', site.gw.deps.config.demoPassword);
      const pages: [string, string][] = [
        ['worklist', '/ui'],
        ['worklist-all', '/ui?view=all'],
        ['request-pended', `/ui/requests/${ids.pended}`],
        ['request-denied', `/ui/requests/${ids.denied}`],
        ['request-rejected', `/ui/requests/${ids.rejected}`],
        ['request-error', `/ui/requests/${ids.error}`],
        ['request-review', `/ui/requests/${ids.review}`],
        ['eligibility', '/ui/eligibility'],
        ['audit', '/ui/audit'],
        ['metrics', '/ui/metrics'],
        ['quality', '/ui/quality'],
        ['health', '/ui/health'],
        ['payers', '/ui/payers'],
        ['admin', '/ui/admin'],
        ['clients', '/ui/admin/clients'],
        ['unmatched', '/ui/unmatched'],
        ['alerts', '/ui/admin/alerts'],
        ['sessions', '/ui/admin/sessions'],
        ['account', '/ui/account'],
      ];
      for (const [name, href] of pages) {
        const res = await page.goto(`${site.url}${href}`);
        expect(res?.status(), `${name}: ${href}`).toBe(200);
        const shot = SCREENSHOTS[viewport.width < 600 ? 'phone' : 'desktop'].includes(name);
        if (shot) await page.screenshot({ path: path.join(ARTIFACTS, `${name}${viewport.width < 600 ? '-phone' : ''}.png`), fullPage: name !== 'audit' });
        // Open the messages and previews too: what is inside must not widen the page either.
        for (const d of await page.locator('details').all()) await d.evaluate((el) => ((el as HTMLDetailsElement).open = true));
        const found = await checkPage(page, name, viewport);
        for (const v of found) violationsSeen[`${v.impact ?? 'none'} ${v.id}`] = (violationsSeen[`${v.impact ?? 'none'} ${v.id}`] ?? 0) + 1;
      }
      await context.close();
    }
    console.log(`[axe] every page, both widths: ${JSON.stringify(violationsSeen)} violations by impact and rule, over ${2 * 20} page loads (none serious or critical); screenshots in ${ARTIFACTS}`);
    expect(site.consoleErrors, site.consoleErrors.join('\n')).toEqual([]);
  }, 240_000);

  it('opens on "pended, due soonest first", says why and what next on each row, and shows the Claim identifier', async () => {
    const { page, context } = await newPage(site, DESKTOP);
    await signIn(site, page, 'clerk', site.gw.deps.config.demoPassword);
    await page.goto(`${site.url}/ui`);
    expect(await page.locator('.views a.current').textContent()).toBe('Pended, due soonest first');
    const rows = page.locator('#worklist-rows tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-id')).toBe(ids.pended);
    const pended = (await rows.first().textContent()) ?? '';
    expect(pended).toMatch(/Watch the deadline/);
    // The Claim identifier the provider knows (the IG example's 16139462398, made unique per submission).
    const claimId = (await page.locator('#worklist-rows tr th a').first().textContent()) ?? '';
    expect(claimId).toMatch(/^16139462398/);

    await page.click('.views a:has-text("Denied or rejected")');
    await page.waitForURL(/status=denied%2Crejected|status=denied,rejected/);
    const text = (await page.locator('#worklist-rows').textContent()) ?? '';
    expect(text).toContain("0U Service not covered under the member's plan");
    expect(text).toContain('72 Invalid/missing subscriber/insured ID');
    expect(text).toContain('there is nothing to appeal');
    // One click on Deadline sorts soonest first.
    await page.goto(`${site.url}/ui?view=all`);
    await Promise.all([page.waitForURL(/sort=deadline/), page.click('thead a:has-text("Deadline")')]);
    expect(page.url()).toContain('dir=asc');
    // Remembered: /ui opens with the last filters.
    await page.goto(`${site.url}/ui`);
    expect(await page.locator('.remembered').count()).toBe(1);
    expect(await page.locator('th[aria-sort]').textContent()).toContain('Deadline');
    await context.close();
  }, 60_000);

  it('reaches the first row in two Tab presses (skip link), opens it and acts on a request by keyboard alone', async () => {
    const { page, context } = await newPage(site, DESKTOP);
    await signIn(site, page, 'clerk', site.gw.deps.config.demoPassword);
    await page.goto(`${site.url}/ui?status=error`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to the requests');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe(`/ui/requests/${ids.error}`);
    await Promise.all([page.waitForURL(`${site.url}/ui/requests/${ids.error}`), page.keyboard.press('Enter')]);
    // The failed request says what happened and offers retry, resend, cancel and the payer's number.
    expect(await page.locator('#happened').textContent()).toMatch(/Delivery to Demo Health Plan failed after 2 attempts: .*no answer within 1500 ms/);
    // Not dressed up as pended: the badge says error, the lines say the payer has not decided, and
    // nothing claims the payer said "pended".
    expect(await page.locator('h1 .badge').textContent()).toBe('error');
    expect(await page.locator('table.lines').textContent()).toContain('No decision from the payer');
    expect(await page.locator('table.lines').textContent()).not.toContain('A4 Pended');
    expect(await page.locator('.disposition').allTextContents()).not.toEqual(expect.arrayContaining([expect.stringContaining('Demo Health Plan says')]));
    expect(await page.locator('.actions button').allTextContents()).toEqual(expect.arrayContaining(['Retry delivery', 'Resend as a new interchange', 'Cancel', 'Record the call']));
    expect(await page.locator('a[href^="tel:"]').textContent()).toBe('1-800-555-0199');
    expect(await page.locator('body').textContent()).not.toContain('Record appeal');
    // Keyboard only: Tab from the skip target to "Retry delivery", press Enter.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    let presses = 0;
    while ((await page.evaluate(() => document.activeElement?.textContent)) !== 'Retry delivery' && presses++ < 20) await page.keyboard.press('Tab');
    expect(presses, 'Tab presses from the content to "Retry delivery"').toBeLessThan(6);
    await Promise.all([page.waitForURL(/done=retry/), page.keyboard.press('Enter')]);
    expect(await page.locator('.notice').textContent()).toContain('Delivery queued again');
    expect(await page.locator('ol.timeline').textContent()).toContain('Delivery retried by staff:clerk');
    await context.close();
  }, 60_000);

  it('keeps keyboard focus on the same row across the live refresh', async () => {
    const { page, context } = await newPage(site, PHONE);
    await signIn(site, page, 'clerk', site.gw.deps.config.demoPassword);
    await page.goto(`${site.url}/ui?view=all`);
    const link = page.locator(`#worklist-rows a[href="/ui/requests/${ids.denied}"]`);
    await link.focus();
    const before = await page.locator('#worklist-rows').getAttribute('data-generated');
    await new Promise((r) => setTimeout(r, 5));
    await page.evaluate(() => document.dispatchEvent(new Event('priorgate:refresh')));
    await expect.poll(() => page.locator('#worklist-rows').getAttribute('data-generated')).not.toBe(before);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe(`/ui/requests/${ids.denied}`);
    await context.close();
  }, 60_000);

  it('shows a viewer neither admin nor action pages, and an auditor the audit trail but no request pages', async () => {
    const { page, context } = await newPage(site, PHONE);
    await signIn(site, page, 'browser-viewer', PASSWORD);
    expect(await page.locator('header nav').textContent()).not.toContain('Admin');
    await page.goto(`${site.url}/ui/requests/${ids.error}`);
    expect(await page.locator('.actions').count()).toBe(0);
    const res = await page.goto(`${site.url}/ui/admin`);
    expect(res?.status()).toBe(403);
    await checkPage(page, 'forbidden', PHONE);
    await context.close();

    const second = await newPage(site, DESKTOP);
    await signIn(site, second.page, 'browser-auditor', PASSWORD);
    await second.page.goto(`${site.url}/ui/audit?request=${ids.denied}`);
    const rows = second.page.locator('#audit-events tbody tr');
    expect(await rows.count()).toBeGreaterThan(2);
    // The auditor cannot open requests: ids are not links to them, but to their events.
    expect(await second.page.locator(`a[href="/ui/requests/${ids.denied}"]`).count()).toBe(0);
    expect(await second.page.locator(`a[href="/ui/audit?request=${ids.denied}"]`).count()).toBeGreaterThan(0);
    await checkPage(second.page, 'audit-auditor', DESKTOP);
    await second.context.close();
  }, 60_000);
});
