import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyResultV2 } from 'aws-lambda';
import { readEnvironment } from '../contracts/environment.ts';
import { RequestErrors, VERIFY_ROUTE } from '../contracts/http/routes.ts';
import { DRIVER_ID_PATTERN } from '../domain/identifiers.ts';
import { isWellFormedOtpCode } from '../domain/otp-code.ts';
import { systemClock } from '../domain/otp-record.ts';
import { type VerifyOutcome, verifyHandover } from '../domain/verification.ts';
import {
  answerResponse,
  BadRequestError,
  jsonResponse,
  parseJsonBody,
  parseParcelId,
} from '../shared/http.ts';
import { httpErrorHandler } from '../shared/http-error-handler.ts';
import { createCodeHasher } from '../shared/kms-wiring.ts';
import { createLogger, lambdaHandler } from '../shared/runtime.ts';
import { createCodeStore, createDynamoDbClient } from '../shared/wiring.ts';

const env = readEnvironment('verify-otp');
const logger = createLogger();
// Namespace and service come from POWERTOOLS_METRICS_NAMESPACE / POWERTOOLS_SERVICE_NAME.
const metrics = new Metrics();
// A driver waits on this answer: few SDK retries, and a deadline (below) that leaves time to say 503.
const store = createCodeStore(env, createDynamoDbClient({ maxAttempts: 3 }));
/** Time kept back from the Lambda timeout to answer 503 instead of timing out. */
const DEADLINE_MARGIN_MS = 1500;
// The key stays in KMS: each hash is one GenerateMac request, under the same deadline as the store.
const codeHasher = createCodeHasher(env, { maxAttempts: 3 });
const maxWrongAttempts = env.MAX_WRONG_ATTEMPTS_PER_CODE;
const maxWrongAttemptsPerParcel = env.MAX_WRONG_ATTEMPTS_PER_PARCEL;
// Cognito marks its access tokens (`token_use`); an OIDC provider's tokens are told apart by the route's scope.
const cognitoTokens = env.DRIVER_IDENTITY_PROVIDER === 'cognito';
/** The claim naming the carrier's own driver id (never Cognito's generated `sub`). */
const driverIdClaim = env.DRIVER_ID_CLAIM;

/** Validates path, body and caller; everything refused here is a 4xx with a reason. */
function parseRequest(event: APIGatewayProxyEventV2WithJWTAuthorizer): {
  parcelId: string;
  driverId: string;
  code: string;
} {
  const parcelId = parseParcelId(event);
  const claims = event.requestContext.authorizer?.jwt?.claims;
  // The route's scope already keeps ID tokens out; this holds even if a scope ever reached one.
  if (cognitoTokens && claims?.token_use !== 'access') {
    throw new BadRequestError(RequestErrors.NOT_AN_ACCESS_TOKEN);
  }
  const driverId = claims?.[driverIdClaim];
  if (typeof driverId !== 'string' || !DRIVER_ID_PATTERN.test(driverId)) {
    throw new BadRequestError(RequestErrors.NO_DRIVER);
  }
  const body = parseJsonBody(event.body, event.isBase64Encoded);
  if (typeof body.code !== 'string' || !isWellFormedOtpCode(body.code)) {
    throw new BadRequestError(RequestErrors.INVALID_CODE_FORMAT);
  }
  return { parcelId, driverId, code: body.code };
}

function toResponse(outcome: VerifyOutcome, parcelId: string): APIGatewayProxyResultV2 {
  if (outcome.verified) {
    return jsonResponse(200, { code: 'VERIFIED', parcelId, verifiedAt: outcome.verifiedAt.toISOString() });
  }
  const extra =
    outcome.attemptsRemaining === undefined ? {} : { attemptsRemaining: outcome.attemptsRemaining };
  return answerResponse(VERIFY_ROUTE.refusals[outcome.rejection], extra);
}

/**
 * `POST /parcels/{parcelId}/verify`: the driver's handover check. A success is one DynamoDB write and
 * nothing else: `Parcel Handover Verified` is published from the table's stream by a pipe.
 */
export const handler = lambdaHandler(
  logger,
  async (event: APIGatewayProxyEventV2WithJWTAuthorizer, context): Promise<APIGatewayProxyResultV2> => {
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
  },
).use(httpErrorHandler(VERIFY_ROUTE, logger));
