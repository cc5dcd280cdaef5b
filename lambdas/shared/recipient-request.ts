import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { isEmailAddress } from '../domain/identifiers.ts';
import type { RecipientRefusal } from '../domain/recipient.ts';
import { jsonResponse, parseParcelId } from './http.ts';

/**
 * Parcel and recipient of a shop-backend request (`X-Recipient-Email`, SigV4-authorized upstream). A
 * header that is not an ASCII email address can be no parcel's recipient: refused as NOT_FOUND, exactly
 * like a wrong recipient.
 */
export function parseRecipientRequest(
  event: APIGatewayProxyEventV2,
): { parcelId: string; recipientEmail: string } | { parcelId: string; refusal: 'NOT_FOUND' } {
  const parcelId = parseParcelId(event);
  const recipientEmail = event.headers?.['x-recipient-email'] ?? '';
  if (!isEmailAddress(recipientEmail)) return { parcelId, refusal: 'NOT_FOUND' };
  return { parcelId, recipientEmail };
}

const REFUSAL_STATUS: Record<RecipientRefusal, number> = {
  NOT_FOUND: 404,
  ALREADY_VERIFIED: 409,
  REVOKED: 410,
  EXPIRED: 410,
  TOO_MANY_RESENDS: 429,
  RESEND_IN_FLIGHT: 503,
  NO_PHONE: 422,
};

/** A refused recipient request; a wrong recipient reads exactly like a missing parcel. */
export function refusalResponse(refusal: RecipientRefusal): APIGatewayProxyResultV2 {
  if (refusal === 'RESEND_IN_FLIGHT') {
    return jsonResponse(
      503,
      { code: 'TRY_AGAIN', message: 'A resend of this code is in progress, try again shortly' },
      { 'retry-after': '5' },
    );
  }
  return jsonResponse(REFUSAL_STATUS[refusal], { code: refusal });
}
