import { execFile } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isAlive } from '../src/demo/run-demo.ts'
import { curlExamples, type DevServer, serveLocally } from '../src/dev/http-server.ts'
import type { LocalStack } from '../src/local-stack.ts'
import { CARD, order, partnerName, testStack } from './fixtures.ts'

let stack: LocalStack
let server: DevServer
const partner = partnerName('dev')

beforeAll(async () => {
  stack = await testStack()
  await stack.registerPartner(partner)
  server = await serveLocally(stack.api.route)
})
afterAll(async () => {
  await server.close()
  await stack.stop()
})

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    body,
    headers: { authorization: `Bearer ${partner}`, 'content-type': 'application/json', ...headers },
  })

describe('pnpm dev server', () => {
  it('serves the API over HTTP on 127.0.0.1 with a local bearer partner', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const created = await post('/payments', JSON.stringify(order()), { 'idempotency-key': 'dev-1' })
    expect(created.status).toBe(201)
    expect(created.headers.get('x-dynamorm-cost-usd')).toMatch(/^\d+\.\d+$/)
    const payment = (await created.json()) as { id: string }
    const got = await fetch(`${server.url}/payments/${payment.id}`, {
      headers: { authorization: `Bearer ${partner}` },
    })
    expect(got.status).toBe(200)
    const listed = await fetch(`${server.url}/payments?status=authorized&limit=5`, {
      headers: { authorization: `Bearer ${partner}` },
    })
    expect(((await listed.json()) as { items: unknown[] }).items).toHaveLength(1)
  })

  it('passes a repeated query parameter as API Gateway does, its values joined by commas', async () => {
    // In AWS, ?status=x&status=authorized reaches the handler as status "x,authorized": a 400 there,
    // so it must be one here too, not the last value alone.
    const repeated = await fetch(`${server.url}/payments?status=x&status=authorized`, {
      headers: { authorization: `Bearer ${partner}` },
    })
    expect(repeated.status).toBe(400)
  })

  it('refuses what the API refuses: no partner 401, malformed JSON 400, oversized body 413', async () => {
    const anonymous = await fetch(`${server.url}/payments?status=authorized`)
    expect(anonymous.status).toBe(401)
    const malformed = await post('/payments', `{"card":{"number":"${CARD.number}"`, {
      'idempotency-key': 'dev-2',
    })
    expect(malformed.status).toBe(400)
    expect(await malformed.text()).not.toContain(CARD.number)
    const huge = await post('/payments', 'x'.repeat(2 * 1024 * 1024), { 'idempotency-key': 'dev-3' })
    expect(huge.status).toBe(413)
  })

  it('answers an oversized body with 413 and its reason, every time, rather than a reset connection', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const huge = await post('/payments', 'x'.repeat(2 * 1024 * 1024), {
        'idempotency-key': `dev-big-${attempt}`,
      })
      expect(huge.status).toBe(413)
      expect(await huge.json()).toEqual({
        error: { name: 'BodyTooLargeError', message: 'The body is too large' },
      })
    }
  })

  it('prints curl lines for every route', () => {
    const lines = curlExamples('http://127.0.0.1:8787', 'acme').join('\n')
    for (const route of [
      '/payments -X POST',
      '/capture',
      '/refunds',
      '/payments?status=',
      '/payments/search',
    ]) {
      expect(lines).toContain(route)
    }
    expect(lines).toContain('Bearer acme')
  })
})

describe('pnpm dev on a port already in use', () => {
  it('says which port and how to choose another in one line, stops the services it started and exits 1', async () => {
    const holder = createServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    const port = (holder.address() as { port: number }).port
    const main = fileURLToPath(new URL('../src/dev/main.ts', import.meta.url))
    try {
      await expect(serveLocally(stack.api.route, port)).rejects.toMatchObject({ code: 'EADDRINUSE' })
      const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
        (resolve) => {
          execFile(
            process.execPath,
            ['--conditions=source', main],
            { env: { ...process.env, PORT: String(port) }, timeout: 60_000 },
            (error, stdout, stderr) => resolve({ code: (error?.code as number) ?? 0, stdout, stderr }),
          )
        },
      )
      expect(code).toBe(1)
      expect(stderr.trim().split('\n')).toEqual([
        `Port ${port} is already in use on 127.0.0.1: choose another with PORT=<port> pnpm dev`,
      ])
      expect(stdout).not.toContain('Payment API on')
      const jvm = Number(/ready at \S+ \(pid (\d+)\)/.exec(stdout)?.[1])
      expect(jvm).toBeGreaterThan(0)
      expect(isAlive(jvm)).toBe(false)
      expect(stdout).toContain('stopped')
    } finally {
      await new Promise((resolve) => holder.close(resolve))
    }
  }, 90_000)
})
