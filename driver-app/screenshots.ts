/**
 * `npm run screenshots`: what drivers see, at phone size, in `docs/driver-app/`. Boots the sandbox
 * in-process on free ports and walks the app through sign-in and every answer; the browser tests check the
 * same states, this only takes the pictures.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from '../sandbox/app/paths.ts';
import { launchBrowser, PHONE } from '../test/support/browser.ts';
import { handOver, signIn } from '../test/support/driver-app-page.ts';
import {
  printFigure,
  readyForHandover,
  startHarness,
  wrongCodeFor,
} from '../test/support/sandbox-harness.ts';

const OUT = join(REPO_ROOT, 'docs', 'driver-app');

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const h = await startHarness();
  const browser = await launchBrowser();
  try {
    const appUrl = h.sandbox.endpoints.driverAppUrl;
    const shots: string[] = [];
    const shoot = async (page: Page, name: string) => {
      await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
      shots.push(name);
    };
    for (const locale of ['en-GB', 'de-DE'] as const) {
      const suffix = locale === 'de-DE' ? '-de' : '';
      const driver = `D-SHOT${suffix.toUpperCase()}`;
      // One device pixel per CSS pixel keeps the committed pictures small; the layout is the phone's.
      const context = await browser.newContext({ ...PHONE, deviceScaleFactor: 1, locale });
      const page = await context.newPage();
      await page.goto(`${appUrl}/`);
      await page.waitForSelector('body[data-ready="true"]');
      await shoot(page, `01-sign-in${suffix}`);
      await signIn(page, appUrl, driver);
      await shoot(page, `02-handover${suffix}`);
      const parcel = (name: string) => `SHOT${suffix.toUpperCase()}-${name}`;

      const ok = await readyForHandover(h, parcel('OK'), driver);
      await handOver(page, parcel('OK'), ok.code);
      await shoot(page, `03-handed-over${suffix}`);
      await handOver(page, parcel('OK'), ok.code);
      await shoot(page, `04-already-handed-over${suffix}`);

      const lock = await readyForHandover(h, parcel('LOCK'), driver);
      await handOver(page, parcel('LOCK'), wrongCodeFor(lock.code));
      await shoot(page, `05-wrong-code${suffix}`);
      for (let attempt = 2; attempt <= 5; attempt++)
        await handOver(page, parcel('LOCK'), wrongCodeFor(lock.code, attempt));
      await shoot(page, `06-locked${suffix}`);

      const expired = await readyForHandover(h, parcel('EXPIRED'), driver);
      await h.ddb.send(
        new UpdateItemCommand({
          TableName: h.tableName,
          Key: { parcelId: { S: parcel('EXPIRED') } },
          UpdateExpression: 'SET expiresAt = :past',
          ExpressionAttributeValues: { ':past': { N: String(Math.floor(Date.now() / 1000) - 60) } },
        }),
      );
      await handOver(page, parcel('EXPIRED'), expired.code);
      await shoot(page, `07-expired${suffix}`);

      const revoked = await readyForHandover(h, parcel('REVOKED'), driver);
      await h.client.publish([{ detailType: 'Shipment Cancelled', detail: { parcelId: parcel('REVOKED') } }]);
      await h.sandbox.settled();
      await handOver(page, parcel('REVOKED'), revoked.code);
      await shoot(page, `08-revoked${suffix}`);

      const other = await readyForHandover(h, parcel('OTHER'), `${driver}-OTHER`);
      await handOver(page, parcel('OTHER'), other.code);
      await shoot(page, `09-not-assigned${suffix}`);

      const busy = await readyForHandover(h, parcel('BUSY'), driver);
      h.sandbox.faults.dynamodb.inject({
        operation: 'DynamoDB_20120810.UpdateItem',
        status: 400,
        errorCode: 'ProvisionedThroughputExceededException',
        times: 10,
      });
      await handOver(page, parcel('BUSY'), busy.code);
      h.sandbox.faults.dynamodb.clear();
      await shoot(page, `10-try-again${suffix}`);

      const offline = await readyForHandover(h, parcel('OFFLINE'), driver);
      await context.setOffline(true);
      await handOver(page, parcel('OFFLINE'), offline.code);
      await shoot(page, `11-no-connection${suffix}`);
      await context.setOffline(false);
      await context.close();
    }
    printFigure(`${shots.length} screenshots in docs/driver-app/`);
  } finally {
    await browser.close();
    await h.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`screenshots failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
