import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, Context } from 'aws-lambda'
import { describe, expect, it } from 'vitest'
import { httpApiEvent, lambdaContext, restApiEvent } from '../src/index.ts'

describe('lambdaContext', () => {
  it('has a real deadline and sensible defaults', async () => {
    const context: Context = lambdaContext({ timeoutMs: 1_000 })
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/)
    expect(context.functionName).toBe('test-function')
    expect(context.invokedFunctionArn).toBe('arn:aws:lambda:us-east-1:123456789012:function:test-function')
    const first = context.getRemainingTimeInMillis()
    expect(first).toBeGreaterThan(900)
    expect(first).toBeLessThanOrEqual(1_000)
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(context.getRemainingTimeInMillis()).toBeLessThan(first)
    expect(lambdaContext({ timeoutMs: 0 }).getRemainingTimeInMillis()).toBe(0)
    expect(() => context.succeed('x')).toThrow(/legacy/)
  })

  it('takes request id and function name', () => {
    const context = lambdaContext({ awsRequestId: 'req-1', functionName: 'pay' })
    expect(context.awsRequestId).toBe('req-1')
    expect(context.logGroupName).toBe('/aws/lambda/pay')
    expect(lambdaContext().awsRequestId).not.toBe(lambdaContext().awsRequestId)
  })
})

describe('httpApiEvent', () => {
  it('builds a v2 event with JWT claims, lowercased headers and a JSON body', () => {
    const event: APIGatewayProxyEventV2 = httpApiEvent({
      method: 'post',
      path: '/payments/p1',
      headers: { 'Idempotency-Key': 'k1', 'X-Partner': 'acme' },
      body: { amount: 100 },
      pathParameters: { id: 'p1' },
      queryStringParameters: { dryRun: 'true', q: 'a b' },
      jwtClaims: { sub: 'user-1', partner_id: 'acme' },
      sourceIp: '10.0.0.1',
      requestId: 'r-1',
    })
    expect(event.version).toBe('2.0')
    expect(event.headers).toEqual({
      'idempotency-key': 'k1',
      'x-partner': 'acme',
      'content-type': 'application/json',
    })
    expect(event.body).toBe('{"amount":100}')
    expect(event.rawQueryString).toBe('dryRun=true&q=a+b')
    expect(event.requestContext.http).toMatchObject({
      method: 'POST',
      path: '/payments/p1',
      sourceIp: '10.0.0.1',
    })
    expect(event.requestContext.requestId).toBe('r-1')
    expect(event.routeKey).toBe('POST /payments/p1')
    const withAuthorizer = httpApiEvent({ jwtClaims: { sub: 'u' }, lambdaAuthorizer: { partnerId: 'acme' } })
    expect(withAuthorizer.requestContext.authorizer?.jwt?.claims.sub).toBe('u')
    expect(withAuthorizer.requestContext.authorizer?.lambda).toEqual({ partnerId: 'acme' })
  })

  it('keeps string bodies and explicit content types, and defaults to GET /', () => {
    const event = httpApiEvent({ body: 'raw', headers: { 'Content-Type': 'text/plain' } })
    expect(event.body).toBe('raw')
    expect(event.headers['content-type']).toBe('text/plain')
    const bare = httpApiEvent()
    expect(bare.requestContext.http.method).toBe('GET')
    expect(bare.rawPath).toBe('/')
    expect(bare.body).toBeUndefined()
    expect(bare.requestContext.authorizer).toBeUndefined()
    expect(bare.requestContext.requestId).not.toBe(httpApiEvent().requestContext.requestId)
  })
})

describe('restApiEvent', () => {
  it('builds a v1 event with Cognito claims under requestContext.authorizer.claims', () => {
    const event: APIGatewayProxyEvent = restApiEvent({
      method: 'put',
      path: '/orders/1',
      resource: '/orders/{id}',
      headers: { 'X-Partner': 'acme' },
      body: { a: 1 },
      pathParameters: { id: '1' },
      queryStringParameters: { v: '2' },
      claims: { sub: 'user-1' },
      sourceIp: '10.0.0.2',
    })
    expect(event.httpMethod).toBe('PUT')
    expect(event.resource).toBe('/orders/{id}')
    expect(event.headers).toEqual({ 'X-Partner': 'acme', 'content-type': 'application/json' })
    expect(event.multiValueHeaders['X-Partner']).toEqual(['acme'])
    expect(event.multiValueQueryStringParameters).toEqual({ v: ['2'] })
    expect(event.body).toBe('{"a":1}')
    expect(event.requestContext.authorizer?.claims).toEqual({ sub: 'user-1' })
    expect(event.requestContext.identity.sourceIp).toBe('10.0.0.2')
    expect(event.requestContext.path).toBe('/test/orders/1')
  })

  it('merges a Lambda authorizer context and has null defaults', () => {
    const event = restApiEvent({ lambdaAuthorizer: { partnerId: 'acme' } })
    expect(event.requestContext.authorizer).toEqual({ principalId: 'test-principal', partnerId: 'acme' })
    const bare = restApiEvent()
    expect(bare.body).toBeNull()
    expect(bare.queryStringParameters).toBeNull()
    expect(bare.requestContext.authorizer).toBeUndefined()
  })
})
