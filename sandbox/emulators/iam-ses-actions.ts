import type { AuthorizationRequest } from './iam.ts';
import type { TemplateResolver } from './template.ts';

type Body = Record<string, unknown>;

const sesArnPrefix = (resolver: TemplateResolver) =>
  `arn:aws:ses:${resolver.env.region}:${resolver.env.accountId}`;

/** `Name <address>` or a bare address, split the way SES reads a Source header. */
function parseSource(source: string): { address: string; displayName?: string } {
  const match = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(source);
  if (match) return { address: (match[2] as string).trim(), displayName: (match[1] as string).trim() };
  return { address: source.trim() };
}

/**
 * The template identity a message from `address` is sent as: the address itself when it is an identity,
 * else its domain when only the domain is one; the address when the template names neither.
 */
export function sendingIdentityOf(resolver: TemplateResolver, address: string): string {
  const domain = address.split('@').pop() ?? address;
  const identities = resolver
    .resourcesOfType('AWS::SES::EmailIdentity')
    .map(([, identity]) => String(resolver.resolve(identity.Properties?.EmailIdentity)).toLowerCase());
  return !identities.includes(address.toLowerCase()) && identities.includes(domain.toLowerCase())
    ? domain
    : address;
}

/**
 * What sending a message asks IAM: `action` on the sending identity ({@link sendingIdentityOf}) and on
 * the configuration set, with `ses:FromAddress` and `ses:FromDisplayName` from the sender header.
 */
function sesSendAuthorization(
  action: string,
  message: { readonly source: string; readonly configurationSet?: string | null },
  resolver: TemplateResolver,
): AuthorizationRequest[] {
  const prefix = sesArnPrefix(resolver);
  const { address, displayName } = parseSource(message.source);
  const context: Record<string, string> = {
    'ses:FromAddress': address,
    ...(displayName ? { 'ses:FromDisplayName': displayName } : {}),
  };
  const { configurationSet } = message;
  return [
    { action, resource: `${prefix}:identity/${sendingIdentityOf(resolver, address)}`, context },
    ...(configurationSet
      ? [{ action, resource: `${prefix}:configuration-set/${configurationSet}`, context }]
      : []),
  ];
}

/**
 * What an SES v1 (query protocol) request asks IAM: for SendEmail and SendRawEmail, `ses:<Action>` on
 * the sending identity and the configuration set ({@link sesSendAuthorization}); any other action on `*`.
 */
export function sesAuthorization(form: URLSearchParams, resolver: TemplateResolver): AuthorizationRequest[] {
  const operation = form.get('Action') ?? 'Unknown';
  if (operation !== 'SendEmail' && operation !== 'SendRawEmail')
    return [{ action: `ses:${operation}`, resource: '*' }];
  return sesSendAuthorization(
    `ses:${operation}`,
    { source: form.get('Source') ?? '', configurationSet: form.get('ConfigurationSetName') },
    resolver,
  );
}

/** SES v2's operations the sandbox answers, by method and path (REST-JSON). */
const SES_V2_OPERATIONS: readonly [string, RegExp, string][] = [
  ['POST', /^\/v2\/email\/outbound-emails$/, 'SendEmail'],
  ['POST', /^\/v2\/email\/outbound-bulk-emails$/, 'SendBulkEmail'],
  ['GET', /^\/v2\/email\/account$/, 'GetAccount'],
  ['GET', /^\/v2\/email\/identities$/, 'ListEmailIdentities'],
  ['GET', /^\/v2\/email\/templates$/, 'ListEmailTemplates'],
  ['POST', /^\/v2\/email\/templates$/, 'CreateEmailTemplate'],
  ['POST', /^\/v2\/email\/templates\/[^/]+\/render$/, 'TestRenderEmailTemplate'],
  ['GET', /^\/v2\/email\/templates\/[^/]+$/, 'GetEmailTemplate'],
  ['PUT', /^\/v2\/email\/templates\/[^/]+$/, 'UpdateEmailTemplate'],
  ['DELETE', /^\/v2\/email\/templates\/[^/]+$/, 'DeleteEmailTemplate'],
];

/** The SES v2 operation a method and path name; undefined when the sandbox does not answer it. */
export function sesV2Operation(method: string, path: string): string | undefined {
  return SES_V2_OPERATIONS.find(([verb, pattern]) => verb === method && pattern.test(path))?.[2];
}

/** What an SES v2 request asks IAM: SendEmail as v1's ({@link sesSendAuthorization}); the rest on `*`. */
export function sesV2Authorization(
  operation: string,
  body: Body,
  resolver: TemplateResolver,
): AuthorizationRequest[] {
  if (operation !== 'SendEmail') return [{ action: `ses:${operation}`, resource: '*' }];
  return sesSendAuthorization(
    'ses:SendEmail',
    {
      source: String(body.FromEmailAddress ?? ''),
      configurationSet: typeof body.ConfigurationSetName === 'string' ? body.ConfigurationSetName : null,
    },
    resolver,
  );
}
