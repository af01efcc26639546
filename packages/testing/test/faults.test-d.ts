import { expectTypeOf, it } from 'vitest'
import type { DynamoFaultProxy, DynamoFaults, KmsServer, StsServer } from '../src/index.ts'

it('offers transaction conflicts on the DynamoDB proxy only', () => {
  expectTypeOf<Parameters<DynamoFaultProxy['faults']['set']>[0]>().toEqualTypeOf<Partial<DynamoFaults>>()
  expectTypeOf<DynamoFaults['transactionConflict']>().toEqualTypeOf<number>()
  const sts = {} as StsServer
  const kms = {} as KmsServer
  // @ts-expect-error STS has no transactions to conflict
  sts.faults.set({ transactionConflict: 1 })
  // @ts-expect-error KMS has no transactions to conflict
  kms.faults.set({ transactionConflict: 1 })
  const proxy = {} as DynamoFaultProxy
  // @ts-expect-error a count, not a flag
  proxy.faults.set({ transactionConflict: true })
})
