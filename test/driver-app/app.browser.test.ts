/**
 * The driver app in a real Chromium against the sandbox (booted in-process on free ports): sign-in through
 * managed login with code + PKCE, every verify answer's screen, a lock after five wrong codes, token refresh
 * during a shift, the end of a shift, no signal at the door, and an axe-core check of every screen.
 */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser, PHONE, seriousAccessibilityFindings } from '../support/browser.ts';
import { handOver, type PageGlobals, shownText, signIn, submitAndWait } from '../support/driver-app-page.ts';
import { type Harness, readyForHandover, startHarness, wrongCodeFor } from '../support/sandbox-harness.ts';

let h: Harness;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let appUrl: string;
/** Every URL the page asked for, and every CSP violation or error it reported. */
const requested: string[] = [];
const pageProblems: string[] = [];
/** Everything the page wrote to its console. */
const consoleLines: string[] = [];

beforeAll(async () => {
  h = await startHarness();
  appUrl = h.sandbox.endpoints.driverAppUrl;
  browser = await launchBrowser();
  context = await browser.newContext({ ...PHONE, locale: 'en-GB' });
  page = await context.newPage();
  page.on('request', (request) => requested.push(request.url()));
  page.on('console', (message) => {
    consoleLines.push(message.text());
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
      pageProblems.push(message.text());
  });
  page.on('pageerror', (error) => pageProblems.push(error.message));
  await signIn(page, appUrl, 'D-APP-1');
});

afterAll(async () => {
  await browser?.close();
  await h?.stop();
});

describe('driver app: sign-in', () => {
  it('signs the driver in through managed login with the code grant and PKCE, and shows who is signed in', async () => {
    // Assess
    const login = h.sandbox.driverApp.login;
    expect(login.stats.codeGrants).toBe(1);
    expect(await page.textContent('#driver')).toBe('Signed in as D-APP-1');
    const authorize = requested.find((url) => url.includes('/oauth2/authorize'));
    expect(authorize).toBeDefined();
    const params = new URL(authorize as string).searchParams;
    expect(params.get('response_type')).toBe('code');
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('scope')).toBe('openid secure-delivery/verify');
    expect(params.get('prompt')).toBe('login');
    // The authorization code is dropped from the address bar once exchanged.
    expect(page.url()).toBe(`${appUrl}/`);
    expect(await seriousAccessibilityFindings(page)).toEqual([]);
  });
});

describe('driver app: the handover screen', () => {
  it('hands over with the right code and shows the time; the code is kept nowhere', async () => {
    // Prepare
    const { code } = await readyForHandover(h, 'APP-OK-1', 'D-APP-1');

    // Act
    const screen = await handOver(page, 'APP-OK-1', code);

    // Assess
    expect(screen).toBe('verified');
    expect((await shownText(page)).title).toBe('Handed over');
    expect((await shownText(page)).body).toMatch(/recorded at \d{2}:\d{2}/);
    await expectCodeKeptNowhere(page, code);
    expect(requested.filter((url) => url.includes(code))).toEqual([]);
    expect(consoleLines.filter((line) => line.includes(code))).toEqual([]);
    expect(await seriousAccessibilityFindings(page)).toEqual([]);
  });

  it('shows "already handed over" for a second handover of the same parcel', async () => {
    // Prepare
    const { code } = await readyForHandover(h, 'APP-TWICE-1', 'D-APP-1');
    await handOver(page, 'APP-TWICE-1', code);

    // Act
    const screen = await handOver(page, 'APP-TWICE-1', code);

    // Assess
    expect(screen).toBe('alreadyVerified');
    expect(await seriousAccessibilityFindings(page)).toEqual([]);
  });

  it('shows the tries left after a wrong code, keeps the parcel ID and empties the code field', async () => {
    // Prepare
    const { code } = await readyForHandover(h, 'APP-WRONG-1', 'D-APP-1');

    // Act
    const screen = await handOver(page, 'APP-WRONG-1', wrongCodeFor(code));

    // Assess
    expect(screen).toBe('wrongCode');
    expect((await shownText(page)).body).toContain('4 tries left');
    expect(await page.inputValue('#parcel-id')).toBe('APP-WRONG-1');
    expect(await page.inputValue('#code')).toBe('');
    expect(await page.isVisible('#handover-form')).toBe(true);
    expect(await seriousAccessibilityFindings(page)).toEqual([]);
  });

  it('locks after five wrong codes and tells the driver to record a failed attempt, even for the right code then', async () => {
    // Prepare
    const { code } = await readyForHandover(h, 'APP-LOCK-1', 'D-APP-1');
    const screens: (string | undefined)[] = [];

    // Act
    for (let attempt = 1; attempt <= 5; attempt++) {
      screens.push(await handOver(page, 'APP-LOCK-1', wrongCodeFor(code, attempt)));
    }
    const afterLock = await handOver(page, 'APP-LOCK-1', code);

    // Assess
    expect(screens).toEqual(['wrongCode', 'wrongCode', 'wrongCode', 'wrongCode', 'locked']);
    expect(afterLock).toBe('locked');
    expect((await shownText(page)).body).toMatch(/record a failed delivery attempt/);
    expect(await page.isVisible('#handover-form')).toBe(false);
    expect(await seriousAccessibilityFindings(page)).toEqual([]);
  });

  it('shows "not assigned to you" for another driver’s parcel', async () => {
    // Prepare
    const { code } = await readyForHandover(h, 'APP-OTHER-1', 'D-APP-OTHER');

    // Act
    const screen = await handOver(page, 'APP-OTHER-1', code);

    // Assess
    expect(screen).toBe('notAssigned');
    expect(await seriousAccessibilityFindings(page)).toEqual([]);
  });

  it('refuses a parcel with no code without telling more than the API does', async () => {
    // Act
    const screen = await handOver(page, 'APP-UNKNOWN-1', '123456');

    // Assess: 404 NOT_FOUND today, 403 NOT_ASSIGNED once unknown and not-yours answer alike.
    expect(['noCode', 'notAssigned']).toContain(screen);
    expect(await seriousAccessibilityFindings(page)).toEqual([]);
  });

  it('shows "code expired" for a code past its end', async () => {
    // Prepare
    const { code } = await readyForHandover(h, 'APP-EXPIRED-1', 'D-APP-1');
    await h.ddb.send(
      new UpdateItemCommand({
        TableName: h.tableName,
        Key: { parcelId: { S: 'APP-EXPIRED-1' } },
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': { N: String(Math.floor(Date.now() / 1000) - 60) } },
      }),
    );

    // Act
    const screen = await handOver(page, 'APP-EXPIRED-1', code);

    // Assess
    expect(screen).toBe('expired');
    expect(await seriousAccessibilityFindings(page)).toEqual([]);
  });

  it('shows "code replaced or cancelled" for a revoked code', async () => {
    // Prepare
    const { code } = await readyForHandover(h, 'APP-REVOKED-1', 'D-APP-1');
    await h.client.publish([{ detailType: 'Shipment Cancelled', detail: { parcelId: 'APP-REVOKED-1' } }]);
    await h.sandbox.settled();

    // Act
    const screen = await handOver(page, 'APP-REVOKED-1', code);

    // Assess
    expect(screen).toBe('revoked');
    expect(await seriousAccessibilityFindings(page)).toEqual([]);
  });

  it('refuses a 5-digit code in the app, so a typo costs no try', async () => {
    // Prepare
    const apiCalls = requested.filter((url) => url.includes('/verify')).length;

    // Act
    const screen = await handOver(page, 'APP-TYPO-1', '12345');

    // Assess
    expect(screen).toBe('invalidInput');
    expect(requested.filter((url) => url.includes('/verify')).length).toBe(apiCalls);
    expect(await seriousAccessibilityFindings(page)).toEqual([]);
  });

  it('says "busy, try again" on a 503, holds the retry for Retry-After, and then hands over', async () => {
    // Prepare
    const { code } = await readyForHandover(h, 'APP-BUSY-1', 'D-APP-1');
    h.sandbox.faults.dynamodb.inject({
      operation: 'DynamoDB_20120810.UpdateItem',
      status: 400,
      errorCode: 'ProvisionedThroughputExceededException',
      times: 10,
    });
    // The SDK's backoff jitter at its minimum: the same retries without waiting for them.
    const jitter = vi.spyOn(Math, 'random').mockReturnValue(0);

    // Act
    const busy = await handOver(page, 'APP-BUSY-1', code).finally(() => jitter.mockRestore());
    h.sandbox.faults.dynamodb.clear();
    const retryHeldFirst = await page.isDisabled('#retry');
    await page.waitForSelector('#retry:not([disabled])');
    const retried = await submitAndWait(page, '#retry');

    // Assess
    expect(busy).toBe('tryAgain');
    expect(retryHeldFirst).toBe(true);
    expect(retried).toBe('verified');
  });

  it('says "no connection" at the door without signal, keeps the code for a retry, and hands over once back online', async () => {
    // Prepare
    const { code } = await readyForHandover(h, 'APP-OFFLINE-1', 'D-APP-1');
    if (await page.isVisible('#next')) await page.click('#next');
    await page.fill('#parcel-id', 'APP-OFFLINE-1');
    await page.fill('#code', code);
    await context.setOffline(true);

    // Act
    const offline = await submitAndWait(page);
    const banner = await page.isVisible('#offline-banner');
    const findings = await seriousAccessibilityFindings(page);
    await context.setOffline(false);
    const retried = await submitAndWait(page, '#retry');

    // Assess
    expect(offline).toBe('offline');
    expect(banner).toBe(true);
    expect(findings).toEqual([]);
    expect(retried).toBe('verified');
    expect(await page.inputValue('#code')).toBe('');
  });

  it('opens from the service worker’s cached shell with no signal, and says checking needs the network', async () => {
    // Prepare
    await page.evaluate(
      () =>
        (globalThis as unknown as { navigator: { serviceWorker: { ready: Promise<unknown> } } }).navigator
          .serviceWorker.ready,
    );
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    await context.setOffline(true);

    // Act
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    const formShown = await page.isVisible('#handover-form');
    const banner = await page.textContent('#offline-banner');
    await context.setOffline(false);

    // Assess
    expect(formShown).toBe(true);
    expect(banner).toMatch(/needs the network/);
  });
});

describe('driver app: a shift', () => {
  it('refreshes an access token about to expire with the refresh token and hands over', async () => {
    // Prepare: a fresh sign-in whose access token lives 2 s.
    const login = h.sandbox.driverApp.login;
    const shift = await context.browser()?.newContext({ ...PHONE, locale: 'en-GB' });
    if (!shift) throw new Error('no browser');
    const shiftPage = await shift.newPage();
    login.accessTokenSecondsOverride = 2;
    await signIn(shiftPage, appUrl, 'D-APP-2');
    login.accessTokenSecondsOverride = undefined;
    const { code } = await readyForHandover(h, 'APP-REFRESH-1', 'D-APP-2');
    const refreshesBefore = login.stats.refreshGrants;
    await shiftPage.waitForTimeout(2100);

    // Act
    const screen = await handOver(shiftPage, 'APP-REFRESH-1', code);

    // Assess
    expect(screen).toBe('verified');
    expect(login.stats.refreshGrants).toBe(refreshesBefore + 1);
    await shift.close();
  });

  it('refreshes once and sends again when the API answers 401 to a token the app thought valid', async () => {
    // Prepare: the stored access token no longer passes the authorizer (as after a pool key rotation).
    const login = h.sandbox.driverApp.login;
    const { code } = await readyForHandover(h, 'APP-401-1', 'D-APP-1');
    await page.evaluate(() => {
      const { sessionStorage } = globalThis as unknown as {
        sessionStorage: {
          length: number;
          key(i: number): string | null;
          getItem(k: string): string | null;
          setItem(k: string, v: string): void;
        };
      };
      for (let i = 0; i < sessionStorage.length; i++) {
        const key = sessionStorage.key(i) ?? '';
        const user = JSON.parse(sessionStorage.getItem(key) ?? '{}') as { access_token?: string };
        if (user.access_token)
          sessionStorage.setItem(key, JSON.stringify({ ...user, access_token: 'not.a.token' }));
      }
    });
    const refreshesBefore = login.stats.refreshGrants;

    // Act
    const screen = await handOver(page, 'APP-401-1', code);

    // Assess
    expect(screen).toBe('verified');
    expect(login.stats.refreshGrants).toBe(refreshesBefore + 1);
  });

  it('asks the driver to sign in again when the refresh token is revoked, without sending the code', async () => {
    // Prepare
    const login = h.sandbox.driverApp.login;
    const shift = await context.browser()?.newContext({ ...PHONE, locale: 'en-GB' });
    if (!shift) throw new Error('no browser');
    const shiftPage = await shift.newPage();
    const verifyCalls: string[] = [];
    shiftPage.on('request', (request) => {
      if (request.url().includes('/verify')) verifyCalls.push(request.url());
    });
    login.accessTokenSecondsOverride = 1;
    await signIn(shiftPage, appUrl, 'D-APP-3');
    login.accessTokenSecondsOverride = undefined;
    login.globalSignOut('D-APP-3');
    await shiftPage.waitForTimeout(1100);

    // Act
    const screen = await handOver(shiftPage, 'APP-SIGNOUT-1', '123456');

    // Assess
    expect(screen).toBe('signInAgain');
    expect(verifyCalls).toEqual([]);
    expect(await shiftPage.isVisible('#signin')).toBe(true);
    expect(await seriousAccessibilityFindings(shiftPage)).toEqual([]);
    await shift.close();
  });

  it('asks the next driver for credentials on a shared handheld although managed login still remembers the previous one', async () => {
    // Prepare: the previous driver closed the app without ending the shift; managed login's session lives on.
    const login = h.sandbox.driverApp.login;
    const next = await context.newPage();
    const before = { ...login.stats };
    await next.goto(`${appUrl}/`);
    await next.waitForSelector('#signin:not([hidden])');

    // Act
    await next.click('#signin');
    await next.waitForSelector('#driverId');

    // Assess
    expect(login.stats.sessionSignIns).toBe(before.sessionSignIns);
    expect(login.stats.codeGrants).toBe(before.codeGrants);
    await next.close();
  });

  it('ends the shift: revokes the refresh token, ends the managed-login session, and the next sign-in asks for credentials', async () => {
    // Prepare
    const login = h.sandbox.driverApp.login;
    const revocationsBefore = login.stats.revocations;
    const endedBefore = login.stats.sessionsEnded;

    // Act
    await page.click('#signout');
    await page.waitForURL(`${appUrl}/`);
    await page.waitForSelector('#signin:not([hidden])');
    await page.click('#signin');
    await page.waitForSelector('#driverId');

    // Assess
    expect(login.stats.revocations).toBe(revocationsBefore + 1);
    expect(login.stats.sessionsEnded).toBe(endedBefore + 1);
    expect(requested.some((url) => url.includes('/logout?client_id='))).toBe(true);
    expect(
      await page.evaluate(() => JSON.stringify({ ...(globalThis as unknown as PageGlobals).sessionStorage })),
    ).not.toContain('access_token');
    await page.goto(`${appUrl}/`);
    await page.waitForSelector('body[data-ready="true"]');
  });
});

describe('driver app: what it loads and says', () => {
  it('asks nothing of any third party and breaks no rule of its Content Security Policy', () => {
    // Prepare
    const allowed = new Set(
      [appUrl, h.sandbox.endpoints.apiUrl, h.sandbox.endpoints.eventsEndpoint].map(
        (url) => new URL(url).origin,
      ),
    );

    // Act
    const origins = new Set(requested.map((url) => new URL(url).origin));

    // Assess
    expect([...origins].filter((origin) => !allowed.has(origin))).toEqual([]);
    expect(pageProblems).toEqual([]);
  });

  it('speaks German on a German phone', async () => {
    // Prepare
    const german = await context.browser()?.newContext({ ...PHONE, locale: 'de-DE' });
    if (!german) throw new Error('no browser');
    const germanPage = await german.newPage();

    // Act
    await germanPage.goto(`${appUrl}/`);
    await germanPage.waitForSelector('body[data-ready="true"]');

    // Assess
    expect(await germanPage.textContent('h1')).toBe('Sichere Übergabe');
    expect(await germanPage.getAttribute('html', 'lang')).toBe('de');
    expect(await seriousAccessibilityFindings(germanPage)).toEqual([]);
    await german.close();
  });

  it('fills the parcel ID from the label where the browser can detect barcodes, and offers typing where it cannot', async () => {
    // Prepare: a phone whose browser has BarcodeDetector and a camera (both stand-ins; headless has neither).
    const scanner = await context.browser()?.newContext({ ...PHONE, locale: 'en-GB' });
    if (!scanner) throw new Error('no browser');
    await scanner.addInitScript(() => {
      const scope = globalThis as unknown as Record<string, unknown> & {
        navigator: { mediaDevices: { getUserMedia: unknown } };
        HTMLMediaElement: { prototype: { play: unknown } };
      };
      scope.BarcodeDetector = class {
        async detect() {
          return [{ rawValue: ' APP-SCAN-1 ' }];
        }
      };
      scope.navigator.mediaDevices.getUserMedia = async () => new (scope.MediaStream as new () => unknown)();
      scope.HTMLMediaElement.prototype.play = async () => undefined;
    });
    const scannerPage = await scanner.newPage();
    await signIn(scannerPage, appUrl, 'D-APP-4');
    const typingOnly = await page.isVisible('#scan');

    // Act
    await scannerPage.click('#scan');
    await scannerPage.waitForFunction(
      () =>
        (globalThis as unknown as PageGlobals).document.getElementById('parcel-id')?.value === 'APP-SCAN-1',
    );

    // Assess
    expect(await scannerPage.inputValue('#parcel-id')).toBe('APP-SCAN-1');
    expect(typingOnly).toBe(false);
    expect(await page.textContent('#scan-hint')).toMatch(/cannot scan: type the parcel ID/);
    await scanner.close();
  });

  it('gives every button and field a touch target of at least 48 by 48 px and a one-time-code numeric code field', async () => {
    // Prepare
    await signIn(page, appUrl, 'D-APP-1');

    // Act
    const sizes = await page.$$eval('button:not([hidden]), input', (elements) =>
      elements
        .filter((element) => (element as unknown as { offsetParent: unknown }).offsetParent !== null)
        .map((element) => {
          const box = element.getBoundingClientRect();
          return { id: element.id, width: box.width, height: box.height };
        }),
    );
    const codeField = await page.$eval('#code', (input) => ({
      inputmode: input.getAttribute('inputmode'),
      autocomplete: input.getAttribute('autocomplete'),
    }));

    // Assess
    expect(sizes.length).toBeGreaterThan(2);
    for (const size of sizes) {
      expect(size.width, size.id).toBeGreaterThanOrEqual(48);
      expect(size.height, size.id).toBeGreaterThanOrEqual(48);
    }
    expect(codeField).toEqual({ inputmode: 'numeric', autocomplete: 'one-time-code' });
  });
});

/** Fails when the code appears anywhere the page keeps things: storage, the URL or history state. */
async function expectCodeKeptNowhere(page: Page, code: string): Promise<void> {
  const kept = await page.evaluate(() => {
    const { location, history, localStorage, sessionStorage, document } =
      globalThis as unknown as PageGlobals;
    return {
      url: location.href,
      history: JSON.stringify(history.state),
      local: JSON.stringify({ ...localStorage }),
      session: JSON.stringify({ ...sessionStorage }),
      field: document.getElementById('code')?.value ?? '',
    };
  });
  for (const [where, value] of Object.entries(kept)) expect(value, where).not.toContain(code);
}
