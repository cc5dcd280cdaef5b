/**
 * The driver app in a real Chromium against the sandbox in its OIDC mode (`--drivers oidc`): the same
 * build, its `config.json` naming a generic OpenID Connect provider (no Cognito domain), endpoints from
 * the provider's discovery document; sign-in with code + PKCE and `prompt=login`, a handover, the end of a
 * shift at the provider's end-session endpoint.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_OIDC_DRIVERS } from '../../sandbox/app/settings.ts';
import { launchBrowser, PHONE } from '../support/browser.ts';
import { handOver, type PageGlobals, signIn } from '../support/driver-app-page.ts';
import { busEventsFor, type Harness, readyForHandover, startHarness } from '../support/sandbox-harness.ts';

let h: Harness;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let appUrl: string;
const requested: string[] = [];
const pageProblems: string[] = [];

beforeAll(async () => {
  h = await startHarness([], { drivers: 'oidc' });
  appUrl = h.sandbox.endpoints.driverAppUrl;
  browser = await launchBrowser();
  context = await browser.newContext({ ...PHONE, locale: 'en-GB' });
  page = await context.newPage();
  page.on('request', (request) => requested.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
      pageProblems.push(message.text());
  });
  page.on('pageerror', (error) => pageProblems.push(error.message));
  await signIn(page, appUrl, 'D-OIDC-APP-1');
});

afterAll(async () => {
  await browser?.close();
  await h?.stop();
});

describe('driver app with an OIDC provider', () => {
  it('signs in at the provider found through its discovery document, with code + PKCE and prompt=login', async () => {
    // Prepare
    const provider = h.sandbox.driverApp.login;
    const config = (await (await fetch(`${appUrl}/config.json`)).json()) as Record<string, string>;

    // Act
    const authorize = new URL(requested.find((url) => url.startsWith(provider.endpoint('authorize'))) ?? '');

    // Assess
    expect(config).toEqual({
      apiUrl: h.sandbox.endpoints.apiUrl,
      authority: provider.baseUrl,
      clientId: SANDBOX_OIDC_DRIVERS.webClientId,
      scope: `openid ${SANDBOX_OIDC_DRIVERS.scope}`,
    });
    expect(requested).toContain(`${provider.baseUrl}/.well-known/openid-configuration`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      client_id: SANDBOX_OIDC_DRIVERS.webClientId,
      response_type: 'code',
      code_challenge_method: 'S256',
      prompt: 'login',
      scope: `openid ${SANDBOX_OIDC_DRIVERS.scope}`,
    });
    expect(await page.textContent('#driver')).toBe('Signed in as D-OIDC-APP-1');
  });

  it('hands over the parcel whose Out For Delivery named the driver’s carrier id', async () => {
    // Prepare
    const { code } = await readyForHandover(h, 'OIDC-APP-OK-1', 'D-OIDC-APP-1');

    // Act
    const screen = await handOver(page, 'OIDC-APP-OK-1', code);
    await h.sandbox.settled();

    // Assess
    expect(screen).toBe('verified');
    expect(await busEventsFor(h, 'Parcel Handover Verified', 'OIDC-APP-OK-1')).toEqual([
      expect.objectContaining({ driverId: 'D-OIDC-APP-1' }),
    ]);
  });

  it('asks nothing of any third party and breaks no rule of its Content Security Policy', () => {
    // Prepare
    const allowed = new Set(
      [appUrl, h.sandbox.endpoints.apiUrl, h.sandbox.driverApp.login.baseUrl].map(
        (url) => new URL(url).origin,
      ),
    );

    // Act
    const origins = new Set(requested.map((url) => new URL(url).origin));

    // Assess
    expect([...origins].filter((origin) => !allowed.has(origin))).toEqual([]);
    expect(pageProblems).toEqual([]);
  });

  it('ends the shift at the provider’s end-session endpoint, and the next sign-in asks for credentials', async () => {
    // Prepare
    const provider = h.sandbox.driverApp.login;
    const before = { ...provider.stats };

    // Act
    await page.click('#signout');
    await page.waitForURL((url) => url.href.startsWith(`${appUrl}/`) && !url.search);
    await page.waitForSelector('#signin:not([hidden])');
    await page.click('#signin');
    await page.waitForSelector('#driverId');

    // Assess
    expect(provider.stats.revocations).toBe(before.revocations + 1);
    expect(provider.stats.sessionsEnded).toBe(before.sessionsEnded + 1);
    expect(requested.some((url) => url.startsWith(`${provider.endpoint('endSession')}?`))).toBe(true);
    expect(provider.stats.sessionSignIns).toBe(before.sessionSignIns);
    await page.goto(`${appUrl}/`);
    await page.waitForSelector('body[data-ready="true"]');
    expect(
      await page.evaluate(() => JSON.stringify({ ...(globalThis as unknown as PageGlobals).sessionStorage })),
    ).not.toContain('access_token');
  });
});
