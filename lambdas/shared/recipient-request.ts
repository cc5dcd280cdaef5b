import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { RECIPIENT_REFUSALS } from '../contracts/http/routes.ts';
import { isEmailAddress } from '../domain/identifiers.ts';
import type { RecipientRefusal } from '../domain/recipient.ts';
import { answerResponse, parseParcelId } from './http.ts';

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

/** A refused recipient request, as the contract answers it; a wrong recipient reads exactly like a missing parcel. */
export function refusalResponse(refusal: RecipientRefusal): APIGatewayProxyResultV2 {
  return answerResponse(RECIPIENT_REFUSALS[refusal]);
}
