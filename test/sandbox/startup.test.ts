import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { portsFromEnv, startSandbox } from '../../sandbox/app/sandbox.ts';
import { close, listen } from '../../sandbox/emulators/net.ts';

describe('sandbox start-up', () => {
  it('refuses a port already in use with an error that names the port and its variable', async () => {
    const holder = createServer();
    const port = await listen(holder, 0, 'test holder');

    const start = startSandbox({ ports: { api: port, aws: 0 }, write: () => undefined });

    await expect(start).rejects.toThrow(`Port ${port} for HTTP API (SANDBOX_API_PORT) is already in use`);
    await close(holder);
  });

  it('refuses a driver app port already in use, naming SANDBOX_DRIVER_APP_PORT', async () => {
    const holder = createServer();
    const port = await listen(holder, 0, 'test holder');

    const start = startSandbox({
      ports: { api: 0, aws: 0, driverApp: port },
      write: () => undefined,
    });

    await expect(start).rejects.toThrow(
      `Port ${port} for driver app (SANDBOX_DRIVER_APP_PORT) is already in use`,
    );
    await close(holder);
  });

  it('uses fixed default ports and lets each be overridden by its environment variable', () => {
    const defaults = portsFromEnv({});
    const overridden = portsFromEnv({
      SANDBOX_API_PORT: '5000',
      SANDBOX_AWS_PORT: '0',
      SANDBOX_DRIVER_APP_PORT: '5020',
    });

    expect(defaults).toEqual({ api: 4000, aws: 4010, driverApp: 4020 });
    expect(overridden).toEqual({ api: 5000, aws: 0, driverApp: 5020 });
    expect(() => portsFromEnv({ SANDBOX_AWS_PORT: 'http' })).toThrow(
      'SANDBOX_AWS_PORT must be a port number',
    );
  });
});
