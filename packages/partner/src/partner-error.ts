// The one place @dynamorm/partner makes its errors. Statuses follow DESIGN.md: 401 no partner, 400
// malformed id, 403 unknown partner, 502/503 STS, 500 misconfiguration. Messages and details carry
// partner ids and AWS error codes, never credentials or the AWS error objects themselves.
import { DynamormError } from '@dynamorm/core'

export type PartnerErrorName =
  | 'PartnerMissingError'
  | 'MalformedPartnerIdError'
  | 'UnknownPartnerError'
  | 'PartnerCredentialsError'
  | 'PartnerConfigError'

const statuses: Record<Exclude<PartnerErrorName, 'PartnerCredentialsError'>, number> = {
  PartnerMissingError: 401,
  MalformedPartnerIdError: 400,
  UnknownPartnerError: 403,
  PartnerConfigError: 500,
}

export function partnerError(
  name: Exclude<PartnerErrorName, 'PartnerCredentialsError'>,
  message: string,
  details: Record<string, unknown> = {},
): DynamormError {
  return new DynamormError(name, statuses[name], message, { details })
}

/**
 * STS would not give the partner's credentials: 502 when it refused (AccessDenied: the partner's
 * trust policy or ExternalId), 503 when it was throttled or unavailable after every retry.
 */
export function partnerCredentialsError(
  partnerId: string,
  stsCode: string,
  attempts: number,
  refused: boolean,
): DynamormError {
  return new DynamormError(
    'PartnerCredentialsError',
    refused ? 502 : 503,
    refused
      ? `STS refused to assume the role of partner ${partnerId} (${stsCode})`
      : `STS did not answer for partner ${partnerId} after ${attempts} attempt(s) (${stsCode})`,
    { details: { partnerId, stsCode, attempts } },
  )
}

/**
 * The request's deadline came while it waited for the partner's credentials: 503, as STS unavailable,
 * and safe to retry (nothing was sent for it); the AssumeRole goes on for the requests that have time.
 */
export function partnerDeadlineError(partnerId: string): DynamormError {
  return new DynamormError(
    'PartnerCredentialsError',
    503,
    `The Lambda deadline came before the credentials of partner ${partnerId} were ready`,
    { details: { partnerId } },
  )
}
