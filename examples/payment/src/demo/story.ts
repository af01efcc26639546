// The demo's script: a payment's life through the real handlers (middy stacks, invoked with API
// Gateway HTTP API events and Lambda contexts), each step checked against what must happen.
import { performance } from 'node:perf_hooks'
import { ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb'
import { httpApiEvent, lambdaContext } from '@dynamorm/testing'
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda'
import { type AuditReport, auditReport } from '../audit-report.ts'
import type { LocalStack } from '../local-stack.ts'
import { CAPACITY_HEADER, COST_HEADER } from '../request-cost.ts'

export interface StoryStep {
  title: string
  /** What had to happen, e.g. '201' or '1 x 201, rest 409 or replayed'. */
  expected: string
  /** What did happen. */
  actual: string
  ok: boolean
  latencyMs: number
  /** DynamoDB calls the step made (counted by the proxy in front of DynamoDB Local). */
  dynamoCalls: number
  costUsd: number
  note: string
}

export interface StoryResult {
  partners: [string, string]
  steps: StoryStep[]
  calls: { sts: number; kms: Record<string, number>; dynamo: Record<string, number> }
  capacity: { readCapacityUnits: number; writeCapacityUnits: number }
  costUsd: number
  auditBefore: AuditReport
  auditAfter: AuditReport
  ok: boolean
}

export interface StoryOptions {
  /** Ids of the two partners to register (default 'acme' and 'globex'). */
  partners?: [string, string]
  /** Told about each step as it finishes. */
  onStep?: (step: StoryStep) => void
}

const CARD = { number: '4111 1111 1111 1111', expMonth: 12, expYear: 2030, cvc: '737' }
const DYNAMO_OPERATIONS = [
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'TransactWriteItems',
]
const KMS_OPERATIONS = ['GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'Decrypt', 'Encrypt']

interface Response {
  status: number
  body: any
  headers: Record<string, string>
}

export async function runPaymentStory(stack: LocalStack, options: StoryOptions = {}): Promise<StoryResult> {
  const [a, b] = options.partners ?? ['acme', 'globex']
  await stack.registerPartner(a)
  await stack.registerPartner(b)
  const steps: StoryStep[] = []
  const totals = { readCapacityUnits: 0, writeCapacityUnits: 0, costUsd: 0 }
  let requestCount = 0

  const call = async (
    partner: string,
    method: string,
    path: string,
    extra: {
      body?: unknown
      key?: string
      query?: Record<string, string>
      headers?: Record<string, string>
    } = {},
  ): Promise<Response> => {
    const headers: Record<string, string> = { ...extra.headers }
    if (extra.key !== undefined) headers['idempotency-key'] = extra.key
    const event = httpApiEvent({
      method,
      path,
      headers,
      body: extra.body,
      ...(extra.query === undefined ? {} : { queryStringParameters: extra.query }),
      jwtClaims: { sub: `${partner}-operator`, partner_id: partner },
    })
    requestCount++
    const result = (await stack.api.route(
      event,
      lambdaContext({ awsRequestId: `demo-${String(requestCount).padStart(4, '0')}` }),
    )) as APIGatewayProxyStructuredResultV2
    const responseHeaders = Object.fromEntries(
      Object.entries(result.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]),
    )
    const capacity = /rcu=([\d.]+); wcu=([\d.]+)/.exec(responseHeaders[CAPACITY_HEADER] ?? '')
    totals.readCapacityUnits += Number(capacity?.[1] ?? 0)
    totals.writeCapacityUnits += Number(capacity?.[2] ?? 0)
    totals.costUsd += Number(responseHeaders[COST_HEADER]) || 0
    return {
      status: result.statusCode ?? 200,
      body: result.body === undefined ? undefined : JSON.parse(result.body),
      headers: responseHeaders,
    }
  }

  const step = async (
    title: string,
    expected: string,
    action: () => Promise<{ actual: string; ok: boolean; note?: string; costUsd?: number }>,
  ) => {
    const callsBefore = stack.proxy.calls()
    const costBefore = totals.costUsd
    const started = performance.now()
    const outcome = await action()
    const done: StoryStep = {
      title,
      expected,
      actual: outcome.actual,
      ok: outcome.ok,
      latencyMs: performance.now() - started,
      dynamoCalls: stack.proxy.calls() - callsBefore,
      costUsd: totals.costUsd - costBefore,
      note: outcome.note ?? '',
    }
    steps.push(done)
    options.onStep?.(done)
  }
  const replayed = (response: Response) => response.headers['idempotent-replayed'] === 'true'

  const order = { amount: 1250, currency: 'EUR', card: CARD, merchantReference: 'order-1001' }
  let paymentId = ''
  await step('create a payment (partner A)', '201', async () => {
    const response = await call(a, 'POST', '/payments', { body: order, key: 'order-1001' })
    paymentId = response.body?.id ?? ''
    return {
      actual: String(response.status),
      ok:
        response.status === 201 && response.body?.status === 'authorized' && !('cardNumber' in response.body),
      note: `${paymentId} ${response.body?.status}, card ${response.body?.card?.brand} ...${response.body?.card?.last4}`,
    }
  })

  await step('retry the same request', '201 replayed, same id', async () => {
    const response = await call(a, 'POST', '/payments', { body: order, key: 'order-1001' })
    return {
      actual: `${response.status}${replayed(response) ? ' replayed' : ''}`,
      ok: response.status === 201 && replayed(response) && response.body?.id === paymentId,
      note: 'stored response replayed; the handler did not run',
    }
  })

  await step('same key, another amount', '422', async () => {
    const response = await call(a, 'POST', '/payments', {
      body: { ...order, amount: 9999 },
      key: 'order-1001',
    })
    return { actual: String(response.status), ok: response.status === 422, note: response.body?.error?.name }
  })

  const concurrent = 5
  await step(`${concurrent} concurrent duplicates`, 'exactly one runs', async () => {
    const body = { ...order, amount: 4200, merchantReference: 'order-1002' }
    const responses = await Promise.all(
      Array.from({ length: concurrent }, () => call(a, 'POST', '/payments', { body, key: 'order-1002' })),
    )
    const ran = responses.filter((response) => response.status === 201 && !replayed(response))
    const replays = responses.filter((response) => response.status === 201 && replayed(response))
    const inFlight = responses.filter((response) => response.status === 409)
    const ids = new Set(responses.filter((r) => r.status === 201).map((response) => response.body.id))
    return {
      actual: `${ran.length} ran, ${inFlight.length} x 409 in flight, ${replays.length} replayed`,
      ok: ran.length === 1 && ids.size === 1 && ran.length + replays.length + inFlight.length === concurrent,
      note: `one payment (${[...ids][0]})`,
    }
  })

  await step("partner B reads A's payment, forging A's id", '404', async () => {
    const response = await call(b, 'GET', `/payments/${paymentId}`, { headers: { 'x-partner-id': a } })
    return {
      actual: String(response.status),
      ok: response.status === 404,
      note: "B's own account and tables: A's payment is not there; the header is ignored",
    }
  })

  await step('capture (partner A)', '200 captured', async () => {
    const response = await call(a, 'POST', `/payments/${paymentId}/capture`, { key: 'capture-1001' })
    return {
      actual: `${response.status} ${response.body?.status}`,
      ok: response.status === 200 && response.body?.status === 'captured',
      note: `captured ${response.body?.capturedAmount}, version ${response.body?.version}`,
    }
  })

  await step('partial refund of 400', '201 partially_refunded', async () => {
    const response = await call(a, 'POST', `/payments/${paymentId}/refunds`, {
      body: { amount: 400, reason: 'one item returned' },
      key: 'refund-1001-1',
    })
    return {
      actual: `${response.status} ${response.body?.payment?.status}`,
      ok: response.status === 201 && response.body?.payment?.status === 'partially_refunded',
      note: `refunded ${response.body?.payment?.refundedAmount} of ${response.body?.payment?.capturedAmount}`,
    }
  })

  await step('refund more than is left', '422', async () => {
    const response = await call(a, 'POST', `/payments/${paymentId}/refunds`, {
      body: { amount: 900 },
      key: 'refund-1001-2',
    })
    return { actual: String(response.status), ok: response.status === 422, note: response.body?.error?.name }
  })

  await step('list authorized, limit 1, then the next page', '200, 200', async () => {
    await call(a, 'POST', '/payments', {
      body: { ...order, amount: 99, merchantReference: 'order-1003' },
      key: 'order-1003',
    })
    const first = await call(a, 'GET', '/payments', { query: { status: 'authorized', limit: '1' } })
    const cursor = first.body?.cursor
    const second = await call(a, 'GET', '/payments', { query: { status: 'authorized', limit: '1', cursor } })
    const seen = [...(first.body?.items ?? []), ...(second.body?.items ?? [])].map((item: any) => item.amount)
    return {
      actual: `${first.status}, ${second.status}`,
      ok: first.status === 200 && second.status === 200 && typeof cursor === 'string' && seen.length === 2,
      note: `amounts ${seen.join(', ')} (newest first), signed cursor of ${String(cursor).length} chars`,
    }
  })

  await step('payments with this card (beacon GSI)', '200, 3 payments', async () => {
    const response = await call(a, 'POST', '/payments/search', { body: { cardNumber: CARD.number } })
    const count = response.body?.items?.length
    return { actual: `${response.status}, ${count} payments`, ok: response.status === 200 && count === 3 }
  })

  const partnerDb = stack.partnerDb(a)
  let auditBefore: AuditReport | undefined
  await step("verify A's audit chain", 'valid', async () => {
    auditBefore = await auditReport({ db: partnerDb, partnerId: a })
    const { verification } = auditBefore
    return {
      actual: verification.valid ? 'valid' : 'invalid',
      ok: verification.valid && verification.entries > 0,
      note: `${verification.entries} entries, ${verification.shards} shard(s)`,
    }
  })

  let auditAfter: AuditReport | undefined
  await step('edit an audit entry in DynamoDB, verify', 'tampering detected', async () => {
    // What an insider with table access would do: rewrite an entry's content in place.
    const table = partnerDb.tableName('audit')
    const { Items } = await stack.client.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: 'begins_with(sk, :entry)',
        ExpressionAttributeValues: { ':entry': { S: 'ENTRY#' } },
      }),
    )
    const victim = Items?.find((item) => item.content?.S?.includes('payment.refund'))
    if (victim === undefined) return { actual: 'no entry to tamper with', ok: false }
    const content = JSON.parse(victim.content!.S!)
    content.actor = 'mallory'
    await stack.client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { pk: victim.pk!, sk: victim.sk! },
        UpdateExpression: 'SET content = :content',
        ExpressionAttributeValues: { ':content': { S: JSON.stringify(content) } },
      }),
    )
    auditAfter = await auditReport({ db: partnerDb, partnerId: a })
    const problem = auditAfter.verification.problems[0]
    return {
      actual: auditAfter.verification.valid ? 'not detected' : 'tampering detected',
      ok: !auditAfter.verification.valid && problem?.kind === 'modified',
      note:
        problem === undefined
          ? ''
          : `${problem.kind} entry at shard ${problem.shard} position ${problem.position}`,
    }
  })

  return {
    partners: [a, b],
    steps,
    calls: {
      sts: stack.sts.calls(),
      kms: Object.fromEntries(KMS_OPERATIONS.map((operation) => [operation, stack.kms.calls(operation)])),
      dynamo: Object.fromEntries(
        DYNAMO_OPERATIONS.map((operation) => [operation, stack.proxy.calls(operation)]).filter(
          ([, n]) => n !== 0,
        ),
      ),
    },
    capacity: { readCapacityUnits: totals.readCapacityUnits, writeCapacityUnits: totals.writeCapacityUnits },
    costUsd: totals.costUsd,
    auditBefore: auditBefore!,
    auditAfter: auditAfter!,
    ok: steps.every((done) => done.ok),
  }
}
