import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type StsServer, startStsServer } from '../src/index.ts'

const roleArn = 'arn:aws:iam::111122223333:role/partner-access'
const guardedRoleArn = 'arn:aws:iam::444455556666:role/team/guarded'

let server: StsServer
let sts: STSClient

function stsClient(endpoint: string): STSClient {
  return new STSClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  })
}

beforeEach(async () => {
  server = await startStsServer({
    roles: [{ roleArn }, { roleArn: guardedRoleArn, externalId: 'secret-ext', maxSessionDuration: 7200 }],
  })
  sts = stsClient(server.endpoint)
})

afterEach(async () => {
  sts.destroy()
  await server.close()
})

describe('startStsServer', () => {
  it('answers AssumeRole with fresh temporary credentials and the assumed-role user', async () => {
    const before = Date.now()
    const first = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'payments' }))
    const second = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'payments' }))
    expect(first.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/)
    expect(first.Credentials?.SecretAccessKey).toBeTruthy()
    expect(first.Credentials?.SessionToken).toBeTruthy()
    expect(second.Credentials?.AccessKeyId).not.toBe(first.Credentials?.AccessKeyId)
    expect(second.Credentials?.SessionToken).not.toBe(first.Credentials?.SessionToken)
    const expiresIn = (first.Credentials?.Expiration?.getTime() ?? 0) - before
    expect(expiresIn).toBeGreaterThan(3590_000)
    expect(expiresIn).toBeLessThan(3610_000)
    expect(first.AssumedRoleUser?.Arn).toBe('arn:aws:sts::111122223333:assumed-role/partner-access/payments')
    expect(first.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z0-9]{17}:payments$/)
    expect(server.calls(roleArn)).toBe(2)
    expect(server.calls()).toBe(2)
    expect(server.sessions).toHaveLength(2)
    expect(server.sessions[0]).toMatchObject({ roleArn, roleSessionName: 'payments', durationSeconds: 3600 })
  })

  it('honours DurationSeconds within 900 and the role maximum', async () => {
    const before = Date.now()
    const result = await sts.send(
      new AssumeRoleCommand({
        RoleArn: guardedRoleArn,
        RoleSessionName: 's1',
        ExternalId: 'secret-ext',
        DurationSeconds: 7200,
      }),
    )
    expect((result.Credentials?.Expiration?.getTime() ?? 0) - before).toBeGreaterThan(7190_000)
    expect(result.AssumedRoleUser?.Arn).toBe('arn:aws:sts::444455556666:assumed-role/guarded/s1')
    await expect(
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 's1', DurationSeconds: 899 })),
    ).rejects.toMatchObject({ name: 'ValidationError', $metadata: { httpStatusCode: 400 } })
    await expect(
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 's1', DurationSeconds: 3601 })),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('MaxSessionDuration'),
    })
    expect(server.sessions).toHaveLength(1)
    expect(server.calls(roleArn)).toBe(2)
  })

  it('denies unknown roles and wrong or missing ExternalIds with AccessDenied 403', async () => {
    await expect(
      sts.send(
        new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::999999999999:role/nope', RoleSessionName: 's' + 1 }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })
    await expect(
      sts.send(new AssumeRoleCommand({ RoleArn: guardedRoleArn, RoleSessionName: 'sx' })),
    ).rejects.toMatchObject({ name: 'AccessDenied' })
    await expect(
      sts.send(
        new AssumeRoleCommand({ RoleArn: guardedRoleArn, RoleSessionName: 'sx', ExternalId: 'wrong-ext' }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' })
    const ok = await sts.send(
      new AssumeRoleCommand({ RoleArn: guardedRoleArn, RoleSessionName: 'sx', ExternalId: 'secret-ext' }),
    )
    expect(ok.Credentials).toBeDefined()
    expect(server.sessions.at(-1)?.externalId).toBe('secret-ext')
    expect(server.calls(guardedRoleArn)).toBe(3)
  })

  it('rejects bad parameters with ValidationError and unknown actions with InvalidAction', async () => {
    await expect(
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'has space' })),
    ).rejects.toMatchObject({
      name: 'ValidationError',
    })
    const raw = async (body: string) => {
      const response = await fetch(server.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      })
      return { status: response.status, text: await response.text() }
    }
    const missingArn = await raw('Action=AssumeRole&Version=2011-06-15&RoleSessionName=abc')
    expect(missingArn.status).toBe(400)
    expect(missingArn.text).toContain('<Code>ValidationError</Code>')
    expect(missingArn.text).toContain('<Type>Sender</Type>')
    const unknown = await raw('Action=GetSessionToken&Version=2011-06-15')
    expect(unknown.text).toContain('<Code>InvalidAction</Code>')
    expect(server.calls()).toBe(3)
  })

  it('adds and removes roles at runtime', async () => {
    const lateRole = 'arn:aws:iam::111122223333:role/late'
    await expect(
      sts.send(new AssumeRoleCommand({ RoleArn: lateRole, RoleSessionName: 'ab' })),
    ).rejects.toMatchObject({
      name: 'AccessDenied',
    })
    server.addRole({ roleArn: lateRole })
    await sts.send(new AssumeRoleCommand({ RoleArn: lateRole, RoleSessionName: 'ab' }))
    server.removeRole(lateRole)
    await expect(
      sts.send(new AssumeRoleCommand({ RoleArn: lateRole, RoleSessionName: 'ab' })),
    ).rejects.toMatchObject({
      name: 'AccessDenied',
    })
    expect(() => server.addRole({ roleArn: 'arn:aws:iam::1:user/x' })).toThrow(/Not a role ARN/)
  })

  it('issues short-lived credentials with a duration override and a custom clock', async () => {
    const fixed = new Date('2030-01-01T00:00:00.000Z')
    const shortLived = await startStsServer({
      roles: [{ roleArn }],
      durationOverrideSeconds: 5,
      now: () => fixed,
    })
    const client = stsClient(shortLived.endpoint)
    const result = await client.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'quick' }))
    expect(result.Credentials?.Expiration?.toISOString()).toBe('2030-01-01T00:00:05.000Z')
    expect(shortLived.sessions[0]?.durationSeconds).toBe(3600)
    shortLived.setDurationOverride(undefined)
    const normal = await client.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'quick' }))
    expect(normal.Credentials?.Expiration?.toISOString()).toBe('2030-01-01T01:00:00.000Z')
    client.destroy()
    await shortLived.close()
  })

  it('injects throttling, server errors, dropped connections and latency', async () => {
    const input = { RoleArn: roleArn, RoleSessionName: 'faulty' }
    server.faults.set({ throttle: 1, serverError: 1, drop: 1 })
    await expect(sts.send(new AssumeRoleCommand(input))).rejects.toMatchObject({
      name: 'Throttling',
      $metadata: { httpStatusCode: 400 },
    })
    await expect(sts.send(new AssumeRoleCommand(input))).rejects.toMatchObject({
      name: 'InternalFailure',
      $metadata: { httpStatusCode: 500 },
    })
    await expect(sts.send(new AssumeRoleCommand(input))).rejects.toThrow()
    await expect(sts.send(new AssumeRoleCommand(input))).resolves.toBeDefined()

    server.faults.set({ latencyMs: 200 })
    const started = Date.now()
    await sts.send(new AssumeRoleCommand(input))
    expect(Date.now() - started).toBeGreaterThanOrEqual(150)
    server.faults.reset()
    server.faults.set({ throttle: 5, operation: 'GetCallerIdentity' })
    await expect(sts.send(new AssumeRoleCommand(input))).resolves.toBeDefined()
    expect(server.calls(roleArn)).toBe(6)
  })
})
