/**
 * A newcomer's path in a real Chromium against the sandbox (booted in-process): `npm run ship`'s work,
 * then the inbox page for the code and the driver app link it prints, where the handover needs nothing
 * typed but the code; the sign-in page fits a 320 px phone and the inbox a 390 px one.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeFromEmail } from '../../sandbox/app/client.ts';
import { parseShipArguments, type ShipResult, shipParcel } from '../../sandbox/app/ship-parcel.ts';
import { launchBrowser, PHONE, seriousAccessibilityFindings } from '../support/browser.ts';
import { type PageGlobals, shownText, submitAndWait } from '../support/driver-app-page.ts';
import { type Harness, startHarness } from '../support/sandbox-harness.ts';

let h: Harness;
let browser: Browser;
let shipped: ShipResult;

beforeAll(async () => {
  h = await startHarness();
  browser = await launchBrowser();
  shipped = await shipParcel(
    h.client,
    h.ddb,
    parseShipArguments(['--parcel', 'SHIP-APP-1', '--value', '2499.00', 'EUR']),
  );
});

afterAll(async () => {
  await browser?.close();
  await h?.stop();
});

/** How far the page's content reaches past the viewport's right edge, in CSS px (0: it fits). */
const overflow = (page: import('playwright-core').Page) =>
  page.evaluate(() => {
    const root = (
      globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
    ).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });

describe('npm run ship, then the inbox and the driver app', () => {
  it('ships for today and binds the parcel to the driver the sign-in page suggests', () => {
    // Assess
    expect(shipped).toMatchObject({
      parcelId: 'SHIP-APP-1',
      boundTo: 'D-DEMO',
      emailSubject: expect.any(String),
    });
    expect(shipped.deliveryDate).toBe(
      new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(new Date()),
    );
  });

  it('shows the code in plain text on the inbox page, readable at 390 px', async () => {
    // Prepare
    const [email] = await h.client.emailsTo('ship-app-1@example.com');
    const code = codeFromEmail(email?.text ?? '') as string;
    const page = await (await browser.newContext(PHONE)).newPage();

    // Act
    await page.goto(h.sandbox.endpoints.inboxUrl);
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point: the code visible without a toggle.
    const text = await page.innerText('main');

    // Assess
    expect(code).toMatch(/^\d{6}$/);
    expect(text).toContain(code);
    expect(text).toContain('ship-app-1@example.com');
    expect(await overflow(page)).toBe(0);
    expect(await seriousAccessibilityFindings(page)).toEqual([]);
    await page.context().close();
  });

  it('hands over in the driver app from the printed link, typing only the code, and the sign-in page fits 320 px', async () => {
    // Prepare
    const [email] = await h.client.emailsTo('ship-app-1@example.com');
    const code = codeFromEmail(email?.text ?? '') as string;
    const context = await browser.newContext({
      ...PHONE,
      viewport: { width: 320, height: 640 },
      locale: 'en-GB',
    });
    const page = await context.newPage();
    const appUrl = h.sandbox.endpoints.driverAppUrl;
    const typed: string[] = [];
    await page.exposeFunction('recordTyping', (id: string) => typed.push(id));
    await page.addInitScript(() => {
      const window = globalThis as unknown as {
        addEventListener: (
          type: string,
          listener: (event: { target: { id?: string } }) => void,
          capture: boolean,
        ) => void;
        recordTyping: (id: string) => void;
      };
      window.addEventListener('input', (event) => window.recordTyping(event.target.id ?? ''), true);
    });

    // Act
    await page.goto(`${appUrl}/?parcel=SHIP-APP-1`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.click('#signin');
    await page.waitForSelector('#driverId');
    const suggested = await page.inputValue('#driverId');
    const signInOverflow = await overflow(page);
    await page.click('button[type="submit"]');
    await page.waitForURL(`${appUrl}/`);
    await page.waitForSelector('#handover-form:not([hidden])');
    const filledParcel = await page.inputValue('#parcel-id');
    await page.type('#code', code);
    const screen = await submitAndWait(page);

    // Assess
    expect(suggested).toBe('D-DEMO');
    expect(signInOverflow).toBe(0);
    expect(filledParcel).toBe('SHIP-APP-1');
    expect(screen).toBe('verified');
    expect((await shownText(page)).title).toBe('Handed over');
    expect(new Set(typed)).toEqual(new Set(['code']));
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).location.href)).toBe(
      `${appUrl}/`,
    );
    await context.close();
  });
});
