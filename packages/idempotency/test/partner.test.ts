// With the real partnerContext() (loopback STS): records live in each partner's own table, through the
// partner's client, scoped by partner id; the completion commits with the partner's writes.
import { partnerContext } from '@dynamorm/partner'
import { httpApiEvent, type StsServer, startStsServer } from '@dynamorm/testing'
import middy from '@middy/core'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { idempotency, REPLAYED_HEADER } from '../src/index.ts'
import {
  clientMiddleware,
  endpoint,
  type HttpHandler,
  type IdempotencyTables,
  invoke,
  paymentWrite,
  readPayment,
  readRecord,
  tablesForFile,
} from './fixtures.ts'

const roles = {
  acme: { roleArn: 'arn:aws:iam::111122223333:role/dynamorm', externalId: 'acme-x' },
  globex: { roleArn: 'arn:aws:iam::444455556666:role/dynamorm', externalId: 'globex-y' },
}
let sts: StsServer
const tables: Record<string, IdempotencyTables> = {
  acme: tablesForFile('acme-'),
  globex: tablesForFile('globex-'),
}

beforeAll(async () => {
  sts = await startStsServer({ roles: Object.values(roles) })
})
afterAll(async () => {
  await sts.close()
})

it("keeps each partner's records in its own table and scope, committed with its writes", async () => {
  const runs: string[] = []
  const entry = (id: 'acme' | 'globex') => ({
    ...roles[id],
    region: 'us-east-1',
    tableName: (logical: string) =>
      logical === 'idempotency' ? tables[id]!.records.name : tables[id]!.payments.name,
  })
  const handler = middy()
    .use(httpJsonBodyParser())
    .use(clientMiddleware())
    .use(
      partnerContext({
        partners: { acme: entry('acme'), globex: entry('globex') },
        stsClientConfig: {
          endpoint: sts.endpoint,
          region: 'us-east-1',
          credentials: { accessKeyId: 'platform', secretAccessKey: 'local' },
        },
        partnerClient: { clientConfig: { endpoint } },
      }),
    )
    .use(idempotency({ table: 'idempotency' }))
    .handler(async (event: any, context) => {
      const { partner } = context as any
      runs.push(partner.id)
      // Through the partner's Db: the completion must take the same client, or the commit would span two.
      partner.db.unitOfWork.add(
        paymentWrite(partner.tableName('payments'), context.idempotency.key, event.body.amount),
      )
      return { statusCode: 201, body: partner.id }
    }) as unknown as HttpHandler

  const key = `partner-${Date.now()}`
  const request = (partnerId: string) =>
    httpApiEvent({
      method: 'POST',
      path: '/payments',
      body: { amount: 12 },
      headers: { 'idempotency-key': key },
      jwtClaims: { partner_id: partnerId },
    })

  expect((await invoke(handler, request('acme'))).body).toBe('acme')
  expect((await invoke(handler, request('globex'))).body).toBe('globex')
  const replay = await invoke(handler, request('acme'))
  expect(replay.body).toBe('acme')
  expect(replay.headers?.[REPLAYED_HEADER]).toBe('true')
  expect(runs).toEqual(['acme', 'globex'])

  for (const id of ['acme', 'globex'] as const) {
    expect(await readRecord(tables[id]!.records.name, `${id}#POST /payments#${key}`)).toMatchObject({
      status: 'COMPLETED',
    })
    expect(await readPayment(tables[id]!.payments.name, key)).toMatchObject({ amount: 12 })
  }
  // Nothing of one partner in the other's table.
  expect(await readRecord(tables.acme!.records.name, `globex#POST /payments#${key}`)).toBeUndefined()
})
