import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { systemClock } from '../domain/otp-record.ts';
import { resendCode } from '../domain/recipient.ts';
import { errorResponse, jsonResponse } from '../shared/http.ts';
import { parseRecipientRequest, refusalResponse } from '../shared/recipient-request.ts';
import { createLogger, intEnv, lambdaHandler } from '../shared/runtime.ts';
import { keyFromEnv, mailerFromEnv, otpStoreFromEnv, recipientStoreFromEnv } from '../shared/wiring.ts';

const logger = createLogger();
const store = otpStoreFromEnv();
const recipients = recipientStoreFromEnv();
const mailer = mailerFromEnv();
const encryptionKey = keyFromEnv('otp-encryption');
const maxResends = intEnv('MAX_RESENDS_PER_CODE', 3);
// Longer than this function can run: once it runs out, no email of this resend can still be on its way.
const leaseSeconds = intEnv('RESEND_LEASE_SECONDS', 15);

/** `POST /parcels/{parcelId}/otp/resend`: emails the current code again, at most three times per code. */
export const handler = lambdaHandler(
  logger,
  async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> => {
    try {
      const request = parseRecipientRequest(event);
      const result =
        'refusal' in request
          ? request
          : await resendCode(
              {
                store,
                recipients,
                mailer,
                encryptionKey: await encryptionKey(),
                clock: systemClock,
                maxResends,
                leaseSeconds,
              },
              request,
            );
      logger.info('Resend', {
        parcelId: request.parcelId,
        outcome: 'refusal' in result ? result.refusal : 'RESENT',
      });
      if ('refusal' in result) return refusalResponse(result.refusal);
      return jsonResponse(202, { code: 'RESENT', resendsRemaining: result.resendsRemaining });
    } catch (error) {
      if (error instanceof Error && error.name.startsWith('Email')) {
        logger.warn('Resend email failed', { errorName: error.name });
        return jsonResponse(
          503,
          { code: 'TRY_AGAIN', message: 'Email could not be sent, try again shortly' },
          { 'retry-after': '5' },
        );
      }
      return errorResponse(error, () => logger.error('Resend failed', { errorName: (error as Error).name }));
    }
  },
);
