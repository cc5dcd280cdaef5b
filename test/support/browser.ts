/**
 * A real Chromium for the driver app's browser tests: the system's Chromium or Chrome where one is
 * installed, else the binary inside the `@sparticuz/chromium` npm package, so `npm ci && npm test` needs
 * no browser download.
 */
import { existsSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, chromium, type Page } from 'playwright-core';

const SYSTEM_BROWSERS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

const UNSAFE_FLAGS = [
  '--disable-web-security',
  '--allow-running-insecure-content',
  '--disable-site-isolation-trials',
  '--disable-features=AudioServiceOutOfProcess,IsolateOrigins',
  '--single-process',
];

/** Launches headless Chromium: the system's, or the npm package's. */
export async function launchBrowser(): Promise<Browser> {
  const system = SYSTEM_BROWSERS.find((path) => existsSync(path));
  if (system) return chromium.launch({ executablePath: system, headless: true, args: ['--no-sandbox'] });
  const sparticuz = (await import('@sparticuz/chromium')).default;
  return chromium.launch({
    executablePath: await sparticuz.executablePath(),
    // Its Lambda-tuned flags minus those that turn off what is under test (CORS, site isolation) or that
    // let one crashed context take the browser down (single process).
    args: sparticuz.args.filter((arg) => !UNSAFE_FLAGS.some((flag) => arg.startsWith(flag))),
    headless: true,
  });
}

/** A phone: what a driver holds at the door. */
export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};

/** axe-core's WCAG 2.2 A/AA findings of impact serious or critical on the page as it is now. */
export async function seriousAccessibilityFindings(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
    );
}
