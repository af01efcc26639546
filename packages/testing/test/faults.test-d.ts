import { expectTypeOf, it } from 'vitest'
import type { DynamoFaultProxy, DynamoFaults, KmsServer, StsServer } from '../src/index.ts'
import type { LostResponseFaults } from '../src/lost-response-fault.ts'

it('offers transaction conflicts on the DynamoDB proxy only', () => {
  expectTypeOf<Parameters<DynamoFaultProxy['faults']['set']>[0]>().toEqualTypeOf<
    Partial<DynamoFaults & LostResponseFaults>
  >()
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

it('offers lost answers on the DynamoDB proxy only', () => {
  const proxy = {} as DynamoFaultProxy
  proxy.faults.set({ dropResponse: 1, operation: 'TransactWriteItems' })
  expectTypeOf<LostResponseFaults['dropResponse']>().toEqualTypeOf<number>()
  const sts = {} as StsServer
  const kms = {} as KmsServer
  // @ts-expect-error STS answers itself: there is no service behind it to apply the request
  sts.faults.set({ dropResponse: 1 })
  // @ts-expect-error KMS answers itself: there is no service behind it to apply the request
  kms.faults.set({ dropResponse: 1 })
})
