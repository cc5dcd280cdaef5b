import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { parse as parseForm } from 'node:querystring';
import { queryErrorBody, readBody, readJsonBody } from './aws-protocol.ts';
import type { AcceptedMessage } from './ses-simulator.ts';
import type { TemplateResolver } from './template.ts';

/** SES's limit on recipients (To, Cc and Bcc together) of one message. */
const MAX_RECIPIENTS = 50;
/** SES v1 SendEmail's limit on a message's size. */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/** SES v2's limit on a message's size. */
const MAX_V2_MESSAGE_BYTES = 40 * 1024 * 1024;
/** What the sandbox account may send: SES's starting quota outside the SES sandbox is larger; this is what GetSendQuota reports. */
const SEND_QUOTA = { Max24HourSend: 50_000, MaxSendRate: 14 };

/** What SES allows in a message tag's name and value. */
const MESSAGE_TAG = /^[A-Za-z0-9_-]{1,256}$/;

type Form = Record<string, string | string[] | undefined>;

/** An SES v1 (query protocol) error as SES sends it. */
function sendQueryError(response: ServerResponse, status: number, code: string, message: string): void {
  const body = queryErrorBody(code, message, 'http://ses.amazonaws.com/doc/2010-12-01/');
  response.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** An SES v2 (REST-JSON) error as SES sends it. */
function sendRestError(response: ServerResponse, type: string, message: string): void {
  const body = JSON.stringify({ message });
  response.writeHead(400, {
    'content-type': 'application/json',
    'x-amzn-errortype': type,
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

function sendQueryResult(response: ServerResponse, action: string, result: string): void {
  const body = `<${action}Response xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;
  response.writeHead(200, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** The address in `Name <address>` or a bare address. */
const addressOf = (mailbox: string): string => /<([^<>]*)>\s*$/.exec(mailbox)?.[1] ?? mailbox.trim();

/** The values of a query-protocol list (`Prefix.member.1`, `Prefix.member.2`, ...). */
function listOf(form: Form, prefix: string): string[] {
  const values: string[] = [];
  for (let index = 1; form[`${prefix}.member.${index}`] !== undefined; index++)
    values.push(String(form[`${prefix}.member.${index}`]));
  return values;
}

/** A message as either API describes it, for the checks both make. */
interface OutgoingMessage {
  readonly source: string;
  readonly recipients: readonly string[];
  readonly subject: string | undefined;
  readonly text: string | undefined;
  readonly html: string | undefined;
}

/**
 * What SES refuses of a message before sending it: a missing subject or body, no recipient or more than
 * 50, a malformed address, a sender that is no identity of the template (when it declares any), a message
 * over `maxBytes`. Returns [v1 error code, message], or undefined.
 */
function refuseMessage(
  message: OutgoingMessage,
  identities: readonly string[],
  region: string,
  maxBytes: number,
): [string, string] | undefined {
  if (message.subject === undefined)
    return [
      'ValidationError',
      "1 validation error detected: Value null at 'message.subject' failed to satisfy constraint: Member must not be null",
    ];
  if (message.text === undefined && message.html === undefined)
    return ['InvalidParameterValue', 'Message body must have at least one of Text or Html.'];
  if (message.recipients.length === 0) return ['InvalidParameterValue', "Missing required header 'To'."];
  if (message.recipients.length > MAX_RECIPIENTS)
    return ['InvalidParameterValue', 'Recipient count exceeds 50.'];
  for (const mailbox of [message.source, ...message.recipients]) {
    const address = addressOf(mailbox);
    // ASCII only unless the domain is punycode: SES refuses raw non-ASCII and whitespace in addresses.
    if (!/^[!-~]+@[A-Za-z0-9.-]+$/.test(address) || /[\s<>()[\]\\,;:"]/.test(address.split('@')[0] ?? ''))
      return ['InvalidParameterValue', 'Illegal address'];
  }
  const source = addressOf(message.source).toLowerCase();
  const domain = source.split('@')[1] ?? '';
  if (
    identities.length > 0 &&
    !identities.some((identity) => identity.toLowerCase() === source || identity.toLowerCase() === domain)
  )
    return [
      'MessageRejected',
      `Email address is not verified. The following identities failed the check in region ${region.toUpperCase()}: ${source}`,
    ];
  const size = [message.subject, message.text, message.html].reduce(
    (sum, part) => sum + Buffer.byteLength(part ?? ''),
    0,
  );
  if (size > maxBytes)
    return ['MessageRejected', `Message length is more than ${maxBytes} bytes long: '${size}'.`];
  return undefined;
}

/** A v1 SendEmail form as a message. */
function formMessage(form: Form): OutgoingMessage {
  const text = (key: string) => (form[key] === undefined ? undefined : String(form[key]));
  return {
    source: String(form.Source ?? ''),
    recipients: ['Destination.ToAddresses', 'Destination.CcAddresses', 'Destination.BccAddresses'].flatMap(
      (prefix) => listOf(form, prefix),
    ),
    subject: text('Message.Subject.Data'),
    text: text('Message.Body.Text.Data'),
    html: text('Message.Body.Html.Data'),
  };
}

/** The configuration set and message tags of a v1 SendEmail form (`Tags.member.N.Name` / `.Value`). */
function formTags(form: Form): { configurationSetName?: string; tags: Record<string, string> } {
  const tags: Record<string, string> = {};
  for (let index = 1; form[`Tags.member.${index}.Name`] !== undefined; index++)
    tags[String(form[`Tags.member.${index}.Name`])] = String(form[`Tags.member.${index}.Value`] ?? '');
  const configurationSetName = form.ConfigurationSetName ? String(form.ConfigurationSetName) : undefined;
  return { ...(configurationSetName ? { configurationSetName } : {}), tags };
}

/** The configuration set and message tags of a v2 SendEmail request (`EmailTags`). */
function jsonTags(body: Record<string, unknown>): {
  configurationSetName?: string;
  tags: Record<string, string>;
} {
  const tags: Record<string, string> = {};
  if (Array.isArray(body.EmailTags))
    for (const tag of body.EmailTags as { Name?: unknown; Value?: unknown }[])
      if (typeof tag?.Name === 'string') tags[tag.Name] = String(tag.Value ?? '');
  const configurationSetName =
    typeof body.ConfigurationSetName === 'string' ? body.ConfigurationSetName : undefined;
  return { ...(configurationSetName ? { configurationSetName } : {}), tags };
}

/**
 * Calls `accepted` with the message id once the emulator answers `response` with a success (the id is in
 * its answer: `<MessageId>` for v1, `MessageId` for v2).
 */
function onAnswered(response: ServerResponse, accepted: (messageId: string) => void): void {
  const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
  (response as { end: (...args: unknown[]) => ServerResponse }).end = (...args: unknown[]) => {
    const [chunk] = args;
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
    const messageId =
      /<MessageId>([^<]+)<\/MessageId>/.exec(text)?.[1] ?? /"MessageId"\s*:\s*"([^"]+)"/.exec(text)?.[1];
    const result = end(...args);
    if (response.statusCode === 200 && messageId) accepted(messageId);
    return result;
  };
}

/** A v2 SendEmail request with simple content as a message (raw and template content are not checked). */
function jsonMessage(body: Record<string, unknown>): OutgoingMessage | undefined {
  const simple = (
    body.Content as { Simple?: Record<string, { Data?: string } & Record<string, { Data?: string }>> }
  )?.Simple;
  if (!simple) return undefined;
  const destination = (body.Destination ?? {}) as Record<string, unknown>;
  const list = (key: string) =>
    Array.isArray(destination[key]) ? (destination[key] as unknown[]).map(String) : [];
  return {
    source: String(body.FromEmailAddress ?? ''),
    recipients: [...list('ToAddresses'), ...list('CcAddresses'), ...list('BccAddresses')],
    subject: simple.Subject?.Data,
    text: simple.Body?.Text?.Data,
    html: simple.Body?.Html?.Data,
  };
}

/** SES v2's ListEmailIdentities: the template's identities, each verified and sending. */
function listEmailIdentities(response: ServerResponse, identities: readonly string[]): void {
  const text = JSON.stringify({
    EmailIdentities: identities.map((identity) => ({
      IdentityType: identity.includes('@') ? 'EMAIL_ADDRESS' : 'DOMAIN',
      IdentityName: identity,
      SendingEnabled: true,
      VerificationStatus: 'SUCCESS',
    })),
  });
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/**
 * Puts SES's own answers in front of aws-ses-v2-local for the v1 (query protocol) API: it leaves any
 * action but SendEmail/SendRawEmail unanswered until the client times out. Here `GetSendQuota`,
 * `ListIdentities` and v2's `ListEmailIdentities` (the template's identities) are answered, any other unknown action is refused at once
 * with `InvalidAction`, and v1 and v2 SendEmail are checked as SES checks them. Everything else passes
 * unchanged.
 */
export function guardSes(
  server: Server,
  resolver: TemplateResolver,
): { onAccepted(listener: (message: AcceptedMessage) => void): void } {
  let acceptedListener: ((message: AcceptedMessage) => void) | undefined;
  const report = (message: OutgoingMessage, extra: ReturnType<typeof formTags>, messageId: string) =>
    acceptedListener?.({
      messageId,
      source: message.source,
      destination: message.recipients.map(addressOf),
      subject: message.subject ?? '',
      ...extra,
    });
  const [emulator] = server.listeners('request') as RequestListener[];
  if (!emulator) throw new Error('aws-ses-v2-local has no request listener');
  const identities = resolver
    .resourcesOfType('AWS::SES::EmailIdentity')
    .map(([, resource]) => String(resolver.resolve(resource.Properties?.EmailIdentity)));
  let sent = 0;
  const answer = (response: ServerResponse, body: Buffer): boolean => {
    const form = parseForm(body.toString('utf8')) as Form;
    const action = String(form.Action ?? '');
    if (action === 'SendEmail') {
      const message = formMessage(form);
      const badTag = Object.entries(formTags(form).tags).find(
        ([name, value]) => !MESSAGE_TAG.test(name) || !MESSAGE_TAG.test(value),
      );
      if (badTag) {
        sendQueryError(
          response,
          400,
          'InvalidParameterValue',
          'Invalid tag: only ASCII letters, digits, underscores and dashes are allowed (256 at most).',
        );
        return true;
      }
      const refusal = refuseMessage(message, identities, resolver.env.region, MAX_MESSAGE_BYTES);
      if (refusal) {
        sendQueryError(response, 400, refusal[0], refusal[1]);
        return true;
      }
      sent++;
      onAnswered(response, (messageId) => report(message, formTags(form), messageId));
      return false;
    }
    if (action === 'SendRawEmail') return false;
    if (action === 'GetSendQuota') {
      sendQueryResult(
        response,
        action,
        `<Max24HourSend>${SEND_QUOTA.Max24HourSend}</Max24HourSend><MaxSendRate>${SEND_QUOTA.MaxSendRate}</MaxSendRate><SentLast24Hours>${sent}</SentLast24Hours>`,
      );
      return true;
    }
    if (action === 'ListIdentities') {
      const members = identities.map((identity) => `<member>${identity}</member>`).join('');
      sendQueryResult(response, action, `<Identities>${members}</Identities>`);
      return true;
    }
    sendQueryError(
      response,
      400,
      'InvalidAction',
      `Could not find operation ${action} for version 2010-12-01`,
    );
    return true;
  };
  const checkV2 = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readJsonBody(request);
    if (!body) return sendRestError(response, 'BadRequestException', 'Request body is not JSON');
    const message = jsonMessage(body);
    const refusal = message && refuseMessage(message, identities, resolver.env.region, MAX_V2_MESSAGE_BYTES);
    if (refusal)
      return sendRestError(
        response,
        refusal[0] === 'MessageRejected' ? 'MessageRejected' : 'BadRequestException',
        refusal[1],
      );
    // The body is consumed: hand the parsed JSON on, which express's body parser then leaves alone.
    (request as IncomingMessage & { body?: unknown }).body = body;
    if (message) onAnswered(response, (messageId) => report(message, jsonTags(body), messageId));
    emulator(request, response);
  };
  server.removeListener('request', emulator);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    // Unsigned requests get the emulator's 403 first, as SES refuses them before reading the action.
    const isQuery =
      request.headers.authorization !== undefined &&
      request.method === 'POST' &&
      (request.url ?? '/').split('?')[0] === '/' &&
      String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    const isV2Send =
      request.headers.authorization !== undefined &&
      request.method === 'POST' &&
      (request.url ?? '/').split('?')[0] === '/v2/email/outbound-emails';
    if (request.method === 'GET' && (request.url ?? '/').split('?')[0] === '/v2/email/identities')
      return listEmailIdentities(response, identities);
    if (isV2Send)
      return void checkV2(request, response).catch(() => {
        if (!response.headersSent) sendRestError(response, 'InternalFailure', 'Internal error');
      });
    if (!isQuery) return emulator(request, response);
    void (async () => {
      const body = await readBody(request);
      if (answer(response, body)) return;
      // The body is consumed: hand the parsed form on, which express's body parser then leaves alone.
      (request as IncomingMessage & { body?: unknown }).body = parseForm(body.toString('utf8'));
      emulator(request, response);
    })().catch(() => {
      if (!response.headersSent) sendQueryError(response, 500, 'InternalFailure', 'Internal error');
    });
  });
  return {
    onAccepted(listener) {
      acceptedListener = listener;
    },
  };
}
