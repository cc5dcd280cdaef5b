import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { readEnvironment } from '../contracts/environment.ts';
import { TRACK_ROUTE } from '../contracts/http/routes.ts';
import { tableAccess } from '../contracts/table-access.ts';
import { systemClock } from '../domain/otp-record.ts';
import { trackCode } from '../domain/recipient.ts';
import { jsonResponse } from '../shared/http.ts';
import { httpErrorHandler } from '../shared/http-error-handler.ts';
import { parseRecipientRequest, refusalResponse } from '../shared/recipient-request.ts';
import { createLogger, lambdaHandler } from '../shared/runtime.ts';
import { createEncryptionKey } from '../shared/secrets-wiring.ts';
import { createDeliveryClaims, createDynamoDbClient, createRecipientStore } from '../shared/wiring.ts';

const logger = createLogger();
const env = readEnvironment('track-otp');
const dynamodb = createDynamoDbClient();
const store = createDeliveryClaims(env, dynamodb);
// Only what it needs of the recipient (IAM allows no more).
const recipients = createRecipientStore(env, dynamodb, tableAccess('track-otp', 'RECIPIENT_TABLE_NAME').read);
const encryptionKey = createEncryptionKey(env);

/** `GET /parcels/{parcelId}/otp`: Track Package shows the recipient their current code. */
export const handler = lambdaHandler(
  logger,
  async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyResultV2> => {
    const request = parseRecipientRequest(event);
    const result =
      'refusal' in request
        ? request
        : await trackCode(
            { store, recipients, encryptionKey: await encryptionKey(), clock: systemClock },
            request,
          );
    logger.info('Track', {
      parcelId: request.parcelId,
      outcome: 'refusal' in result ? result.refusal : 'SHOWN',
    });
    if ('refusal' in result) return refusalResponse(result.refusal);
    return jsonResponse(TRACK_ROUTE.successStatus, {
      code: result.code,
      validUntil: result.validUntil,
      delivery: result.delivery,
    });
  },
).use(httpErrorHandler(TRACK_ROUTE, logger));
