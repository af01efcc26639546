// The lazily loaded KMS module and clients: one import and one client per owner, however many callers;
// a module that cannot load is a typed configuration error (never a retryable KMS outage); a later
// call tries again.
import { KMSClient } from '@aws-sdk/client-kms'
import { isDynamormError } from '@dynamorm/core'
import type { KmsServer } from '@dynamorm/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fieldEncryptionWith } from '../src/field-encryption.ts'
import { type KmsModule, kmsModuleLoader, lazyKmsApi } from '../src/kms-client.ts'
import { partnerFieldEncryption } from '../src/partner-encryption.ts'
import { contextFor, KEY_A, keyOf, kmsClient, startKms } from './fixtures.ts'

const moduleNotFound = () =>
  Object.assign(new Error("Cannot find package '@aws-sdk/client-kms' imported from /var/task/index.mjs"), {
    code: 'ERR_MODULE_NOT_FOUND',
  })
const realModule = () => import('@aws-sdk/client-kms') as Promise<KmsModule>
type Rejection = Error & { status?: number; details?: Record<string, unknown> }
const rejection = (promise: Promise<unknown>): Promise<Rejection> =>
  promise.then(
    () => new Error('expected a rejection'),
    (error: unknown) => error as Rejection,
  )

let kms: KmsServer
beforeAll(async () => {
  kms = await startKms()
})
afterAll(() => kms.close())

describe('kmsModuleLoader', () => {
  it('imports the module once for concurrent callers', async () => {
    let imports = 0
    const load = kmsModuleLoader(() => {
      imports += 1
      return realModule()
    })
    const [first, second] = await Promise.all([load(), load()])
    expect(first).toBe(second)
    expect(first.KMSClient).toBe(KMSClient)
    expect(imports).toBe(1)
  })

  it('turns a missing module into an EncryptionConfigError naming it, without the deployment path', async () => {
    const error = await rejection(kmsModuleLoader(() => Promise.reject(moduleNotFound()))())
    expect(isDynamormError(error, 'EncryptionConfigError')).toBe(true)
    expect(error.status).toBe(500)
    expect(error.message).toContain('@aws-sdk/client-kms could not be loaded (ERR_MODULE_NOT_FOUND)')
    expect(error.message).not.toContain('/var/task')
    expect(error.details).toEqual({ module: '@aws-sdk/client-kms' })
    const odd = await rejection(kmsModuleLoader(() => Promise.reject(new Error('no code')))())
    expect(odd.message).toContain('(import failed)')
  })
})

describe('lazyKmsApi', () => {
  it('makes one client at the first call, shared by concurrent callers', async () => {
    let made = 0
    const api = lazyKmsApi((module) => {
      made += 1
      return new module.KMSClient({ region: 'eu-west-1' })
    }, realModule)
    const [first, second] = await Promise.all([api(), api()])
    expect(first.client).toBe(second.client)
    expect(typeof first.kms.DecryptCommand).toBe('function')
    expect(made).toBe(1)
    first.client.destroy()
  })

  it('fails a field write with the config error before KMS is asked, then works once the module loads', async () => {
    let fail = true
    const load = kmsModuleLoader(() => (fail ? Promise.reject(moduleNotFound()) : realModule()))
    const client = kmsClient(kms)
    const encryption = fieldEncryptionWith(
      { keyId: KEY_A },
      lazyKmsApi(() => client, load),
    )
    const context = contextFor('payments', keyOf('p-1'), ['card'])
    const item = { ...keyOf('p-1'), card: { S: '4111111111111111' } }
    const calls = kms.calls()
    const error = await rejection(encryption.beforeWrite(item, context))
    expect(isDynamormError(error, 'EncryptionConfigError')).toBe(true)
    expect(JSON.stringify(error)).not.toContain('4111111111111111')
    expect(kms.calls()).toBe(calls)
    fail = false
    const sealed = await encryption.beforeWrite(item, context)
    expect(sealed.card?.B).toBeInstanceOf(Uint8Array)
    expect((await encryption.afterRead(sealed, context)).card).toEqual({ S: '4111111111111111' })
    client.destroy()
  })
})

describe('partnerFieldEncryption clients', () => {
  it('makes no KMS client until a partner first needs a key', async () => {
    const forPartner = partnerFieldEncryption({
      kmsConfig: { endpoint: kms.endpoint, maxAttempts: 1 },
    })
    const partner = {
      id: 'partner-a',
      region: 'us-east-1',
      kmsKeyId: KEY_A,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }
    const calls = kms.calls()
    const encryption = forPartner(partner)
    expect(kms.calls()).toBe(calls)
    // Evicted (dispose) while its first write is on the way: the write still completes.
    const writing = encryption.beforeWrite(
      { ...keyOf('p-2'), card: { S: '5500' } },
      contextFor('payments', keyOf('p-2'), ['card']),
    )
    forPartner.dispose()
    expect((await writing).card?.B).toBeInstanceOf(Uint8Array)
    expect(kms.calls('GenerateDataKey')).toBeGreaterThanOrEqual(1)
  })
})
