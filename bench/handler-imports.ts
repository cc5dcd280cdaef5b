import { join } from 'node:path';
import { build } from 'esbuild';
import { HANDLER_BUILD_OPTIONS, HANDLER_BUNDLE_FILE, handlerSource } from '../lib/built-assets.ts';
import { REPO_ROOT } from '../sandbox/app/paths.ts';

/** The AWS SDK packages a handler's bundle imports, as the stack builds it (the SDK external). */
export interface SdkImports {
  /** Imported by the bundle itself: loaded at the function's init. */
  readonly atInit: string[];
  /** Imported with `import()`: loaded when the path that needs them first runs. */
  readonly onFirstUse: string[];
}

/** The AWS SDK packages handler `handlerName`'s bundle imports, by when they load. */
export async function handlerSdkImports(handlerName: string): Promise<SdkImports> {
  const result = await build({
    ...HANDLER_BUILD_OPTIONS,
    entryPoints: [handlerSource(handlerName)],
    outfile: join(REPO_ROOT, 'cdk.out', 'analysis', handlerName, HANDLER_BUNDLE_FILE),
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const imports = Object.values(result.metafile.outputs).flatMap((output) => output.imports);
  const sdk = (kind: string) =>
    [
      ...new Set(imports.filter((i) => i.kind === kind && i.path.startsWith('@aws-sdk/')).map((i) => i.path)),
    ].sort();
  return { atInit: sdk('import-statement'), onFirstUse: sdk('dynamic-import') };
}
