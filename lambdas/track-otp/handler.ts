import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { DynamoDbOtpStore } from '../adapters/dynamodb-otp-store.ts';
import { cachedKey } from '../adapters/secrets.ts';
import { systemClock } from '../domain/otp-record.ts';
import { trackCode } from '../domain/recipient.ts';
import { errorResponse, jsonResponse } from '../shared/http.ts';
import { parseRecipientRequest, refusalResponse } from '../shared/recipient-request.ts';
import { createLogger, lambdaHandler, requireEnv } from '../shared/runtime.ts';

const logger = createLogger();
const store = new DynamoDbOtpStore(new DynamoDBClient({}), requireEnv('OTP_TABLE_NAME'));
const encryptionKey = cachedKey(
  new SecretsManagerClient({}),
  requireEnv('OTP_ENCRYPTION_SECRET_ARN'),
  'otp-encryption',
);

/** `GET /parcels/{parcelId}/otp`: Track Package shows the recipient their current code. */
export const handler = lambdaHandler(
  logger,
  async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> => {
    try {
      const request = parseRecipientRequest(event);
      const result = await trackCode(
        { store, encryptionKey: await encryptionKey(), clock: systemClock },
        request,
      );
      logger.info('Track', {
        parcelId: request.parcelId,
        outcome: 'refusal' in result ? result.refusal : 'SHOWN',
      });
      if ('refusal' in result) return refusalResponse(result.refusal);
      return jsonResponse(200, { code: result.code, validUntil: result.validUntil });
    } catch (error) {
      return errorResponse(error, () => logger.error('Track failed', { errorName: (error as Error).name }));
    }
  },
);
