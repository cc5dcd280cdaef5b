import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2 } from 'aws-lambda';
import { readEnvironment } from '../contracts/environment.ts';
import { KeyServiceUnavailableError, StoreThrottledError } from '../domain/errors.ts';
import { DRIVER_ID_PATTERN } from '../domain/identifiers.ts';
import { isWellFormedOtpCode } from '../domain/otp-code.ts';
import { systemClock } from '../domain/otp-record.ts';
import { type VerifyOutcome, type VerifyRejection, verifyHandover } from '../domain/verification.ts';
import {
  BadRequestError,
  errorResponse,
  jsonResponse,
  parseJsonBody,
  parseParcelId,
} from '../shared/http.ts';
import { createLogger, lambdaHandler } from '../shared/runtime.ts';
import { createCodeHasher, createOtpStore } from '../shared/wiring.ts';

const env = readEnvironment('verify-otp');
const logger = createLogger();
// Namespace and service come from POWERTOOLS_METRICS_NAMESPACE / POWERTOOLS_SERVICE_NAME.
const metrics = new Metrics();
// A driver waits on this answer: few SDK retries, and a deadline (below) that leaves time to say 503.
const store = createOtpStore(env, 3);
/** Time kept back from the Lambda timeout to answer 503 instead of timing out. */
const DEADLINE_MARGIN_MS = 1500;
// The key stays in KMS: each hash is one GenerateMac request, under the same deadline as the store.
const codeHasher = createCodeHasher(env, 3);
const maxWrongAttempts = env.MAX_WRONG_ATTEMPTS_PER_CODE;
const maxWrongAttemptsPerParcel = env.MAX_WRONG_ATTEMPTS_PER_PARCEL;

const REJECTION_STATUS: Record<VerifyRejection, number> = {
  NOT_ASSIGNED: 403,
  NOT_FOUND: 404,
  ALREADY_VERIFIED: 409,
  EXPIRED: 410,
  REVOKED: 410,
  LOCKED: 423,
  WRONG_CODE: 422,
};

// NOT_ASSIGNED is the one answer for a parcel with a code, without one, and unknown: no oracle for value.
const REJECTION_MESSAGE: Record<VerifyRejection, string> = {
  NOT_ASSIGNED: 'This parcel is not out for delivery with you',
  NOT_FOUND: 'No code exists for this parcel',
  ALREADY_VERIFIED: 'This parcel was already handed over',
  EXPIRED: 'The code has expired',
  REVOKED: 'The code was revoked',
  LOCKED: 'Too many wrong codes: the code is locked',
  WRONG_CODE: 'Wrong code',
};

/** Validates path, body and caller; everything refused here is a 4xx with a reason. */
function parseRequest(event: APIGatewayProxyEventV2WithJWTAuthorizer): {
  parcelId: string;
  driverId: string;
  code: string;
} {
  const parcelId = parseParcelId(event);
  const claims = event.requestContext.authorizer?.jwt?.claims;
  // The route's scope already keeps ID tokens out; this holds even if a scope ever reached one.
  if (claims?.token_use !== 'access') {
    throw new BadRequestError(401, 'UNAUTHORIZED', 'Only an access token may verify');
  }
  const driverId = claims.sub;
  if (typeof driverId !== 'string' || !DRIVER_ID_PATTERN.test(driverId)) {
    throw new BadRequestError(401, 'UNAUTHORIZED', 'The token names no driver');
  }
  const body = parseJsonBody(event.body, event.isBase64Encoded);
  if (typeof body.code !== 'string' || !isWellFormedOtpCode(body.code)) {
    throw new BadRequestError(400, 'INVALID_CODE_FORMAT', 'code must be a string of exactly 6 digits 0-9');
  }
  return { parcelId, driverId, code: body.code };
}

function toResponse(outcome: VerifyOutcome, parcelId: string): APIGatewayProxyResultV2 {
  if (outcome.verified) {
    return jsonResponse(200, { code: 'VERIFIED', parcelId, verifiedAt: outcome.verifiedAt.toISOString() });
  }
  const extra =
    outcome.attemptsRemaining === undefined ? {} : { attemptsRemaining: outcome.attemptsRemaining };
  return jsonResponse(REJECTION_STATUS[outcome.rejection], {
    code: outcome.rejection,
    message: REJECTION_MESSAGE[outcome.rejection],
    ...extra,
  });
}

/**
 * `POST /parcels/{parcelId}/verify`: the driver's handover check. A success is one DynamoDB write and
 * nothing else: `Parcel Handover Verified` is published from the table's stream by a pipe.
 */
export const handler = lambdaHandler(
  logger,
  async (event: APIGatewayProxyEventV2WithJWTAuthorizer, context): Promise<APIGatewayProxyResultV2> => {
    try {
      const request = parseRequest(event);
      const deadline = AbortSignal.timeout(
        Math.max(500, context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS),
      );
      const outcome = await verifyHandover(
        {
          store: store.withAbortSignal(deadline),
          codeHasher: codeHasher.withAbortSignal(deadline),
          clock: systemClock,
          maxWrongAttempts,
          maxWrongAttemptsPerParcel,
        },
        request,
      );
      const outcomeName = outcome.verified ? 'VERIFIED' : outcome.rejection;
      // driverId + outcome per line: the per-driver brute-force rule (Contributor Insights) counts these.
      logger.info('Verify', { parcelId: request.parcelId, driverId: request.driverId, outcome: outcomeName });
      // A single metric publishes at once with its own dimension, so outcomes never mix between requests.
      const metric = metrics.singleMetric();
      metric.addDimension('outcome', outcomeName);
      metric.addMetric('VerifyOutcome', MetricUnit.Count, 1);
      return toResponse(outcome, request.parcelId);
    } catch (error) {
      if (error instanceof StoreThrottledError) logger.warn('Verify throttled by the store');
      if (error instanceof KeyServiceUnavailableError) logger.warn('Verify throttled by KMS');
      return errorResponse(error, () => logger.error('Verify failed', { errorName: (error as Error).name }));
    }
  },
);
