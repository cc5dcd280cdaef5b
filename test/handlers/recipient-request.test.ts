import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { parseRecipientRequest, refusalResponse } from '../../lambdas/shared/recipient-request.ts';

const requestWith = (headers: Record<string, string>) =>
  ({ pathParameters: { parcelId: 'PCL-1' }, headers }) as unknown as APIGatewayProxyEventV2;

describe('parseRecipientRequest', () => {
  it('passes an ASCII address through unchanged', () => {
    // Act
    const request = parseRecipientRequest(requestWith({ 'x-recipient-email': 'Kelly.O@Example.com' }));

    // Assess
    expect(request).toEqual({ parcelId: 'PCL-1', recipientEmail: 'Kelly.O@Example.com' });
  });

  it('refuses a header that is no ASCII address as NOT_FOUND, the answer a wrong recipient gets', () => {
    // Prepare
    const headers = [
      '\u212Aelly@example.com', // KELVIN SIGN, which toLowerCase() turns into k
      'kelly@ex\u00E4mple.com',
      'k\u200Belly@example.com',
      'not-an-email',
      ' kelly@example.com',
      `${'k'.repeat(250)}@example.com`,
      '',
    ];

    // Act
    const requests = headers.map((value) =>
      parseRecipientRequest(requestWith({ 'x-recipient-email': value })),
    );
    const missing = parseRecipientRequest(requestWith({}));

    // Assess
    for (const request of [...requests, missing]) {
      expect(request).toEqual({ parcelId: 'PCL-1', refusal: 'NOT_FOUND' });
    }
    expect(refusalResponse('NOT_FOUND')).toEqual({
      statusCode: 404,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
      body: JSON.stringify({ code: 'NOT_FOUND' }),
    });
  });
});
