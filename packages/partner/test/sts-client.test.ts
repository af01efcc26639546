// The lazily loaded STS client: one import and one client per factory, however many callers; a module
// that cannot be loaded is a typed configuration error (never a retryable outage), and a later call
// tries again.
import { STSClient } from '@aws-sdk/client-sts'
import { isDynamormError } from '@dynamorm/core'
import { describe, expect, it } from 'vitest'
import { lazyStsClient, type StsModule } from '../src/sts-client.ts'
import { rejectionOf } from './fixtures.ts'

const moduleNotFound = () =>
  Object.assign(new Error("Cannot find package '@aws-sdk/client-sts' imported from /var/task/index.mjs"), {
    code: 'ERR_MODULE_NOT_FOUND',
  })

// The module is imported through `load`; the client is the caller's own, so nothing is made here.
const ownClient = new STSClient({ region: 'us-west-2' })
const moduleThrough = (load: () => Promise<StsModule>) => {
  const api = lazyStsClient(ownClient, undefined, load)
  return async () => (await api()).sts
}

describe('loading @aws-sdk/client-sts', () => {
  it('imports the real module once for concurrent callers', async () => {
    let imports = 0
    const load = moduleThrough(() => {
      imports += 1
      return import('@aws-sdk/client-sts')
    })
    const [first, second] = await Promise.all([load(), load()])
    expect(first).toBe(second)
    expect(first.STSClient).toBe(STSClient)
    expect(await load()).toBe(first)
    expect(imports).toBe(1)
  })

  it('turns a missing module into a PartnerConfigError naming it, without the deployment path', async () => {
    const load = moduleThrough(() => Promise.reject(moduleNotFound()))
    const error = await rejectionOf(load())
    expect(isDynamormError(error, 'PartnerConfigError')).toBe(true)
    expect(error.status).toBe(500)
    expect(error.message).toContain('@aws-sdk/client-sts could not be loaded (ERR_MODULE_NOT_FOUND)')
    expect(error.message).not.toContain('/var/task')
    expect(error.details).toEqual({ module: '@aws-sdk/client-sts' })
  })

  it('says "import failed" for a failure without a well-formed code, and tries again on the next call', async () => {
    let attempts = 0
    const load = moduleThrough(() => {
      attempts += 1
      return attempts === 1
        ? Promise.reject(Object.assign(new Error('boom'), { code: 'not a code; rm -rf' }))
        : import('@aws-sdk/client-sts')
    })
    expect((await rejectionOf(load())).message).toContain('(import failed)')
    expect((await load()).STSClient).toBe(STSClient)
    expect(attempts).toBe(2)
    expect((await rejectionOf(moduleThrough(() => Promise.reject(null))())).message).toContain(
      '(import failed)',
    )
  })
})

describe('lazyStsClient', () => {
  const realModule = () => import('@aws-sdk/client-sts')

  it('makes one client at the first call, with maxAttempts 1 and the caller settings on top', async () => {
    const api = lazyStsClient(undefined, { region: 'eu-central-1' }, realModule)
    const [first, second] = await Promise.all([api(), api()])
    expect(first.client).toBe(second.client)
    expect(first.client).toBeInstanceOf(STSClient)
    expect(await first.client.config.region()).toBe('eu-central-1')
    expect(await first.client.config.maxAttempts()).toBe(1)
    first.client.destroy()
  })

  it("uses the caller's own client as is", async () => {
    const own = new STSClient({ region: 'us-west-2', maxAttempts: 4 })
    const { client, sts } = await lazyStsClient(own, { region: 'eu-central-1' }, realModule)()
    expect(client).toBe(own)
    expect(typeof sts.AssumeRoleCommand).toBe('function')
    own.destroy()
  })

  it('rejects with the loader error and makes the client once the module loads', async () => {
    let fail = true
    const api = lazyStsClient(undefined, undefined, () =>
      fail ? Promise.reject(moduleNotFound()) : (import('@aws-sdk/client-sts') as Promise<StsModule>),
    )
    expect(isDynamormError(await rejectionOf(api()), 'PartnerConfigError')).toBe(true)
    fail = false
    const { client } = await api()
    expect(client).toBeInstanceOf(STSClient)
    client.destroy()
  })
})
