import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  type BuildEventV2Input,
  buildEventV2,
  formatRequestTime,
  stringifyClaim,
  toHttpResponse,
} from '../../../sandbox/emulators/http-api/payload-v2.ts';
import { matchRoute } from '../../../sandbox/emulators/http-api/route-match.ts';

describe('matchRoute', () => {
  // The example API of "Working with routes for HTTP APIs".
  const awsExample = ['GET /pets/dog/{id}', 'GET /pets/{proxy+}', 'ANY /{proxy+}', '$default'];

  it.each([
    ['GET', '/pets/dog/1', { routeKey: 'GET /pets/dog/{id}', pathParameters: { id: '1' } }],
    ['GET', '/pets/cat/1', { routeKey: 'GET /pets/{proxy+}', pathParameters: { proxy: 'cat/1' } }],
    ['POST', '/test/5', { routeKey: 'ANY /{proxy+}', pathParameters: { proxy: 'test/5' } }],
    ['GET', '/', { routeKey: '$default', pathParameters: {} }],
  ])('routes %s %s as the AWS documentation example does', (method, path, expected) => {
    // Act
    const match = matchRoute(awsExample, method, path);

    // Assess
    expect(match).toEqual(expected);
  });

  it('prefers a literal segment over a path variable whatever the route order', () => {
    // Prepare
    const routes = ['GET /parcels/{parcelId}', 'GET /parcels/latest'];

    // Act
    const literal = matchRoute(routes, 'GET', '/parcels/latest');
    const variable = matchRoute(routes, 'GET', '/parcels/P-1');

    // Assess
    expect(literal).toEqual({ routeKey: 'GET /parcels/latest', pathParameters: {} });
    expect(variable).toEqual({ routeKey: 'GET /parcels/{parcelId}', pathParameters: { parcelId: 'P-1' } });
  });

  it('prefers a full match through variables over a greedy match with more literals', () => {
    // Act
    const match = matchRoute(
      ['GET /parcels/P-1/{proxy+}', 'GET /{kind}/{id}/otp'],
      'GET',
      '/parcels/P-1/otp',
    );

    // Assess
    expect(match).toEqual({
      routeKey: 'GET /{kind}/{id}/otp',
      pathParameters: { kind: 'parcels', id: 'P-1' },
    });
  });

  it('prefers the longer literal prefix among greedy routes', () => {
    // Act
    const match = matchRoute(['ANY /{proxy+}', 'GET /parcels/{proxy+}'], 'GET', '/parcels/P-1/otp');

    // Assess
    expect(match).toEqual({ routeKey: 'GET /parcels/{proxy+}', pathParameters: { proxy: 'P-1/otp' } });
  });

  it('prefers the request method over ANY on the same path and uses ANY for other methods', () => {
    // Prepare
    const routes = ['ANY /parcels/{parcelId}', 'GET /parcels/{parcelId}'];

    // Act
    const get = matchRoute(routes, 'get', '/parcels/P-1');
    const del = matchRoute(routes, 'DELETE', '/parcels/P-1');

    // Assess
    expect(get?.routeKey).toBe('GET /parcels/{parcelId}');
    expect(del?.routeKey).toBe('ANY /parcels/{parcelId}');
  });

  it('matches the project routes and leaves $default last', () => {
    // Prepare
    const routes = ['$default', 'POST /parcels/{parcelId}/verify', 'GET /parcels/{parcelId}/otp'];

    // Act
    const verify = matchRoute(routes, 'POST', '/parcels/P-7/verify');
    const otp = matchRoute(routes, 'GET', '/parcels/P-7/otp');
    const fallback = matchRoute(routes, 'GET', '/parcels/P-7/verify');

    // Assess
    expect(verify).toEqual({
      routeKey: 'POST /parcels/{parcelId}/verify',
      pathParameters: { parcelId: 'P-7' },
    });
    expect(otp).toEqual({ routeKey: 'GET /parcels/{parcelId}/otp', pathParameters: { parcelId: 'P-7' } });
    expect(fallback).toEqual({ routeKey: '$default', pathParameters: {} });
  });

  it('URL-decodes path parameter values, including an encoded slash inside one segment', () => {
    // Act
    const match = matchRoute(['GET /parcels/{parcelId}/otp'], 'GET', '/parcels/P%201%2F2%C3%A9/otp');

    // Assess
    expect(match?.pathParameters).toEqual({ parcelId: 'P 1/2é' });
  });

  it('URL-decodes each segment captured by a greedy variable', () => {
    // Act
    const match = matchRoute(['GET /files/{path+}'], 'GET', '/files/a%20b/c%2Bd');

    // Assess
    expect(match?.pathParameters).toEqual({ path: 'a b/c+d' });
  });

  it('passes a malformed percent escape through undecoded', () => {
    // Act
    const match = matchRoute(['GET /parcels/{parcelId}'], 'GET', '/parcels/P%E0%A4');

    // Assess
    expect(match?.pathParameters).toEqual({ parcelId: 'P%E0%A4' });
  });

  it('does not let a greedy variable match an empty remainder', () => {
    // Act
    const bare = matchRoute(['GET /pets/{proxy+}'], 'GET', '/pets');
    const slash = matchRoute(['GET /pets/{proxy+}'], 'GET', '/pets/');

    // Assess
    expect(bare).toBeUndefined();
    expect(slash).toBeUndefined();
  });

  it('does not let a single-segment variable match an empty or extra segment', () => {
    // Prepare
    const routes = ['GET /parcels/{parcelId}/otp'];

    // Act
    const empty = matchRoute(routes, 'GET', '/parcels//otp');
    const extra = matchRoute(routes, 'GET', '/parcels/P-1/x/otp');

    // Assess
    expect(empty).toBeUndefined();
    expect(extra).toBeUndefined();
  });

  it('returns undefined when neither a route nor $default matches', () => {
    // Act
    const wrongMethod = matchRoute(['POST /parcels/{parcelId}/verify'], 'GET', '/parcels/P-1/verify');
    const wrongPath = matchRoute(['POST /parcels/{parcelId}/verify'], 'POST', '/drivers/D-1/verify');

    // Assess
    expect(wrongMethod).toBeUndefined();
    expect(wrongPath).toBeUndefined();
  });

  it('matches the root path', () => {
    // Act
    const match = matchRoute(['GET /'], 'GET', '/');

    // Assess
    expect(match).toEqual({ routeKey: 'GET /', pathParameters: {} });
  });

  it('throws for malformed route keys instead of silently never matching them', () => {
    // Act and assess
    expect(() => matchRoute(['get /parcels'], 'GET', '/parcels')).toThrow(/Malformed route key/);
    expect(() => matchRoute(['GET /{proxy+}/otp'], 'GET', '/a/otp')).toThrow(
      /Greedy path variable must be last/,
    );
  });
});

function baseInput(overrides: Partial<BuildEventV2Input> = {}): BuildEventV2Input {
  return {
    method: 'POST',
    rawPath: '/parcels/P-1/verify',
    rawQueryString: '',
    headers: {},
    body: Buffer.alloc(0),
    sourceIp: '127.0.0.1',
    route: { routeKey: 'POST /parcels/{parcelId}/verify', pathParameters: { parcelId: 'P-1' } },
    apiId: 'sandboxapi',
    accountId: '000000000000',
    domainName: 'sandboxapi.execute-api.localhost',
    timeEpoch: 1583348638390,
    ...overrides,
  };
}

describe('buildEventV2', () => {
  it('builds the documented payload format 2.0 event', () => {
    // Prepare
    const input = baseInput({
      rawQueryString: 'tag=a&tag=b&note=x%20y&flag',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'vitest',
        'X-Multi': ['one', 'two'],
        Cookie: 'session=abc; theme=dark',
        'X-Absent': undefined,
      },
      body: Buffer.from('{"code":"123456"}'),
      authorizer: { jwt: { claims: { sub: 'D-1', exp: 1700000000 }, scopes: null } },
    });

    // Act
    const event: APIGatewayProxyEventV2 = buildEventV2(input);

    // Assess
    expect(event).toEqual({
      version: '2.0',
      routeKey: 'POST /parcels/{parcelId}/verify',
      rawPath: '/parcels/P-1/verify',
      rawQueryString: 'tag=a&tag=b&note=x%20y&flag',
      cookies: ['session=abc', 'theme=dark'],
      headers: { 'content-type': 'application/json', 'user-agent': 'vitest', 'x-multi': 'one,two' },
      queryStringParameters: { tag: 'a,b', note: 'x y', flag: '' },
      requestContext: {
        accountId: '000000000000',
        apiId: 'sandboxapi',
        authorizer: { jwt: { claims: { sub: 'D-1', exp: '1700000000' }, scopes: null } },
        domainName: 'sandboxapi.execute-api.localhost',
        domainPrefix: 'sandboxapi',
        http: {
          method: 'POST',
          path: '/parcels/P-1/verify',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'vitest',
        },
        requestId: expect.any(String),
        routeKey: 'POST /parcels/{parcelId}/verify',
        stage: '$default',
        time: '04/Mar/2020:19:03:58 +0000',
        timeEpoch: 1583348638390,
      },
      body: '{"code":"123456"}',
      pathParameters: { parcelId: 'P-1' },
      isBase64Encoded: false,
    });
  });

  it('omits cookies, query parameters, path parameters, body and authorizer when there are none', () => {
    // Act
    const event = buildEventV2(baseInput({ route: { routeKey: '$default', pathParameters: {} } }));

    // Assess
    for (const key of ['cookies', 'queryStringParameters', 'pathParameters', 'body']) {
      expect(event).not.toHaveProperty(key);
    }
    expect(event.requestContext).not.toHaveProperty('authorizer');
    expect(event.isBase64Encoded).toBe(false);
    expect(event.requestContext.http.userAgent).toBe('');
  });

  it('joins header names that differ only in case', () => {
    // Act
    const event = buildEventV2(baseInput({ headers: { 'X-Trace': 'a', 'x-trace': 'b' } }));

    // Assess
    expect(event.headers).toEqual({ 'x-trace': 'a,b' });
  });

  it('keeps + literal and decodes percent escapes in query parameters', () => {
    // Act
    const event = buildEventV2(baseInput({ rawQueryString: 'email=a+b%40example.com&%74ag=x' }));

    // Assess
    expect(event.queryStringParameters).toEqual({ email: 'a+b@example.com', tag: 'x' });
  });

  it.each([
    ['application/octet-stream', 'application/octet-stream'],
    ['no content type', undefined],
    ['a form post', 'application/x-www-form-urlencoded'],
  ])('base64-encodes the body for %s', (_title, contentType) => {
    // Prepare
    const body = Buffer.from([0xff, 0x00, 0x10, 0x80]);

    // Act
    const event = buildEventV2(baseInput({ headers: { 'content-type': contentType }, body }));

    // Assess
    expect(event.isBase64Encoded).toBe(true);
    expect(event.body).toBe(body.toString('base64'));
  });

  it.each([
    ['text/plain; charset=utf-8'],
    ['Application/JSON'],
    ['application/xml'],
    ['application/javascript'],
  ])('passes the body as UTF-8 text for %s', (contentType) => {
    // Act
    const event = buildEventV2(
      baseInput({ headers: { 'content-type': contentType }, body: Buffer.from('héllo') }),
    );

    // Assess
    expect(event.isBase64Encoded).toBe(false);
    expect(event.body).toBe('héllo');
  });

  it('stringifies JWT claim values as API Gateway does', () => {
    // Prepare
    const claims = {
      sub: 'D-1',
      exp: 1700000000,
      email_verified: true,
      'cognito:groups': ['drivers', 'night-shift'],
      address: { zip: '1000', city: 'Brussels' },
    };

    // Act
    const event = buildEventV2(baseInput({ authorizer: { jwt: { claims, scopes: ['parcels/read'] } } }));

    // Assess
    expect(event.requestContext.authorizer).toEqual({
      jwt: {
        claims: {
          sub: 'D-1',
          exp: '1700000000',
          email_verified: 'true',
          'cognito:groups': '[drivers night-shift]',
          address: 'map[city:Brussels zip:1000]',
        },
        scopes: ['parcels/read'],
      },
    });
  });

  it('passes an IAM authorizer context through unchanged', () => {
    // Prepare
    const iam = {
      accessKey: 'AKIAEXAMPLE',
      accountId: '000000000000',
      callerId: 'AIDAEXAMPLE',
      cognitoIdentity: null,
      principalOrgId: 'o-example',
      userArn: 'arn:aws:iam::000000000000:user/tester',
      userId: 'AIDAEXAMPLE',
    };

    // Act
    const event = buildEventV2(baseInput({ authorizer: { iam } }));

    // Assess
    expect(event.requestContext.authorizer).toEqual({ iam });
  });

  it('uses the given stage and a fresh requestId for every event', () => {
    // Act
    const first = buildEventV2(baseInput({ stage: 'prod' }));
    const second = buildEventV2(baseInput({ stage: 'prod' }));

    // Assess
    expect(first.requestContext.stage).toBe('prod');
    expect(first.requestContext.requestId).not.toBe(second.requestContext.requestId);
  });
});

describe('stringifyClaim and formatRequestTime', () => {
  it('formats nested arrays and nulls in Go style', () => {
    // Act and assess
    expect(stringifyClaim([1, [2, 3], null, false])).toBe('[1 [2 3] <nil> false]');
  });

  it('formats request times in UTC with a zero-padded day', () => {
    // Act and assess
    expect(formatRequestTime(Date.UTC(2024, 0, 5, 7, 8, 9))).toBe('05/Jan/2024:07:08:09 +0000');
  });
});

describe('toHttpResponse', () => {
  it('passes a string result through as a JSON-typed 200', () => {
    // Act
    const response = toHttpResponse('Hello from Lambda!');

    // Assess
    expect(response).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      cookies: [],
      body: 'Hello from Lambda!',
    });
  });

  it.each([
    ['an object without statusCode', { message: 'Hello from Lambda!' }, '{"message":"Hello from Lambda!"}'],
    ['an array', [1, 2], '[1,2]'],
    ['a number', 42, '42'],
    ['null', null, 'null'],
    ['undefined', undefined, 'null'],
  ])('infers a JSON 200 from %s', (_title, result, body) => {
    // Act
    const response = toHttpResponse(result);

    // Assess
    expect(response).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      cookies: [],
      body,
    });
  });

  it('maps a structured result with lowercased string headers and cookies', () => {
    // Act
    const response = toHttpResponse({
      statusCode: 201,
      headers: { 'Content-Type': 'text/plain', 'X-Count': 2, 'X-Cache': false },
      cookies: ['a=1; HttpOnly', 'b=2'],
      body: 'created',
    });

    // Assess
    expect(response).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'text/plain', 'x-count': '2', 'x-cache': 'false' },
      cookies: ['a=1; HttpOnly', 'b=2'],
      body: 'created',
    });
  });

  it('decodes a base64 body into bytes when isBase64Encoded is true', () => {
    // Prepare
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

    // Act
    const response = toHttpResponse({
      statusCode: 200,
      isBase64Encoded: true,
      body: bytes.toString('base64'),
    });

    // Assess
    expect(Buffer.isBuffer(response.body)).toBe(true);
    expect(Buffer.compare(response.body as Buffer, bytes)).toBe(0);
  });

  it('answers an empty body and no default content type for a structured result without body', () => {
    // Act
    const response = toHttpResponse({ statusCode: 204 });

    // Assess
    expect(response).toEqual({ statusCode: 204, headers: {}, cookies: [], body: '' });
  });

  it('turns a structured result with an invalid statusCode into a 500', () => {
    // Act
    const response = toHttpResponse({ statusCode: 'teapot', body: 'x' });

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.body).toBe('{"message":"Internal Server Error"}');
  });
});
