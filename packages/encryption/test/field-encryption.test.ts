import { inspect } from 'node:util'
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { type AttributeMap, isDynamormError } from '@dynamorm/core'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { defaults, fieldEncryption } from '../src/index.ts'
import {
  contextFor,
  getRaw,
  KEY_A,
  keyOf,
  kmsAndTableForFile,
  kmsClient,
  leaks,
  putRaw,
  startKms,
} from './fixtures.ts'

const setup = kmsAndTableForFile()

const every: Record<string, AttributeValue> = {
  text: { S: '4111 1111 1111 1111' },
  amount: { N: '12.30' },
  blob: { B: Uint8Array.of(0, 1, 2, 250) },
  flag: { BOOL: true },
  nothing: { NULL: true },
  list: { L: [{ S: 'x' }, { N: '2' }, { M: { deep: { BOOL: false } } }] },
  map: { M: { iban: { S: 'DE89370400440532013000' }, bic: { S: 'COBADEFFXXX' } } },
  strings: { SS: ['a', 'b'] },
  numbers: { NS: ['1', '2.5'] },
  binaries: { BS: [Uint8Array.of(1), Uint8Array.of(2)] },
}
const allAttributes = Object.keys(every)

function newItem(pk: string, extra: AttributeMap = {}): AttributeMap {
  return { ...keyOf(pk), status: { S: 'AUTHORIZED' }, ...every, ...extra }
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure')
    },
    (error: unknown) => error,
  )
}

describe('fieldEncryption round trips through DynamoDB Local', () => {
  it('encrypts every attribute type into Binary and reads each back exactly', async () => {
    const encryption = fieldEncryption({ keyId: KEY_A, kms: setup.kmsClient })
    const key = keyOf('rt-1')
    const context = contextFor(setup.table.name, key, allAttributes)
    const sealed = await encryption.beforeWrite(newItem('rt-1'), context)
    for (const attribute of allAttributes) {
      expect(Object.keys(sealed[attribute]!)).toEqual(['B'])
      expect(sealed[attribute]!.B![0]).toBe(0x01)
    }
    expect(sealed.status).toEqual({ S: 'AUTHORIZED' })
    expect(Object.keys(sealed.__dk!.M!)).toHaveLength(1)
    await putRaw(setup.db, setup.table.name, sealed)
    const stored = (await getRaw(setup.db, setup.table.name, key))!
    expect(leaks(JSON.stringify(stored), '4111 1111')).toBe(false)
    const opened = await encryption.afterRead(stored, context)
    expect(opened).toEqual(newItem('rt-1'))
    expect(opened.__dk).toBeUndefined()
  })

  it('leaves items without encrypted values alone and drops a stray data-key attribute', async () => {
    const encryption = fieldEncryption({ keyId: KEY_A, kms: setup.kmsClient })
    const context = contextFor(setup.table.name, keyOf('none'), ['text'])
    const item = { ...keyOf('none'), status: { S: 'X' }, __dk: { M: {} } }
    expect(await encryption.beforeWrite(item, context)).toEqual({ ...keyOf('none'), status: { S: 'X' } })
    expect(await encryption.afterRead({ ...keyOf('none'), status: { S: 'X' } }, context)).toEqual({
      ...keyOf('none'),
      status: { S: 'X' },
    })
  })

  it('uses one data key for many writes: one GenerateDataKey, no Decrypt for its own items', async () => {
    const server = await startKms()
    const encryption = fieldEncryption({ keyId: KEY_A, kms: kmsClient(server) })
    for (let index = 0; index < 20; index++) {
      const key = keyOf(`reuse-${index}`)
      const context = contextFor(setup.table.name, key, ['text', 'map', 'amount'])
      const sealed = await encryption.beforeWrite(newItem(`reuse-${index}`), context)
      expect(await encryption.afterRead(sealed, context)).toEqual(newItem(`reuse-${index}`))
    }
    expect(server.calls('GenerateDataKey')).toBe(1)
    expect(server.calls('Decrypt')).toBe(0)
    expect(server.calls()).toBe(1)
    await server.close()
  })

  it('shares one KMS call between concurrent writes and between concurrent reads', async () => {
    const server = await startKms()
    const writer = fieldEncryption({ keyId: KEY_A, kms: kmsClient(server) })
    const contexts = Array.from({ length: 10 }, (_, index) =>
      contextFor(setup.table.name, keyOf(`concurrent-${index}`), ['text']),
    )
    const sealed = await Promise.all(
      contexts.map((context, index) => writer.beforeWrite(newItem(`concurrent-${index}`), context)),
    )
    expect(server.calls('GenerateDataKey')).toBe(1)
    const reader = fieldEncryption({ keyId: KEY_A, kms: kmsClient(server) })
    const opened = await Promise.all(sealed.map((item, index) => reader.afterRead(item, contexts[index]!)))
    expect(opened.map((item) => item.text)).toEqual(contexts.map(() => every.text))
    expect(server.calls('Decrypt')).toBe(1)
    await server.close()
  })

  it('generates a new data key after maxMessagesPerKey fields and after maxKeyAgeMs', async () => {
    const server = await startKms()
    let now = 0
    const encryption = fieldEncryption({
      keyId: KEY_A,
      kms: kmsClient(server),
      maxMessagesPerKey: 4,
      maxKeyAgeMs: 1000,
      now: () => now,
    })
    const write = (pk: string, attributes: string[]) =>
      encryption.beforeWrite(newItem(pk), contextFor(setup.table.name, keyOf(pk), attributes))
    const first = await write('budget-1', ['text', 'amount']) // 2 of 4
    const second = await write('budget-2', ['text', 'amount']) // 4 of 4
    expect(second.__dk).toEqual(first.__dk)
    const third = await write('budget-3', ['text']) // over budget: new key
    expect(third.__dk).not.toEqual(first.__dk)
    expect(server.calls('GenerateDataKey')).toBe(2)
    // An item with more fields than the budget still gets written, under a fresh key.
    await write('budget-4', ['text', 'amount', 'map', 'list', 'flag'])
    expect(server.calls('GenerateDataKey')).toBe(3)
    now = 1000
    await write('budget-5', ['text'])
    expect(server.calls('GenerateDataKey')).toBe(4)
    // The decrypt cache is bounded by the same age: old keys are asked of KMS again.
    const opened = await encryption.afterRead(
      first,
      contextFor(setup.table.name, keyOf('budget-1'), ['text', 'amount']),
    )
    expect(opened.text).toEqual(every.text)
    expect(server.calls('Decrypt')).toBe(1)
    await server.close()
  })

  it('wipes keys once maxKeyAgeMs is up, though nothing asks for them again', async () => {
    // Forgotten only at their next use, a key read once would stay in memory for the container's life.
    const server = await startKms()
    let now = 0
    const encryption = fieldEncryption({
      keyId: KEY_A,
      kms: kmsClient(server),
      maxKeyAgeMs: 1000,
      now: () => now,
    })
    const sealed = await encryption.beforeWrite(
      newItem('aged'),
      contextFor('t-aged', keyOf('aged'), ['text']),
    )
    const other = fieldEncryption({
      keyId: KEY_A,
      kms: kmsClient(server),
      maxKeyAgeMs: 1000,
      now: () => now,
    })
    await other.afterRead(sealed, contextFor('t-aged', keyOf('aged'), ['text']))
    expect(encryption.cachedKeys).toEqual({ current: 1, decrypted: 1 })
    expect(other.cachedKeys).toEqual({ current: 0, decrypted: 1 })
    // The expiry timers run on real time (the age, 1 s), the clock the caches read is this one.
    now = 1000
    await vi.waitFor(
      () => {
        expect(encryption.cachedKeys).toEqual({ current: 0, decrypted: 0 })
        expect(other.cachedKeys).toEqual({ current: 0, decrypted: 0 })
      },
      { timeout: 5000 },
    )
    await server.close()
  })

  it('refuses a maxKeyAgeMs under a second: a key could age out between KMS answering and its use', async () => {
    // With 1 ms and a clock that ticks between caching the new key and taking it, every new key was
    // already expired: the keyring asked KMS again, forever.
    const server = await startKms()
    let now = 0
    const settings = { keyId: KEY_A, kms: kmsClient(server), now: () => now++ }
    for (const maxKeyAgeMs of [1, 999]) {
      expect(() => fieldEncryption({ ...settings, maxKeyAgeMs })).toThrow(/maxKeyAgeMs must be/)
    }
    const encryption = fieldEncryption({ ...settings, maxKeyAgeMs: 1000 })
    await encryption.beforeWrite(newItem('tick'), contextFor('t-tick', keyOf('tick'), ['text']))
    expect(server.calls('GenerateDataKey')).toBe(1)
    await server.close()
  })

  it('bounds its caches and wipes evicted keys (caches stay at maxCachedKeys)', async () => {
    const server = await startKms()
    const encryption = fieldEncryption({ keyId: KEY_A, kms: kmsClient(server), maxCachedKeys: 2 })
    const items: AttributeMap[] = []
    for (const table of ['t1', 't2', 't3']) {
      items.push(await encryption.beforeWrite(newItem('x'), contextFor(table, keyOf('x'), ['text'])))
    }
    expect(encryption.cachedKeys).toEqual({ current: 2, decrypted: 2 })
    expect(server.calls('GenerateDataKey')).toBe(3)
    // t1's key was evicted: reading asks KMS (and evicts another).
    const opened = await encryption.afterRead(items[0]!, contextFor('t1', keyOf('x'), ['text']))
    expect(opened.text).toEqual(every.text)
    expect(server.calls('Decrypt')).toBe(1)
    expect(encryption.cachedKeys.decrypted).toBe(2)
    encryption.wipeKeys()
    expect(encryption.cachedKeys).toEqual({ current: 0, decrypted: 0 })
    await server.close()
  })
})

describe('binding: moved or altered ciphertexts never decrypt', () => {
  let encryption: ReturnType<typeof fieldEncryption>
  let rowA: AttributeMap
  let rowB: AttributeMap
  const attributes = ['text', 'map']
  const contextA = () => contextFor(setup.table.name, keyOf('bind-a'), attributes)
  const contextB = () => contextFor(setup.table.name, keyOf('bind-b'), attributes)

  beforeAll(async () => {
    encryption = fieldEncryption({ keyId: KEY_A, kms: setup.kmsClient })
    rowA = await encryption.beforeWrite(newItem('bind-a'), contextA())
    rowB = await encryption.beforeWrite(newItem('bind-b', { text: { S: 'other card' } }), contextB())
    await putRaw(setup.db, setup.table.name, rowA)
    await putRaw(setup.db, setup.table.name, rowB)
  })

  const expectDecryptionError = async (item: AttributeMap, context = contextA()) => {
    const error = await caught(encryption.afterRead(item, context))
    expect(isDynamormError(error, 'DecryptionError')).toBe(true)
    expect((error as { status: number }).status).toBe(500)
    return error as Error
  }

  it('refuses a field copied from another row (same data key, other key values)', async () => {
    // Both rows share one data key, so only the AAD's key binding stops this.
    expect(rowA.__dk).toEqual(rowB.__dk)
    const swapped = { ...(await getRaw(setup.db, setup.table.name, keyOf('bind-a')))!, text: rowB.text! }
    await putRaw(setup.db, setup.table.name, swapped)
    const error = await expectDecryptionError((await getRaw(setup.db, setup.table.name, keyOf('bind-a')))!)
    expect(error.message).toContain('text')
    expect(leaks(inspect(error, { depth: 10, showHidden: true }), 'other card')).toBe(false)
  })

  it('refuses a field moved to another attribute of the same row', async () => {
    await expectDecryptionError({ ...rowA, map: rowA.text! })
  })

  it('refuses a row read as if it were in another table', async () => {
    await expectDecryptionError(rowA, contextFor('another-table', keyOf('bind-a'), attributes))
  })

  it('refuses a numeric key spelled differently only if its value differs', async () => {
    const numericKey = { id: { N: '12.30' } }
    const sealed = await encryption.beforeWrite(
      { ...numericKey, text: every.text! },
      contextFor('t', numericKey, ['text']),
    )
    // DynamoDB hands numbers back normalised: the binding must not care.
    const opened = await encryption.afterRead(sealed, contextFor('t', { id: { N: '12.3' } }, ['text']))
    expect(opened.text).toEqual(every.text)
    await expectDecryptionError(sealed, contextFor('t', { id: { N: '12.31' } }, ['text']))
  })

  it('refuses any flipped bit, truncation or wrong format version', async () => {
    const field = rowA.text!.B!
    for (const position of [0, 1, 5, 12, 20, field.length - 1]) {
      const flipped = Uint8Array.from(field)
      flipped[position]! ^= 0x01
      await expectDecryptionError({ ...rowA, text: { B: flipped } })
    }
    for (const length of [0, 1, 9, 30, field.length - 1]) {
      await expectDecryptionError({ ...rowA, text: { B: field.subarray(0, length) } })
    }
    await expectDecryptionError({ ...rowA, text: { B: Uint8Array.from([2, ...field.subarray(1)]) } })
    await expectDecryptionError({ ...rowA, text: { B: Uint8Array.from([1, 9, ...field.subarray(2)]) } })
  })

  it('refuses a field naming an empty inline data key without asking KMS', async () => {
    // Kind 0x02 with a zero length: no KMS ciphertext is empty, and KMS would answer ValidationException.
    const decrypts = setup.kms.calls('Decrypt')
    const field = Buffer.concat([Buffer.of(1, 2, 0, 0), rowA.text!.B!.subarray(-28)])
    const error = await expectDecryptionError({ ...rowA, text: { B: field } })
    expect(error.message).toContain('malformed')
    expect(setup.kms.calls('Decrypt')).toBe(decrypts)
  })

  it('refuses a plaintext value where a field should be encrypted', async () => {
    const error = await expectDecryptionError({ ...rowA, text: { S: '4111 1111 1111 1111' } })
    expect(error.message).not.toContain('4111')
  })

  it('refuses an item whose data key is missing or replaced', async () => {
    await expectDecryptionError({ ...rowA, __dk: undefined as never })
    const { __dk: _removed, ...withoutKey } = rowA
    await expectDecryptionError(withoutKey)
    const otherEncryption = fieldEncryption({ keyId: KEY_A, kms: setup.kmsClient })
    const foreign = await otherEncryption.beforeWrite(newItem('bind-a'), contextA())
    await expectDecryptionError({ ...rowA, __dk: foreign.__dk! })
    // A tampered encrypted data key under the right id: KMS refuses it, still a DecryptionError.
    const [id, stored] = Object.entries(rowA.__dk!.M!)[0]!
    const tampered = Uint8Array.from(stored.B!)
    tampered[tampered.length - 1]! ^= 1
    const fresh = fieldEncryption({ keyId: KEY_A, kms: setup.kmsClient })
    const error = await caught(
      fresh.afterRead({ ...rowA, __dk: { M: { [id]: { B: tampered } } } }, contextA()),
    )
    expect(isDynamormError(error, 'DecryptionError')).toBe(true)
  })

  it('refuses to encrypt a key attribute or to use reserved names', async () => {
    const key = keyOf('bad')
    for (const attributes of [['pk'], ['__dk']]) {
      const error = await caught(
        encryption.beforeWrite(newItem('bad'), contextFor(setup.table.name, key, attributes)),
      )
      expect(isDynamormError(error, 'ValidationError')).toBe(true)
    }
    const error = await caught(
      encryption.beforeWrite(newItem('bad'), contextFor(setup.table.name, {}, ['text'])),
    )
    expect(isDynamormError(error, 'ValidationError')).toBe(true)
  })
})

describe('partial writes (UpdateItem SET values)', () => {
  it('seals each field with its own data key and leaves the item data key alone', async () => {
    const encryption = fieldEncryption({ keyId: KEY_A, kms: setup.kmsClient })
    const key = keyOf('partial-1')
    const context = contextFor(setup.table.name, key, ['text', 'map'])
    await putRaw(setup.db, setup.table.name, await encryption.beforeWrite(newItem('partial-1'), context))
    // What core's update hands over: only the values being set, no key attributes.
    const set = await encryption.beforeWrite({ text: { S: 'new card' } }, context)
    expect(Object.keys(set)).toEqual(['text'])
    expect(set.text!.B![1]).toBe(0x02)
    const stored = (await getRaw(setup.db, setup.table.name, key))!
    await putRaw(setup.db, setup.table.name, { ...stored, text: set.text! })
    const opened = await encryption.afterRead((await getRaw(setup.db, setup.table.name, key))!, context)
    expect(opened.text).toEqual({ S: 'new card' })
    expect(opened.map).toEqual(every.map)
    // An explicit flag wins over the guess.
    const explicit = await encryption.beforeWrite(newItem('partial-1'), { ...context, partial: true })
    expect(explicit.__dk).toBeUndefined()
    expect(explicit.text!.B![1]).toBe(0x02)
    expect((await encryption.afterRead(explicit, context)).text).toEqual(every.text)
  })
})

describe('KMS failures fail closed', () => {
  it('stores nothing when KMS is down: KmsUnavailableError (503)', async () => {
    const server = await startKms()
    const encryption = fieldEncryption({ keyId: KEY_A, kms: kmsClient(server) })
    server.faults.set({ serverError: 10 })
    const key = keyOf('down-1')
    const context = contextFor(setup.table.name, key, ['text'])
    const write = async () =>
      putRaw(setup.db, setup.table.name, await encryption.beforeWrite(newItem('down-1'), context))
    const error = await caught(write())
    expect(isDynamormError(error, 'KmsUnavailableError')).toBe(true)
    expect((error as { status: number }).status).toBe(503)
    expect(await getRaw(setup.db, setup.table.name, key)).toBeUndefined()
    server.faults.reset()
    await server.close()
    // Closed server: a network failure is also unavailability.
    const closed = await caught(write())
    expect(isDynamormError(closed, 'KmsUnavailableError')).toBe(true)
    expect(await getRaw(setup.db, setup.table.name, key)).toBeUndefined()
  })

  it('maps throttling to KmsUnavailableError and a disabled key to KmsKeyError (502)', async () => {
    const server = await startKms()
    const encryption = fieldEncryption({ keyId: KEY_A, kms: kmsClient(server) })
    const context = contextFor(setup.table.name, keyOf('throttle'), ['text'])
    server.faults.set({ throttle: 10 })
    expect(
      isDynamormError(
        await caught(encryption.beforeWrite(newItem('throttle'), context)),
        'KmsUnavailableError',
      ),
    ).toBe(true)
    server.faults.reset()
    server.disableKey(KEY_A)
    const refused = await caught(encryption.beforeWrite(newItem('throttle'), context))
    expect(isDynamormError(refused, 'KmsKeyError')).toBe(true)
    expect((refused as { status: number }).status).toBe(502)
    server.enableKey(KEY_A)
    // A failure is not cached: the next write succeeds.
    const sealed = await encryption.beforeWrite(newItem('throttle'), context)
    // Reading with KMS down fails closed too, and releases keys it did get.
    const reader = fieldEncryption({ keyId: KEY_A, kms: kmsClient(server) })
    server.faults.set({ serverError: 10, operation: 'Decrypt' })
    expect(isDynamormError(await caught(reader.afterRead(sealed, context)), 'KmsUnavailableError')).toBe(true)
    server.faults.reset()
    expect((await reader.afterRead(sealed, context)).text).toEqual(every.text)
    await server.close()
  })

  it('rejects an unknown key id as KmsKeyError before anything is stored', async () => {
    const encryption = fieldEncryption({ keyId: 'alias/no-such-key', kms: setup.kmsClient })
    const error = await caught(
      encryption.beforeWrite(newItem('nokey'), contextFor(setup.table.name, keyOf('nokey'), ['text'])),
    )
    expect(isDynamormError(error, 'KmsKeyError')).toBe(true)
  })
})

describe('no plaintext in errors or logs', () => {
  it('keeps secrets out of every error and every console line, whatever fails', async () => {
    const secret = 'PAN-5500005555555559'
    const server = await startKms()
    const encryption = fieldEncryption({ keyId: KEY_A, kms: kmsClient(server) })
    const lines: string[] = []
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(args.map((arg) => inspect(arg, { depth: 10 })).join(' '))
      }),
    )
    const errors: unknown[] = []
    const key = keyOf('secret')
    const context = contextFor(setup.table.name, key, ['text', 'amount'])
    const item = newItem('secret', { text: { S: secret }, amount: { N: 'not-a-number' } })
    errors.push(await caught(encryption.beforeWrite(item, context)))
    server.faults.set({ serverError: 10 })
    errors.push(await caught(encryption.beforeWrite(newItem('secret', { text: { S: secret } }), context)))
    server.faults.reset()
    const sealed = await encryption.beforeWrite(newItem('secret', { text: { S: secret } }), context)
    errors.push(await caught(encryption.afterRead({ ...sealed, amount: sealed.text! }, context)))
    errors.push(await caught(encryption.afterRead(sealed, contextFor('elsewhere', key, ['text']))))
    for (const spy of spies) spy.mockRestore()
    expect(errors.map((error) => (error as Error).name)).toEqual([
      'ValidationError',
      'KmsUnavailableError',
      'DecryptionError',
      'DecryptionError',
    ])
    for (const error of errors) {
      const text = `${inspect(error, { depth: 20, showHidden: true })} ${JSON.stringify(error)} ${String(error)}`
      expect(leaks(text, secret)).toBe(false)
      expect(text).not.toContain('local') // no credentials either
    }
    expect(lines.some((line) => leaks(line, secret))).toBe(false)
    await server.close()
  })
})

describe('configuration', () => {
  it('documents its defaults', () => {
    expect(defaults).toEqual({
      maxMessagesPerKey: 10_000,
      maxKeyAgeMs: 300_000,
      maxCachedKeys: 1000,
      dataKeyAttribute: '__dk',
      beaconBits: 64,
    })
  })

  it('rejects invalid options with EncryptionConfigError', () => {
    const invalid = [
      { keyId: '' },
      { keyId: KEY_A, maxMessagesPerKey: 0 },
      { keyId: KEY_A, maxKeyAgeMs: -1 },
      { keyId: KEY_A, maxCachedKeys: 1.5 },
      { keyId: KEY_A, beacons: { key: 'AAAA', attributes: { text: { bits: 12 } } } },
      { keyId: KEY_A, beacons: { key: 'AAAA', attributes: { text: { bits: 512 } } } },
      { keyId: KEY_A, beacons: { key: '', attributes: { text: {} } } },
      { keyId: KEY_A, beacons: { key: 'AAAA', attributes: { text: { name: '__dk' } } } },
    ]
    for (const options of invalid) {
      expect(() => fieldEncryption(options)).toThrow(
        expect.objectContaining({ name: 'EncryptionConfigError' }),
      )
    }
  })

  it('creates a default KMS client only when first needed', async () => {
    const encryption = fieldEncryption({ keyId: KEY_A })
    expect(encryption.storedAttributes).toEqual({ dataKey: '__dk', beacons: {} })
    // No value to encrypt: no client, no KMS call.
    expect(await encryption.beforeWrite(keyOf('lazy'), contextFor('t', keyOf('lazy'), ['text']))).toEqual(
      keyOf('lazy'),
    )
  })
})
