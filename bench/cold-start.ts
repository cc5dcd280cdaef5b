import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import {
  bundleHandler,
  HANDLER_BUILD_OPTIONS,
  HANDLER_BUNDLE_FILE,
  handlerSource,
} from '../lib/built-assets.ts';
import { REPO_ROOT } from '../sandbox/app/paths.ts';
import type { TemplateResolver } from '../sandbox/emulators/template.ts';
import { handlerSdkImports } from './handler-imports.ts';
import { median } from './stats.ts';

const run = promisify(execFile);

/** The bare one-client handler every function is compared with. */
const BASELINE_SOURCE = `
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
const client = new DynamoDBClient({});
export const handler = async (event) =>
  client.send(new UpdateItemCommand({ TableName: 'T', Key: { pk: { S: String(event.id) } }, UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': { N: '1' } } }));
`;

/** The client class of each SDK package a handler may load at init (a new one is named here, or the bench fails). */
const CLIENT_CLASSES: Readonly<Record<string, string>> = {
  '@aws-sdk/client-dynamodb': 'DynamoDBClient',
  '@aws-sdk/client-eventbridge': 'EventBridgeClient',
  '@aws-sdk/client-kms': 'KMSClient',
  '@aws-sdk/client-pinpoint-sms-voice-v2': 'PinpointSMSVoiceV2Client',
  '@aws-sdk/client-secrets-manager': 'SecretsManagerClient',
  '@aws-sdk/client-ses': 'SESClient',
};

/**
 * A bare handler that makes, at init, one client of each of `packages` and nothing else: what a function
 * loading those clients costs before any code of ours (its "clients alone" floor).
 */
export function clientsAloneSource(packages: readonly string[]): string {
  const classes = packages.map((name) => {
    const client = CLIENT_CLASSES[name];
    if (!client) throw new Error(`No client class known for ${name}: add it to CLIENT_CLASSES`);
    return { name, client };
  });
  return [
    ...classes.map(({ name, client }) => `import { ${client} } from '${name}';`),
    `const clients = [${classes.map(({ client }) => `new ${client}({})`).join(', ')}];`,
    'export const handler = async () => clients.length;',
  ].join('\n');
}

/** What Lambda sets for every function; each handler's own variables come from the template. */
const RUNTIME_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'x',
  AWS_SECRET_ACCESS_KEY: 'x',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/**
 * Each function's environment as the synthesized template sets it (references resolved), by the handler
 * folder its POWERTOOLS_SERVICE_NAME names: the bench reads what the stack writes, never a copy of it.
 */
export function handlerEnvironments(resolver: TemplateResolver): Map<string, Record<string, string>> {
  const environments = new Map<string, Record<string, string>>();
  for (const [, resource] of resolver.resourcesOfType('AWS::Lambda::Function')) {
    const environment = resource.Properties?.Environment as
      | { Variables?: Record<string, unknown> }
      | undefined;
    const variables = Object.fromEntries(
      Object.entries(environment?.Variables ?? {}).map(([name, value]) => [
        name,
        String(resolver.resolve(value)),
      ]),
    );
    if (variables.POWERTOOLS_SERVICE_NAME) environments.set(variables.POWERTOOLS_SERVICE_NAME, variables);
  }
  return environments;
}

/**
 * The variables the template sets on every function alike (NODE_OPTIONS among them): the baseline, one
 * more function of the same stack, runs with these.
 */
export function sharedEnvironment(environments: Map<string, Record<string, string>>): Record<string, string> {
  const [first, ...rest] = [...environments.values()];
  return Object.fromEntries(
    Object.entries(first ?? {}).filter(([name, value]) => rest.every((other) => other[name] === value)),
  );
}

/** A bundle as the stack builds it ({@link HANDLER_BUILD_OPTIONS}): the file and its size. */
interface Bundle {
  readonly file: string;
  readonly bytes: number;
}

/** `source` bundled by the stack's options into `outDir/<folder>`: the bundle's file. */
async function bundleSource(outDir: string, folder: string, source: string): Promise<string> {
  const file = join(outDir, folder, HANDLER_BUNDLE_FILE);
  await build({
    ...HANDLER_BUILD_OPTIONS,
    stdin: { contents: source, resolveDir: REPO_ROOT, loader: 'js' },
    outfile: file,
  });
  return file;
}

/**
 * Each handler's bundle by the stack's own function, the baseline's by the same options, and for each
 * handler the bare bundle of the SDK clients it loads at init ({@link clientsAloneSource}), into `outDir`.
 */
async function bundleAll(outDir: string, handlers: readonly string[]) {
  const sized = (file: string): Bundle => ({ file, bytes: statSync(file).size });
  const baseline = sized(await bundleSource(outDir, 'baseline', BASELINE_SOURCE));
  const floors = new Map<string, string>();
  const bundled = [];
  for (const name of handlers) {
    bundleHandler(name, join(outDir, name));
    const clients = (await handlerSdkImports(name)).atInit;
    const key = clients.join(' ');
    if (!floors.has(key))
      floors.set(key, await bundleSource(outDir, `clients-${floors.size}`, clientsAloneSource(clients)));
    bundled.push({
      name,
      clients,
      clientsAloneFile: floors.get(key) as string,
      ...sized(join(outDir, name, HANDLER_BUNDLE_FILE)),
    });
  }
  return { baseline, handlers: bundled };
}

/** One module init: its wall time and the CPU time of all the process's threads, in ms. */
interface InitSample {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** Module init of a bundle in a fresh Node process. */
async function initTime(
  node: string,
  file: string,
  environment: Record<string, string>,
): Promise<InitSample> {
  const probe = `const c=process.cpuUsage(),t=performance.now();await import(${JSON.stringify(`file://${file}`)});const w=performance.now()-t,u=process.cpuUsage(c);process.stdout.write(JSON.stringify({wallMs:w,cpuMs:(u.user+u.system)/1000}));`;
  const { stdout } = await run(node, ['--input-type=module', '-e', probe], {
    env: { ...RUNTIME_ENV, ...environment, PATH: process.env.PATH ?? '' },
  });
  return JSON.parse(stdout) as InitSample;
}

/**
 * Bundle size and module init of every handler beside the bare baseline and beside its clients alone.
 * Each of `rounds` rounds times every handler, the baseline and its clients alone one after another, in
 * an order that rotates by round, so machine load and drift fall on each alike; each time is the median
 * of its `rounds` processes, each ratio the median of the rounds' own ratios. Times are CPU time (all
 * threads): in Lambda a 256 MB function's threads share a fraction of one vCPU, so its init lasts about
 * that long, and CPU time holds steady on shared cores where wall time does not. Wall time is kept beside.
 */
export async function measureColdStarts(
  rounds: number,
  environments: Map<string, Record<string, string>>,
  node = process.execPath,
) {
  const outDir = mkdtempSync(join(tmpdir(), 'secure-delivery-bench-'));
  // The AWS SDK stays external, as in Lambda, where the runtime provides it: here the repository's copy.
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(outDir, 'node_modules'), 'dir');
  const handlers = readdirSync(join(REPO_ROOT, 'lambdas')).filter((name) => existsSync(handlerSource(name)));
  for (const name of handlers)
    if (!environments.has(name)) throw new Error(`No function in the template runs lambdas/${name}`);
  const bundles = await bundleAll(outDir, handlers);
  const baselineEnvironment = sharedEnvironment(environments);
  type Samples = { init: InitSample[]; baseline: InitSample[]; clientsAlone: InitSample[] };
  const samples = new Map<string, Samples>(
    handlers.map((name) => [name, { init: [], baseline: [], clientsAlone: [] }]),
  );
  for (let round = 0; round < rounds; round++) {
    for (let index = 0; index < handlers.length; index++) {
      const bundle = bundles.handlers[(index + round) % handlers.length] as (typeof bundles.handlers)[number];
      const into = samples.get(bundle.name) as Samples;
      const timings = [
        async () => into.baseline.push(await initTime(node, bundles.baseline.file, baselineEnvironment)),
        async () => into.init.push(await initTime(node, bundle.file, environments.get(bundle.name) ?? {})),
        async () =>
          into.clientsAlone.push(await initTime(node, bundle.clientsAloneFile, baselineEnvironment)),
      ];
      // The three take turns at going first, so drift within a round falls on each alike.
      for (let turn = 0; turn < timings.length; turn++)
        await (timings[(turn + round) % timings.length] as () => Promise<number>)();
    }
  }
  rmSync(outDir, { recursive: true, force: true });
  const { stdout: version } = await run(node, ['--version']);
  const rows = bundles.handlers.map(({ name, bytes, clients }) => {
    const { init, baseline, clientsAlone } = samples.get(name) as Samples;
    const initMs = median(init.map((sample) => sample.cpuMs));
    const baselineInitMs = median(baseline.map((sample) => sample.cpuMs));
    const clientsAloneInitMs = median(clientsAlone.map((sample) => sample.cpuMs));
    const wallMs = median(init.map((sample) => sample.wallMs));
    const baselineWallMs = median(baseline.map((sample) => sample.wallMs));
    // Each ratio is the median of the rounds' own ratios: a round's three runs are adjacent in time and
    // share its load, which a ratio of medians taken over the whole run would not.
    const pairedRatio = (of: InitSample[]) =>
      median(of.map((sample, round) => sample.cpuMs / (baseline[round] as InitSample).cpuMs));
    return {
      name,
      bytes,
      clients,
      initMs,
      baselineInitMs,
      ratio: pairedRatio(init),
      clientsAloneInitMs,
      clientsAloneRatio: pairedRatio(clientsAlone),
      wallMs,
      baselineWallMs,
    };
  });
  return { baselineBytes: bundles.baseline.bytes, rounds, node: version.trim(), rows };
}
