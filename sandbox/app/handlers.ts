/** How the sandbox finds this product's handler sources in its template. */
import { join } from 'node:path';
import { HANDLER_SOURCE_METADATA } from '../../lib/lambda-defaults.ts';
import type { HandlerResolver } from '../emulators/functions.ts';
import { REPO_ROOT } from './paths.ts';

/**
 * Each function's handler source, from the metadata `SecureDeliveryFunction` writes on it
 * (`lib/lambda-defaults.ts`), relative to the repository root; functions without it are not run.
 */
export const secureDeliveryHandlers: HandlerResolver = (_logicalId, resource) => {
  const source = resource.Metadata?.[HANDLER_SOURCE_METADATA];
  return typeof source === 'string' ? { path: join(REPO_ROOT, source), label: source } : undefined;
};
