// The API's options in Lambda, from the function's environment (set by template.yaml). Checked at
// init, so a misconfigured deploy fails its first cold start, not a payment.
import { tableRegistry } from '@dynamorm/partner'
import type { PaymentApiOptions } from '../payment-stack.ts'

export interface PaymentEnvironment {
  /** Logical name of the partner registry table (default 'partners'), under PLATFORM_TABLE_PREFIX. */
  PARTNER_REGISTRY_TABLE?: string
  PLATFORM_TABLE_PREFIX?: string
  /** >= 32 characters; from Secrets Manager or SSM through the deploy, never committed. */
  PAYMENT_API_SECRET?: string
  /** JSON object: partner id -> its beacon key (base64 KMS ciphertext from createBeaconKey). */
  BEACON_KEYS?: string
}

export function paymentApiOptionsFromEnvironment(env: PaymentEnvironment): PaymentApiOptions {
  const secret = env.PAYMENT_API_SECRET
  if (secret === undefined || secret.length < 32) {
    throw new Error('PAYMENT_API_SECRET must be set to at least 32 characters')
  }
  let beaconKeys: Record<string, unknown>
  try {
    beaconKeys = JSON.parse(env.BEACON_KEYS ?? '{}')
  } catch {
    throw new Error('BEACON_KEYS must be a JSON object of partner id to base64 beacon key')
  }
  if (typeof beaconKeys !== 'object' || beaconKeys === null || Array.isArray(beaconKeys)) {
    throw new Error('BEACON_KEYS must be a JSON object of partner id to base64 beacon key')
  }
  const keys = new Map(
    Object.entries(beaconKeys).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  )
  return {
    partners: tableRegistry({ table: env.PARTNER_REGISTRY_TABLE ?? 'partners' }),
    secret,
    platformTablePrefix: env.PLATFORM_TABLE_PREFIX ?? '',
    beaconKey: (partner) => {
      const key = keys.get(partner.id)
      if (key === undefined) throw new Error(`No beacon key configured for partner ${partner.id}`)
      return key
    },
  }
}
