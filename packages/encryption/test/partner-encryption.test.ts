import { KMSClient } from '@aws-sdk/client-kms'
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts'
import {
  type AnyModel,
  createDb,
  DynamormError,
  defineModel,
  isDynamormError,
  map,
  number,
  string,
} from '@dynamorm/core'
import { type KmsServer, type StsServer, startStsServer } from '@dynamorm/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type EncryptingPartner, partnerDefaults, partnerFieldEncryption } from '../src/index.ts'
import { contextFor, getRaw, KEY_A, KEY_B, keyOf, putRaw, startKms, type TestDb, testDb } from './fixtures.ts'

const ROLE_A = 'arn:aws:iam::111111111111:role/dynamorm-partner'
const ROLE_B = 'arn:aws:iam::222222222222:role/dynamorm-partner'

let kms: KmsServer
let sts: StsServer
let env: TestDb
const signedWith: string[] = []
let requestHandler: unknown

beforeAll(async () => {
  kms = await startKms()
  sts = await startStsServer({
    roles: [
      { roleArn: ROLE_A, externalId: 'ext-a' },
      { roleArn: ROLE_B, externalId: 'ext-b' },
    ],
  })
  env = await testDb()
  // The SDK's own handler, wrapped to see which access key signed each KMS request.
  const inner = new KMSClient({ region: 'us-east-1' }).config.requestHandler as {
    handle(request: { headers: Record<string, string> }, options?: unknown): Promise<unknown>
  }
  requestHandler = {
    handle(request: { headers: Record<string, string> }, options?: unknown) {
      const credential = /Credential=([A-Z0-9]+)\//.exec(request.headers.authorization ?? '')?.[1]
      if (credential) signedWith.push(credential)
      return inner.handle(request, options)
    },
  }
})

afterAll(async () => {
  await env.table.delete()
  await kms.close()
  await sts.close()
})

/** What @dynamorm/partner provides: a provider of the partner's assumed-role credentials. */
function assumedRole(roleArn: string, externalId: string) {
  const client = new STSClient({
    region: 'us-east-1',
    endpoint: sts.endpoint,
    credentials: { accessKeyId: 'container', secretAccessKey: 'container' },
  })
  return async () => {
    const { Credentials: credentials } = await client.send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'dynamorm', ExternalId: externalId }),
    )
    return {
      accessKeyId: credentials!.AccessKeyId!,
      secretAccessKey: credentials!.SecretAccessKey!,
      sessionToken: credentials!.SessionToken!,
      expiration: credentials!.Expiration!,
    }
  }
}

const partnerA = (): EncryptingPartner => ({
  id: 'partner-a',
  region: 'us-east-1',
  kmsKeyId: KEY_A,
  credentials: assumedRole(ROLE_A, 'ext-a'),
})
const partnerB = (): EncryptingPartner => ({
  id: 'partner-b',
  region: 'us-east-1',
  kmsKeyId: KEY_B,
  credentials: assumedRole(ROLE_B, 'ext-b'),
})

const kmsConfig = () => ({ endpoint: kms.endpoint, requestHandler: requestHandler as never, maxAttempts: 2 })

describe('partnerFieldEncryption', () => {
  it("seals a partner's fields with its own KMS key through its assumed role", async () => {
    const forPartner = partnerFieldEncryption({ kmsConfig: kmsConfig() })
    const partner = partnerA()
    const encryption = forPartner(partner)
    expect(forPartner({ ...partner })).toBe(encryption) // one client and cache per partner
    const before = signedWith.length
    const context = contextFor(env.table.name, keyOf('partner-a-1'), ['card'])
    const sealed = await encryption.beforeWrite({ ...keyOf('partner-a-1'), card: { S: '4111' } }, context)
    await putRaw(env.db, env.table.name, sealed)
    const session = sts.sessions.at(-1)!
    expect(session.roleArn).toBe(ROLE_A)
    expect(session.externalId).toBe('ext-a')
    expect(signedWith.slice(before)).toEqual([session.accessKeyId])
    expect(kms.calls('GenerateDataKey')).toBeGreaterThanOrEqual(1)
    const stored = (await getRaw(env.db, env.table.name, keyOf('partner-a-1')))!
    expect((await encryption.afterRead(stored, context)).card).toEqual({ S: '4111' })

    // Another partner: its own role and key; it cannot open partner A's row (other key, other binding).
    const other = forPartner(partnerB())
    expect(other).not.toBe(encryption)
    const otherSealed = await other.beforeWrite({ ...keyOf('partner-b-1'), card: { S: '5500' } }, context)
    expect(sts.sessions.at(-1)!.roleArn).toBe(ROLE_B)
    const error = await other.afterRead({ ...stored, card: otherSealed.card! }, context).catch((e) => e)
    expect(isDynamormError(error, 'DecryptionError')).toBe(true)
    forPartner.dispose()
  })

  it('uses refreshed credentials a partner context brings, without rebuilding the partner', async () => {
    // Credentials close to expiry: the SDK asks the provider again before every request.
    sts.setDurationOverride(60)
    const forPartner = partnerFieldEncryption({ kmsConfig: kmsConfig() })
    const first = forPartner(partnerA())
    await first.beforeWrite(
      { ...keyOf('refresh'), card: { S: 'x' } },
      contextFor('t1', keyOf('refresh'), ['card']),
    )
    const refreshed = { ...partnerA(), credentials: { accessKeyId: 'ASIAREFRESHED', secretAccessKey: 's' } }
    expect(forPartner(refreshed)).toBe(first)
    const before = signedWith.length
    // Another table, so another data key: exactly one KMS call, signed with what the partner now brings.
    await first.beforeWrite(
      { ...keyOf('refresh'), card: { S: 'y' } },
      contextFor('t2', keyOf('refresh'), ['card']),
    )
    sts.setDurationOverride(undefined)
    expect(signedWith.slice(before)).toEqual(['ASIAREFRESHED'])
    forPartner.dispose()
  })

  it("signs with the partner's current credentials at every KMS call when its provider caches them itself", async () => {
    // @dynamorm/partner's provider is marked memoized: it decides when credentials change (a refresh,
    // or a new session after the registry entry changed), so the SDK must not keep a copy of its own.
    const session = (accessKeyId: string) =>
      Object.assign(
        async () => ({
          accessKeyId,
          secretAccessKey: 's',
          sessionToken: 't',
          expiration: new Date(Date.now() + 3_600_000),
        }),
        { memoized: true },
      )
    const forPartner = partnerFieldEncryption({ kmsConfig: kmsConfig() })
    const partner = { ...partnerA(), id: 'resessioned', credentials: session('ASIAFIRSTSESSION') }
    const seal = (table: string) =>
      forPartner(partner).beforeWrite(
        { ...keyOf('resession'), card: { S: 'x' } },
        contextFor(table, keyOf('resession'), ['card']),
      )
    const before = signedWith.length
    await seal('t-first')
    partner.credentials = session('ASIASECONDSESSION')
    await seal('t-second') // another table: another GenerateDataKey
    expect(signedWith.slice(before)).toEqual(['ASIAFIRSTSESSION', 'ASIASECONDSESSION'])
    forPartner.dispose()
  })

  it('keeps at most maxPartners partners, wiping the keys of the least recently used', async () => {
    const forPartner = partnerFieldEncryption({ kmsConfig: kmsConfig(), maxPartners: 1 })
    const a = forPartner(partnerA())
    await a.beforeWrite({ ...keyOf('lru'), card: { S: 'x' } }, contextFor('t', keyOf('lru'), ['card']))
    expect(a.cachedKeys.current).toBe(1)
    forPartner(partnerB())
    expect(a.cachedKeys).toEqual({ current: 0, decrypted: 0 })
    expect(forPartner(partnerA())).not.toBe(a)
    expect(partnerDefaults).toEqual({ maxPartners: 100 })
    forPartner.dispose()
  })

  it('keeps no key for an evicted partner, not even one a request under way fetches from KMS later', async () => {
    const forPartner = partnerFieldEncryption({ kmsConfig: kmsConfig(), maxPartners: 1 })
    const a = forPartner(partnerA())
    const write = (id: string) =>
      a.beforeWrite({ ...keyOf(id), card: { S: 'x' } }, contextFor('t', keyOf(id), ['card']))
    const afterHandOut = () => new Promise((resolve) => setImmediate(resolve))
    // Evicted while its GenerateDataKey is on the way (the loopback KMS has received it).
    const asked = kms.calls('GenerateDataKey')
    kms.faults.set({ latencyMs: 100, operation: 'GenerateDataKey' })
    const writing = write('late-1')
    while (kms.calls('GenerateDataKey') === asked) await new Promise((resolve) => setTimeout(resolve, 2))
    forPartner(partnerB())
    expect((await writing).card!.B).toBeDefined()
    kms.faults.reset()
    await afterHandOut()
    expect(a.cachedKeys).toEqual({ current: 0, decrypted: 0 })
    // A request that still holds the evicted partner's transformer works, and leaves nothing cached.
    expect((await write('late-2')).card!.B).toBeDefined()
    await afterHandOut()
    expect(a.cachedKeys).toEqual({ current: 0, decrypted: 0 })
    forPartner.dispose()
  })

  it('lets a call under way finish when its partner is evicted: the client is closed later, not cut off', async () => {
    // The SDK's own request handler (whose sockets destroy() closes), and one attempt: a call cut off
    // by the eviction would fail, not be hidden by an SDK retry.
    const forPartner = partnerFieldEncryption({
      kmsConfig: { endpoint: kms.endpoint, maxAttempts: 1 },
      maxPartners: 1,
    })
    const a = forPartner(partnerA())
    const asked = kms.calls('GenerateDataKey')
    kms.faults.set({ latencyMs: 100, operation: 'GenerateDataKey' })
    const writing = a.beforeWrite(
      { ...keyOf('mid-call'), card: { S: 'x' } },
      contextFor('t', keyOf('mid-call'), ['card']),
    )
    while (kms.calls('GenerateDataKey') === asked) await new Promise((resolve) => setTimeout(resolve, 2))
    forPartner(partnerB()) // partner B's first use evicts A while A's GenerateDataKey is on the way
    const outcome = await writing.catch((error: Error) => error)
    kms.faults.reset()
    expect(outcome).not.toBeInstanceOf(Error)
    expect((outcome as Record<string, { B?: Uint8Array }>).card!.B).toBeDefined()
    expect(kms.calls('GenerateDataKey') - asked).toBe(1)
    forPartner.dispose()
  })

  it('falls back to a configured key, and refuses a partner with none', async () => {
    const withFallback = partnerFieldEncryption({ kmsConfig: kmsConfig(), keyId: KEY_B })
    const { kmsKeyId: _none, ...keyless } = partnerA()
    const sealed = await withFallback(keyless).beforeWrite(
      { ...keyOf('fallback'), card: { S: 'x' } },
      contextFor('t', keyOf('fallback'), ['card']),
    )
    expect(sealed.card!.B).toBeDefined()
    withFallback.dispose()
    const strict = partnerFieldEncryption({ kmsConfig: kmsConfig() })
    expect(() => strict(keyless)).toThrow(expect.objectContaining({ name: 'EncryptionConfigError' }))
  })

  it('never seals a partner that moved to another account with a data key of its old account', async () => {
    // Key ids and aliases are per account: the same 'alias/payments-a' in account 2222 is another key.
    const forPartner = partnerFieldEncryption({ kmsConfig: kmsConfig() })
    const context = contextFor('t', keyOf('moved'), ['card'])
    const before = { ...partnerA(), id: 'moved', accountId: '111111111111', kmsKeyId: 'alias/payments-a' }
    const inOldAccount = await forPartner(before).beforeWrite(
      { ...keyOf('moved'), card: { S: 'x' } },
      context,
    )
    const moved = { ...before, accountId: '222222222222', credentials: assumedRole(ROLE_B, 'ext-b') }
    const generated = kms.calls('GenerateDataKey')
    const signedBefore = signedWith.length
    const inNewAccount = await forPartner(moved).beforeWrite({ ...keyOf('moved'), card: { S: 'y' } }, context)
    expect(kms.calls('GenerateDataKey')).toBe(generated + 1)
    expect(inNewAccount.__dk).not.toEqual(inOldAccount.__dk)
    expect(signedWith.slice(signedBefore)).toEqual([sts.sessions.at(-1)!.accessKeyId])
    expect(sts.sessions.at(-1)!.roleArn).toBe(ROLE_B)
    forPartner.dispose()
  })

  it("opens only data keys under the partner's own key or the previous keys configured for it", async () => {
    // Partner A's key was KEY_B until a rotation; partner B still seals under KEY_B.
    const previous: Record<string, string[]> = {}
    const forPartner = partnerFieldEncryption({
      kmsConfig: kmsConfig(),
      previousKeyIds: (partner) => previous[partner.id] ?? [],
    })
    const context = contextFor('t', keyOf('rotated-partner'), ['card'])
    const item = { ...keyOf('rotated-partner'), card: { S: '4111111111111111' } }
    const underKeyB = await forPartner(partnerB()).beforeWrite(item, context)
    const refused = await forPartner(partnerA())
      .afterRead(underKeyB, context)
      .catch((e) => e)
    expect(isDynamormError(refused, 'UntrustedKmsKeyError')).toBe(true)
    // Listing the old key for partner A (a new configuration: a new cache entry) lets its old fields open.
    previous['partner-a'] = [KEY_B]
    expect(await forPartner(partnerA()).afterRead(underKeyB, context)).toEqual(item)
    forPartner.dispose()
  })

  it("fails closed when the partner's role cannot be assumed", async () => {
    const forPartner = partnerFieldEncryption({ kmsConfig: kmsConfig() })
    const denied = { ...partnerA(), id: 'denied', credentials: assumedRole(ROLE_A, 'wrong-external-id') }
    const error = await forPartner(denied)
      .beforeWrite({ ...keyOf('denied'), card: { S: 'x' } }, contextFor('t', keyOf('denied'), ['card']))
      .catch((e) => e)
    expect(isDynamormError(error)).toBe(true)
    expect(['KmsKeyError', 'KmsUnavailableError']).toContain(error.name)
    expect(JSON.stringify(error)).not.toContain('ext-a')
    forPartner.dispose()
  })

  it("keeps the typed error of the partner's credentials (a refused role stays 502), not a KMS outage", async () => {
    // As @dynamorm/partner's provider does: STS refusing the role is a PartnerCredentialsError (502),
    // a refusal not to be retried; reported as KmsUnavailableError it became a 503 that invites retries.
    const refused = async () => {
      await assumedRole(ROLE_A, 'wrong-external-id')().catch((error: Error) => {
        throw new DynamormError('PartnerCredentialsError', 502, `STS refused (${error.name})`, {
          details: { partnerId: 'refused', stsCode: error.name },
        })
      })
      throw new Error('STS assumed a role with the wrong ExternalId')
    }
    const forPartner = partnerFieldEncryption({ kmsConfig: kmsConfig() })
    const generated = kms.calls('GenerateDataKey')
    const error = await forPartner({ ...partnerA(), id: 'refused', credentials: refused })
      .beforeWrite({ ...keyOf('refused'), card: { S: 'x' } }, contextFor('t', keyOf('refused'), ['card']))
      .catch((e) => e)
    expect(isDynamormError(error, 'PartnerCredentialsError')).toBe(true)
    expect(error.status).toBe(502)
    expect(error.details).toMatchObject({ stsCode: 'AccessDenied' })
    expect(kms.calls('GenerateDataKey')).toBe(generated) // never reached KMS
    forPartner.dispose()
  })

  it("builds each partner's beacon key from its own configuration", async () => {
    const { createBeaconKey } = await import('../src/index.ts')
    const client = new KMSClient({
      region: 'us-east-1',
      endpoint: kms.endpoint,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    })
    const keys: Record<string, string> = {
      'partner-a': await createBeaconKey(client, KEY_A),
      'partner-b': await createBeaconKey(client, KEY_B),
    }
    const forPartner = partnerFieldEncryption({
      kmsConfig: kmsConfig(),
      beacons: { key: (partner) => keys[partner.id]!, attributes: { card: {} } },
    })
    const a = await forPartner(partnerA()).beacon('card', '4111')
    const b = await forPartner(partnerB()).beacon('card', '4111')
    expect(a).not.toEqual(b)
    forPartner.dispose()
    client.destroy()
  })
})

const Card = defineModel({
  name: 'Card',
  table: 'cards',
  attributes: {
    partnerId: string().required(),
    id: string().required(),
    holder: string(),
    amount: number(),
    cardNumber: string().encrypted(),
    bank: map({ iban: string().required(), bic: string() }).encrypted(),
  },
  key: { pk: 'PARTNER#{partnerId}', sk: 'CARD#{id}' },
})

describe('partner field encryption with core models', () => {
  it("seals a partner's Db built with its transformer, end to end through a model", async () => {
    const encryptionFor = partnerFieldEncryption({ kmsConfig: kmsConfig() })
    const requestDb = createDb({ client: env.db.client, tableName: () => env.table.name }).forRequest()
    // What @dynamorm/partner does with its `transformer` option: the partner's Db scoped with it.
    const db = requestDb.scoped({ transformer: encryptionFor(partnerA()) })
    expect(db.meter).toBe(requestDb.meter) // same request: same meter and unit of work
    expect(db.options.transformer).toBe(encryptionFor(partnerA()))

    // Cast: core's AnyModel does not yet accept models with encrypted attributes (core typecheck fails too).
    const cards = db.model(Card as unknown as AnyModel)
    const created = await cards.create({
      partnerId: 'partner-a',
      id: 'c1',
      holder: 'A. Payer',
      cardNumber: '4111111111111111',
      bank: { iban: 'DE89370400440532013000', bic: 'COBADEFFXXX' },
    })
    expect(created.cardNumber).toBe('4111111111111111')
    const raw = (await getRaw(env.db, env.table.name, keyOf('PARTNER#partner-a', 'CARD#c1')))!
    expect(raw.cardNumber!.B).toBeDefined()
    expect(raw.bank!.B).toBeDefined()
    expect(raw.holder).toEqual({ S: 'A. Payer' })
    expect(JSON.stringify(raw)).not.toContain('4111111111111111')
    expect(JSON.stringify(raw)).not.toContain('DE89370400440532013000')

    const read = await cards.get({ partnerId: 'partner-a', id: 'c1' })
    expect(read?.cardNumber).toBe('4111111111111111')
    expect(read?.bank).toEqual({ iban: 'DE89370400440532013000', bic: 'COBADEFFXXX' })

    // An update sets one encrypted attribute: sealed with its own data key, the rest still opens.
    const updated = await cards.update(
      { partnerId: 'partner-a', id: 'c1' },
      { set: { cardNumber: '5500005555555559' } },
    )
    expect(updated.cardNumber).toBe('5500005555555559')
    const reread = await cards.get({ partnerId: 'partner-a', id: 'c1' })
    expect(reread?.cardNumber).toBe('5500005555555559')
    expect((reread?.bank as { iban?: string } | undefined)?.iban).toBe('DE89370400440532013000')

    // The plain db (no transformer) reads no plaintext; a tampered field fails the model read.
    const stored = (await getRaw(env.db, env.table.name, keyOf('PARTNER#partner-a', 'CARD#c1')))!
    await putRaw(env.db, env.table.name, { ...stored, cardNumber: stored.bank! })
    const error = await cards.get({ partnerId: 'partner-a', id: 'c1' }).catch((e) => e)
    expect(isDynamormError(error, 'DecryptionError')).toBe(true)
  })
})
