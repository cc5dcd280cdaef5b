import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpApiServer } from '../../../sandbox/emulators/http-api-server.ts';
import { SandboxLog } from '../../../sandbox/emulators/log.ts';
import { TemplateResolver } from '../../../sandbox/emulators/template.ts';

/** A one-route HTTP API template whose Lambda integration times out after `timeoutMs`. */
function resolverWithRoute(timeoutMs?: number): TemplateResolver {
  return new TemplateResolver(
    {
      Resources: {
        Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { ProtocolType: 'HTTP' } },
        Fn: { Type: 'AWS::Lambda::Function', Properties: {} },
        Integration: {
          Type: 'AWS::ApiGatewayV2::Integration',
          Properties: {
            ApiId: { Ref: 'Api' },
            IntegrationType: 'AWS_PROXY',
            IntegrationUri: { 'Fn::GetAtt': ['Fn', 'Arn'] },
            PayloadFormatVersion: '2.0',
            ...(timeoutMs === undefined ? {} : { TimeoutInMillis: timeoutMs }),
          },
        },
        Route: {
          Type: 'AWS::ApiGatewayV2::Route',
          Properties: { ApiId: { Ref: 'Api' }, RouteKey: 'POST /slow', Target: 'integrations/Integration' },
        },
      },
    } as never,
    { region: 'eu-central-1', accountId: '000000000000', stackName: 'Test' },
  );
}

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

/** Serves the template's API with `invoke` on a free port; returns its base URL. */
async function serve(resolver: TemplateResolver, invoke: () => Promise<unknown>): Promise<string> {
  const server = createHttpApiServer({
    resolver,
    invoke,
    issuers: new Map(),
    iam: { accessKeyId: 'AKIATEST', secretAccessKey: 'secret' },
    log: new SandboxLog(() => undefined),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stop = () => new Promise((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('HTTP API integration timeout', () => {
  it("answers 503 Service Unavailable when the function outlasts the integration's TimeoutInMillis", async () => {
    const url = await serve(resolverWithRoute(50), () => new Promise(() => undefined));

    const response = await fetch(`${url}/slow`, { method: 'POST' });

    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ message: 'Service Unavailable' });
  });

  it('answers with the function result when it returns within the timeout', async () => {
    const url = await serve(resolverWithRoute(), async () => ({ statusCode: 201, body: 'made' }));

    const response = await fetch(`${url}/slow`, { method: 'POST' });

    expect([response.status, await response.text()]).toEqual([201, 'made']);
  });
});
