// Where a request says which partner it is for. Claims set by an authorizer are the default because
// the caller cannot forge them; a header is only read when the handler explicitly asks for it.
import type { Context } from 'aws-lambda'
import { partnerError } from './partner-error.ts'

/** How the partner id is found in an event. */
export type PartnerIdSource =
  /** An authorizer claim (default claim 'partner_id'): HTTP API JWT or Lambda authorizer, REST claims or authorizer context. */
  | { source: 'claims'; claim?: string }
  /** A request header (name matched case-insensitively). Only for events whose headers are trusted. */
  | { source: 'header'; header: string }
  /** Your own lookup; return undefined when the event names no partner. */
  | ((event: any, context: Context) => string | undefined)

export const defaultPartnerIdSource = { source: 'claims', claim: 'partner_id' } as const

/** Default id format: 2-63 letters, digits and dashes, starting with a letter or digit. */
export const defaultPartnerIdPattern = /^[a-z0-9][a-z0-9-]{1,62}$/i

type Lookup = (event: any, context: Context) => unknown

/** Compiles a source into one lookup function, once, when the middleware is created. */
export function partnerIdLookup(source: PartnerIdSource): Lookup {
  if (typeof source === 'function') return source
  if (source.source === 'header') {
    const name = source.header.toLowerCase()
    return (event) => headerValue(event?.headers, name)
  }
  if (source.source !== 'claims') {
    throw partnerError('PartnerConfigError', 'partnerContext: resolve must be claims, header or a function')
  }
  const claim = source.claim ?? defaultPartnerIdSource.claim
  return (event) => {
    const authorizer = event?.requestContext?.authorizer
    return (
      authorizer?.jwt?.claims?.[claim] ?? // HTTP API, JWT authorizer
      authorizer?.lambda?.[claim] ?? // HTTP API, Lambda authorizer
      authorizer?.claims?.[claim] ?? // REST API, Cognito user pool authorizer
      authorizer?.[claim] // REST API, Lambda authorizer context
    )
  }
}

function headerValue(headers: Record<string, unknown> | undefined, name: string): unknown {
  if (!headers) return undefined
  if (name in headers) return headers[name]
  // REST APIs keep the caller's header case.
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) return headers[key]
  return undefined
}

/** The partner id of an event: 401 when there is none, 400 when it is not a well-formed id. */
export function readPartnerId(lookup: Lookup, pattern: RegExp, event: unknown, context: Context): string {
  const value = lookup(event, context)
  if (value === undefined || value === null || value === '') {
    throw partnerError('PartnerMissingError', 'The request does not identify a partner')
  }
  if (typeof value !== 'string' || !pattern.test(value)) {
    // The rejected value is not echoed: it is caller input and may be anything.
    throw partnerError('MalformedPartnerIdError', 'The partner id is not well-formed')
  }
  return value
}
