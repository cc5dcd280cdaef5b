/** Drives the driver app in a browser page the way a driver does: sign in, type, tap (tests and screenshots). */
import type { Page } from 'playwright-core';

/** The few browser globals these helpers read inside the page (the test program has no DOM types). */
export interface PageGlobals {
  readonly location: { readonly href: string };
  readonly history: { readonly state: unknown };
  readonly localStorage: object;
  readonly sessionStorage: object;
  readonly document: {
    getElementById(
      id: string,
    ): { readonly value?: string; readonly dataset: Record<string, string | undefined> } | null;
  };
}

/** Opens the app, signs in through the (sandbox) managed login as `driverId`, back on the handover form. */
export async function signIn(page: Page, appUrl: string, driverId: string): Promise<void> {
  await page.goto(`${appUrl}/`);
  await page.waitForSelector('body[data-ready="true"]');
  if (await page.isVisible('#handover-form')) return;
  await page.click('#signin');
  await page.waitForSelector('#driverId');
  await page.fill('#driverId', driverId);
  await page.click('button[type="submit"]');
  await page.waitForURL(`${appUrl}/`);
  await page.waitForSelector('#handover-form:not([hidden])');
}

/** The screen shown now (`data-screen` of the answer), or undefined when no answer is shown. */
export async function shownScreen(page: Page): Promise<string | undefined> {
  if (!(await page.isVisible('#result'))) return undefined;
  return (await page.getAttribute('#result', 'data-screen')) ?? undefined;
}

/** Types a parcel ID and code, taps "Hand over" and waits for the next answer; returns its screen. */
export async function handOver(page: Page, parcelId: string, code: string): Promise<string | undefined> {
  if (await page.isVisible('#next')) await page.click('#next');
  await page.fill('#parcel-id', parcelId);
  await page.fill('#code', code);
  return submitAndWait(page);
}

/** Taps "Hand over" (or "Try again") and waits until a new answer is shown. */
export async function submitAndWait(page: Page, button = '#submit'): Promise<string | undefined> {
  const before = Number((await page.getAttribute('#result', 'data-answers')) ?? '0');
  await page.click(button);
  await page.waitForFunction(
    (count) =>
      Number(
        (globalThis as unknown as PageGlobals).document.getElementById('result')?.dataset.answers ?? '0',
      ) > count,
    before,
  );
  return shownScreen(page);
}

/** What the result box says now. */
export async function shownText(page: Page): Promise<{ title: string; body: string }> {
  return {
    title: (await page.textContent('#result-title')) ?? '',
    body: (await page.textContent('#result-body')) ?? '',
  };
}
