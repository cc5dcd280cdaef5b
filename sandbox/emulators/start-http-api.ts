import type { Server } from 'node:http';
import { FunctionError, type LocalFunctions } from './functions.ts';
import { apiCorsOf } from './http-api/from-template.ts';
import type { TokenIssuer } from './http-api/jwt-issuer.ts';
import type { IamCredentials } from './http-api/sigv4.ts';
import { createHttpApiServer } from './http-api-server.ts';
import type { SandboxIam } from './iam.ts';
import type { SandboxLog } from './log.ts';
import { listen } from './net.ts';
import type { TemplateResolver } from './template.ts';

/**
 * API Gateway HTTP API on `port`: the template's routes, their JWT issuers and `httpApiCaller` for the
 * IAM routes; it calls a function as apigateway.amazonaws.com, which the function's permission must allow.
 */
export async function startHttpApi(options: {
  readonly resolver: TemplateResolver;
  readonly iam: SandboxIam;
  readonly log: SandboxLog;
  readonly functions: LocalFunctions;
  readonly issuers: ReadonlyMap<string, TokenIssuer>;
  readonly httpApiCaller: { readonly userName: string; readonly credentials: IamCredentials };
  readonly appUrl: string | undefined;
  readonly port: number;
}): Promise<{ server: Server; url: string }> {
  const { resolver, iam, functions } = options;
  const { region, accountId } = resolver.env;
  const server = createHttpApiServer({
    resolver,
    invoke: async (id, event) => {
      const context = (event as { requestContext?: { apiId?: string; stage?: string; routeKey?: string } })
        .requestContext;
      const [method, path] = String(context?.routeKey ?? 'ANY /').split(' ');
      const sourceArn = `arn:aws:execute-api:${region}:${accountId}:${context?.apiId}/${context?.stage}/${method}${path}`;
      const denial = await iam.authorizeService('apigateway.amazonaws.com', sourceArn, {
        action: 'lambda:InvokeFunction',
        resource: resolver.arn(id),
      });
      if (denial) throw new FunctionError('AccessDeniedException', denial.message);
      return functions.invoke(id, event);
    },
    issuers: options.issuers,
    iam: options.httpApiCaller.credentials,
    iamUserName: options.httpApiCaller.userName,
    log: options.log,
    cors: apiCorsOf(resolver, options.appUrl),
  });
  const port = await listen(server, options.port, 'HTTP API (SANDBOX_API_PORT)');
  return { server, url: `http://127.0.0.1:${port}` };
}
