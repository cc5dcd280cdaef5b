import { fileURLToPath } from 'node:url';

/** Repository root (handler sources, the driver app and `.sandbox/` are found against it). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
