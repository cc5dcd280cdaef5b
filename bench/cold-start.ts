import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { REPO_ROOT } from '../sandbox/app/paths.ts';
import type { TemplateResolver } from '../sandbox/emulators/template.ts';
import { median } from './stats.ts';

const run = promisify(execFile);

/** The bare one-client handler every function is compared with. */
const BASELINE_SOURCE = `
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
const client = new DynamoDBClient({});
export const handler = async (event) =>
  client.send(new UpdateItemCommand({ TableName: 'T', Key: { pk: { S: String(event.id) } }, UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': { N: '1' } } }));
`;

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

/** Bundles one entry the way the stack does (minified ESM, CommonJS shim), returns the file and its size. */
async function bundle(
  entry: { path?: string; contents?: string },
  outDir: string,
  name: string,
): Promise<{ file: string; bytes: number }> {
  const outfile = join(outDir, `${name}.mjs`);
  await build({
    ...(entry.path
      ? { entryPoints: [entry.path] }
      : { stdin: { contents: entry.contents ?? '', resolveDir: REPO_ROOT, loader: 'js' } }),
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    mainFields: ['module', 'main'],
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
    logLevel: 'silent',
  });
  return { file: outfile, bytes: statSync(outfile).size };
}

/** Module-init time of a bundle in a fresh Node process, in ms (median of `runs`). */
async function initTime(
  file: string,
  runs: number,
  environment: Record<string, string> = {},
): Promise<number> {
  const probe = `const t=performance.now();await import(${JSON.stringify(`file://${file}`)});process.stdout.write(String(performance.now()-t));`;
  const times: number[] = [];
  for (let index = 0; index < runs; index++) {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', probe], {
      env: { ...RUNTIME_ENV, ...environment, PATH: process.env.PATH ?? '' },
    });
    times.push(Number(stdout));
  }
  return median(times);
}

/** Bundle size and init time of every handler beside the bare baseline, run alternately. */
export async function measureColdStarts(runs: number, environments: Map<string, Record<string, string>>) {
  const outDir = mkdtempSync(join(tmpdir(), 'secure-delivery-bench-'));
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}');
  const handlers = readdirSync(join(REPO_ROOT, 'lambdas')).filter((name) => {
    try {
      return statSync(join(REPO_ROOT, 'lambdas', name, 'handler.ts')).isFile();
    } catch {
      return false;
    }
  });
  const baseline = await bundle({ contents: BASELINE_SOURCE }, outDir, 'baseline');
  const rows = [];
  for (const name of handlers) {
    const built = await bundle({ path: join(REPO_ROOT, 'lambdas', name, 'handler.ts') }, outDir, name);
    // Measured alternately with the baseline so both see the same machine load.
    const baselineInit = await initTime(baseline.file, runs);
    const environment = environments.get(name);
    if (!environment) throw new Error(`No function in the template runs lambdas/${name}`);
    const init = await initTime(built.file, runs, environment);
    rows.push({
      name,
      bytes: built.bytes,
      initMs: init,
      baselineInitMs: baselineInit,
      ratio: init / baselineInit,
    });
  }
  return { baselineBytes: baseline.bytes, rows };
}
