import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { readEnvironment } from '../contracts/environment.ts';
import { RESEND_ROUTE, RequestErrors } from '../contracts/http/routes.ts';
import type { Channel } from '../domain/otp-record.ts';
import { resendCode } from '../domain/recipient.ts';
import { createCodeDelivery } from '../shared/delivery-wiring.ts';
import { BadRequestError, jsonResponse, parseJsonBody } from '../shared/http.ts';
import { httpErrorHandler } from '../shared/http-error-handler.ts';
import { smsOffered } from '../shared/on-demand-wiring.ts';
import { parseRecipientRequest, refusalResponse } from '../shared/recipient-request.ts';
import { createLogger, lambdaHandler } from '../shared/runtime.ts';

const logger = createLogger();
const env = readEnvironment('resend-otp');
const codeDelivery = createCodeDelivery(env);
// Without an SMS channel (no `sms` prop), `{"channel":"SMS"}` is refused before anything is read.
const smsChannel = smsOffered(env);
const maxResends = env.MAX_RESENDS_PER_CODE;
// Longer than this function can run: once it runs out, no email of this resend can still be on its way.
const leaseSeconds = env.RESEND_LEASE_SECONDS;

/** The channel a resend asks for: no body or `{}` is EMAIL; `{"channel":"SMS"}` texts the code. */
function parseChannel(body: string | undefined, isBase64Encoded: boolean): Channel {
  if (body === undefined || body === '') return 'EMAIL';
  const fields = parseJsonBody(body, isBase64Encoded);
  // Only an absent channel means EMAIL: `null` is not a channel (the document's enum).
  const channel = Object.hasOwn(fields, 'channel') ? fields.channel : 'EMAIL';
  if (channel !== 'EMAIL' && channel !== 'SMS') throw new BadRequestError(RequestErrors.INVALID_CHANNEL);
  if (channel === 'SMS' && !smsChannel) throw new BadRequestError(RequestErrors.CHANNEL_NOT_OFFERED);
  return channel;
}

/**
 * `POST /parcels/{parcelId}/otp/resend`: sends the current code again, by email (default) or by SMS
 * (`{"channel":"SMS"}`), at most three times per code across both channels.
 */
export const handler = lambdaHandler(
  logger,
  async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> => {
    const request = parseRecipientRequest(event);
    const channel = parseChannel(event.body, event.isBase64Encoded);
    const result =
      'refusal' in request
        ? request
        : await resendCode({ ...(await codeDelivery()), maxResends, leaseSeconds }, { ...request, channel });
    logger.info('Resend', {
      parcelId: request.parcelId,
      channel,
      outcome: 'refusal' in result ? result.refusal : 'RESENT',
    });
    if ('refusal' in result) return refusalResponse(result.refusal);
    return jsonResponse(RESEND_ROUTE.successStatus, {
      code: 'RESENT',
      resendsRemaining: result.resendsRemaining,
    });
  },
).use(httpErrorHandler(RESEND_ROUTE, logger));
