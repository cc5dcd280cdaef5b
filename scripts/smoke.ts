/**
 * `npm run smoke`: the post-deploy check (docs/deploy.md#smoke-test). One parcel through the product: shipped
 * to SES's mailbox simulator, its code email DELIVERED, a driver bound, a wrong code refused, the right one
 * accepted, the handover recorded, then cancelled and the driver removed. Prints each step with its duration
 * and exits 1 naming the first step that failed (2 on a usage error).
 *
 *   npm run smoke -- --stack <name> [--region <region>] [--driver-id <id> --driver-token-file <file>]
 *   npm run smoke -- --sandbox [--endpoints <file>]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runSmoke, type SmokeTarget, type StepOutcome } from './smoke/steps.ts';
import { NamedDriver, sandboxTarget, stackTarget } from './smoke/target.ts';

const USAGE =
  'usage: npm run smoke -- --stack <name> [--region <region>] [--driver-id <id> --driver-token-file <file>] [--timeout <seconds>]\n' +
  '       npm run smoke -- --sandbox [--endpoints .sandbox/endpoints.json] [--timeout <seconds>]';

const MARK: Record<StepOutcome['status'], string> = { passed: 'ok  ', failed: 'FAIL', skipped: 'skip' };

/** Runs the smoke test for the command line `args`; resolves to the process's exit code. */
export async function smokeMain(args: readonly string[], print: (line: string) => void): Promise<number> {
  let target: SmokeTarget;
  try {
    target = await targetOf(args);
  } catch (error) {
    print(error instanceof Error ? error.message : String(error));
    return 2;
  }
  print(`smoke test against ${target.description}`);
  print(`driver: ${target.drivers.description}`);
  const outcomes = await runSmoke(target, (outcome) => {
    const seconds = (outcome.ms / 1000).toFixed(1).padStart(5);
    print(`${MARK[outcome.status]} ${seconds} s  ${outcome.step}: ${outcome.detail}`);
  });
  const failed = outcomes.find((outcome) => outcome.status === 'failed');
  if (failed) {
    print(`smoke test FAILED at step "${failed.step}"`);
    return 1;
  }
  print(`smoke test passed: ${outcomes.length} steps`);
  return 0;
}

async function targetOf(args: readonly string[]): Promise<SmokeTarget> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      stack: { type: 'string' },
      region: { type: 'string' },
      sandbox: { type: 'boolean' },
      endpoints: { type: 'string' },
      'driver-id': { type: 'string' },
      'driver-token-file': { type: 'string' },
      timeout: { type: 'string' },
    },
    strict: true,
  });
  if (Boolean(values.sandbox) === Boolean(values.stack))
    throw new Error(`name --stack or --sandbox\n${USAGE}`);
  if (Boolean(values['driver-id']) !== Boolean(values['driver-token-file']))
    throw new Error(`--driver-id and --driver-token-file go together\n${USAGE}`);
  const driver = values['driver-id']
    ? new NamedDriver(values['driver-id'], readFileSync(values['driver-token-file'] ?? '', 'utf8').trim())
    : undefined;
  const seconds = Number(values.timeout ?? (values.sandbox ? 30 : 180));
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`--timeout must be seconds\n${USAGE}`);
  const common = { timeoutMs: seconds * 1000, ...(driver ? { driver } : {}) };
  if (values.sandbox) return sandboxTarget(values.endpoints ?? '.sandbox/endpoints.json', common);
  return stackTarget(values.stack ?? '', { ...common, ...(values.region ? { region: values.region } : {}) });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await smokeMain(process.argv.slice(2), (line) => console.log(line));
}
