import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { createCallCounter } from './call-counter.ts'
import { dropConnection } from './dropped-connection.ts'
import { createFaultSchedule, type FaultInjector } from './fault-injector.ts'
import { startLoopbackHttpServer } from './loopback-http-server.ts'
import { randomUpperAlphanumeric } from './random-token.ts'
import {
  type AssumeRoleResult,
  assumeRoleResponseXml,
  type StsErrorBody,
  stsErrors,
  stsErrorXml,
} from './sts-responses.ts'
import { parseRoleArn, type StsRole } from './sts-role.ts'

export interface StartStsServerOptions {
  roles?: StsRole[]
  /**
   * Issue credentials that expire this many seconds after issue, whatever DurationSeconds asked
   * for (and below STS's 900 s minimum), so refresh-before-expiry logic can be tested quickly.
   */
  durationOverrideSeconds?: number
  /** Clock for Expiration (default the real one). */
  now?: () => Date
}

export interface StsSession {
  roleArn: string
  roleSessionName: string
  externalId?: string
  /** What the caller asked for (default 3600). */
  durationSeconds: number
  accessKeyId: string
  expiration: Date
}

export interface StsServer {
  endpoint: string
  /** AssumeRole calls received for this role (any outcome), or all requests when omitted. */
  calls(roleArn?: string): number
  /** Successful AssumeRole calls, oldest first. */
  sessions: StsSession[]
  addRole(role: StsRole): void
  removeRole(roleArn: string): void
  /** Changes or clears (undefined) the forced credential lifetime. */
  setDurationOverride(seconds: number | undefined): void
  faults: FaultInjector
  close(): Promise<void>
}

const defaultDurationSeconds = 3600
const minimumDurationSeconds = 900
const defaultMaxSessionDuration = 3600
const sessionNamePattern = /^[\w+=,.@-]{2,64}$/

interface KnownRole extends StsRole {
  accountId: string
  roleName: string
  /** Stable per role, like IAM's AROA... unique id. */
  uniqueId: string
}

class StsRequestError extends Error {
  readonly body: StsErrorBody
  constructor(body: StsErrorBody) {
    super(body.message)
    this.body = body
  }
}

/** A loopback STS speaking the query/XML protocol of AssumeRole, for the real `STSClient`. */
export async function startStsServer(options: StartStsServerOptions = {}): Promise<StsServer> {
  const roles = new Map<string, KnownRole>()
  const sessions: StsSession[] = []
  const counter = createCallCounter()
  const faults = createFaultSchedule()
  const now = options.now ?? (() => new Date())
  let durationOverrideSeconds = options.durationOverrideSeconds

  const addRole = (role: StsRole): void => {
    const parsed = parseRoleArn(role.roleArn)
    if (!parsed) throw new Error(`Not a role ARN (arn:aws:iam::<account>:role/<name>): ${role.roleArn}`)
    roles.set(role.roleArn, { ...role, ...parsed, uniqueId: `AROA${randomUpperAlphanumeric(17)}` })
  }
  for (const role of options.roles ?? []) addRole(role)

  const assumeRole = (params: URLSearchParams): AssumeRoleResult => {
    const roleArn = params.get('RoleArn')
    const roleSessionName = params.get('RoleSessionName')
    const externalId = params.get('ExternalId') ?? undefined
    if (!roleArn) throw new StsRequestError(stsErrors.validation('RoleArn must not be empty'))
    if (!roleSessionName || !sessionNamePattern.test(roleSessionName)) {
      throw new StsRequestError(
        stsErrors.validation('RoleSessionName must satisfy regular expression pattern [\\w+=,.@-]{2,64}'),
      )
    }
    const role = roles.get(roleArn)
    if (!role) {
      throw new StsRequestError(
        stsErrors.accessDenied(`Not authorized to perform sts:AssumeRole on resource: ${roleArn}`),
      )
    }
    const durationSeconds = parseDurationSeconds(params.get('DurationSeconds'), role)
    if (role.externalId !== undefined && role.externalId !== externalId) {
      throw new StsRequestError(
        stsErrors.accessDenied(
          `Not authorized to perform sts:AssumeRole on resource: ${roleArn} (ExternalId)`,
        ),
      )
    }
    const lifetimeSeconds = durationOverrideSeconds ?? durationSeconds
    const expiration = new Date(now().getTime() + lifetimeSeconds * 1000)
    const accessKeyId = `ASIA${randomUpperAlphanumeric(16)}`
    sessions.push({ roleArn, roleSessionName, externalId, durationSeconds, accessKeyId, expiration })
    return {
      accessKeyId,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(96).toString('base64'),
      expiration,
      assumedRoleArn: `arn:aws:sts::${role.accountId}:assumed-role/${role.roleName}/${roleSessionName}`,
      assumedRoleId: `${role.uniqueId}:${roleSessionName}`,
    }
  }

  const handle = async (request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void> => {
    const params = new URLSearchParams(body.toString('utf8'))
    const action = params.get('Action') ?? ''
    counter.record(params.get('RoleArn') ?? `action:${action}`)
    const decision = faults.next(action)
    if (decision.latencyMs > 0) await sleep(decision.latencyMs)
    if (decision.action === 'drop') return dropConnection(request)
    try {
      if (decision.action === 'throttle') throw new StsRequestError(stsErrors.throttling())
      if (decision.action === 'serverError') throw new StsRequestError(stsErrors.internalFailure())
      if (action !== 'AssumeRole') throw new StsRequestError(stsErrors.invalidAction(action || '(none)'))
      const result = assumeRole(params)
      response.writeHead(200, { 'content-type': 'text/xml' })
      response.end(assumeRoleResponseXml(result))
    } catch (error) {
      if (!(error instanceof StsRequestError)) throw error
      response.writeHead(error.body.status, { 'content-type': 'text/xml' })
      response.end(stsErrorXml(error.body))
    }
  }

  const server = await startLoopbackHttpServer(handle)
  return {
    endpoint: server.endpoint,
    calls: (roleArn) => counter.count(roleArn),
    sessions,
    addRole,
    removeRole: (roleArn) => {
      roles.delete(roleArn)
    },
    setDurationOverride: (seconds) => {
      durationOverrideSeconds = seconds
    },
    faults,
    close: server.close,
  }
}

function parseDurationSeconds(raw: string | null, role: KnownRole): number {
  if (raw === null || raw === '') return defaultDurationSeconds
  const seconds = Number(raw)
  const max = role.maxSessionDuration ?? defaultMaxSessionDuration
  if (!Number.isInteger(seconds) || seconds < minimumDurationSeconds) {
    throw new StsRequestError(
      stsErrors.validation(`DurationSeconds must be an integer >= ${minimumDurationSeconds}, got ${raw}`),
    )
  }
  if (seconds > max) {
    throw new StsRequestError(
      stsErrors.validation(
        `The requested DurationSeconds exceeds the MaxSessionDuration set for this role (${max}).`,
      ),
    )
  }
  return seconds
}
