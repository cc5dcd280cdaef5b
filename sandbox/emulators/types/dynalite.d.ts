declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
    path?: string;
  }
  function dynalite(options?: DynaliteOptions): Server;
  export default dynalite;
}
declare module 'dynalite/db/index.js' {
  export function checkConditional(
    data: Record<string, unknown>,
    existingItem: unknown,
  ): Error | null | undefined;
}
