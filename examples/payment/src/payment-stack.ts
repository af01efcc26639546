// The middlewares of the payment API, made once per container and shared by every route (one warm
// DynamoDB client, one partner credential cache, one KMS data-key cache, one audit lease set), and the
// builder of one route's Lambda handler. A function per route imports this and its own route only, so
// its bundle carries no other route. Order, as DESIGN.md gives it:
//   errors -> body parser -> dynamoClient -> partnerContext (+ field encryption) -> key check -> idempotency
//   -> audit
// befores run in that order; afters in reverse, ending with dynamoClient committing the unit of work.
import { createHmac } from 'node:crypto'
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'
import type { KMSClientConfig } from '@aws-sdk/client-kms'
import type { STSClientConfig } from '@aws-sdk/client-sts'
import { auditTrail } from '@dynamorm/audit'
import { dynamoClient } from '@dynamorm/client'
import type { PriceTable } from '@dynamorm/core'
import { type EncryptingPartner, partnerFieldEncryption } from '@dynamorm/encryption'
import { idempotency } from '@dynamorm/idempotency'
import { type PartnerContextOptions, partnerContext } from '@dynamorm/partner'
import middy, { type MiddlewareObj } from '@middy/core'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda'
import { httpErrorResponses } from './http-error-responses.ts'
import { idempotencyKeyCheck } from './idempotency-key-check.ts'
import type { PaymentContext, PaymentEvent } from './payment-context.ts'
import { paymentError } from './payment-error.ts'
import { CARD_BEACON_ATTRIBUTE } from './payment-model.ts'
import { withRequestCost } from './request-cost.ts'

export interface PaymentApiOptions {
  /** Who the partners are: `tableRegistry(...)` (platform table), or a static map of entries. */
  partners: PartnerContextOptions['partners']
  /**
   * Secret of the platform (>= 32 characters): signs list cursors and keys the idempotency fingerprint
   * of card data. In production it comes from Secrets Manager or SSM, never from code.
   */
  secret: string
  /** Each partner's beacon key, as `createBeaconKey` returned it (encrypted under the partner's KMS key). */
  beaconKey: (partner: EncryptingPartner) => Uint8Array | string
  /** Prefix of the platform account's tables (partner registry, audit of unresolved requests). Default ''. */
  platformTablePrefix?: string
  /** Settings of the platform's DynamoDB client (endpoint and credentials for local runs). */
  dynamoClientConfig?: DynamoDBClientConfig
  /** Settings of the partners' DynamoDB clients (their credentials are always the assumed role's). */
  partnerDynamoClientConfig?: DynamoDBClientConfig
  /** Settings of the STS client that assumes the partners' roles. */
  stsClientConfig?: STSClientConfig
  /** Settings of the partners' KMS clients (endpoint for local runs). */
  kmsClientConfig?: Omit<KMSClientConfig, 'credentials' | 'region'>
  /** Where the audit trail's request log and metric lines, and the client's warm-up warning, go (default console.log). */
  logger?: (line: string) => void
  /** Prices for the cost header (default core's defaultPriceTable). */
  prices?: PriceTable
  /** Idempotency records live this long (default 86400 s). */
  idempotencyTtlSeconds?: number
}

export const paymentApiDefaults = {
  platformTablePrefix: '',
  logger: (line: string): void => console.log(line),
  idempotencyTtlSeconds: 86_400,
}

type Middleware = MiddlewareObj<PaymentEvent, APIGatewayProxyStructuredResultV2, Error, any>
export type RouteHandler = (
  event: PaymentEvent,
  context: PaymentContext,
) => Promise<APIGatewayProxyStructuredResultV2>
export type LambdaHandler = (event: any, context: Context) => Promise<APIGatewayProxyStructuredResultV2>

/** Sensitive attribute names: redacted in audit entries wherever they appear. */
export const SENSITIVE_ATTRIBUTES = ['cardNumber', 'cardExpiry', 'number', 'cvc', 'expMonth', 'expYear']

/** The middlewares every payment route shares, made once per container, and the builder of a route. */
export interface PaymentStack {
  /** A route's Lambda handler: the shared middlewares around `handler` (idempotency when `idempotent`). */
  route(handler: RouteHandler, idempotent: boolean): LambdaHandler
  /** The partners' field encryption (the card search computes beacons with it). */
  encryptionFor: ReturnType<typeof partnerFieldEncryption>
  /** Maps errors to HTTP answers (the dispatcher's 404 uses it). */
  errors: ReturnType<typeof httpErrorResponses>
}

export function createPaymentStack(options: PaymentApiOptions): PaymentStack {
  const settings = { ...paymentApiDefaults, ...options }
  if (typeof settings.secret !== 'string' || settings.secret.length < 32) {
    throw paymentError(
      'PaymentRequestInvalidError',
      'createPaymentStack(): secret must be at least 32 characters',
    )
  }
  const derived = (purpose: string) => createHmac('sha256', settings.secret).update(purpose).digest()

  const errors = httpErrorResponses({ logger: settings.logger })
  const bodyParser = httpJsonBodyParser({ disableContentTypeError: true })
  const client = dynamoClient({
    clientConfig: settings.dynamoClientConfig,
    tableName: settings.platformTablePrefix,
    cursorSecret: derived('cursor'),
    logger: { warn: settings.logger },
  })
  // Each partner's fields sealed under its own KMS key, through its assumed role: the partner's Db is
  // built with it, so every route's model reads and writes go through it.
  const encryptionFor = partnerFieldEncryption({
    kmsConfig: settings.kmsClientConfig,
    // Named here as the byCard index names it: a beacon under another name would leave the index empty.
    beacons: { key: settings.beaconKey, attributes: { cardNumber: { name: CARD_BEACON_ATTRIBUTE } } },
  })
  const partner = partnerContext({
    partners: settings.partners,
    stsClientConfig: settings.stsClientConfig,
    partnerClient: { clientConfig: settings.partnerDynamoClientConfig },
    transformer: encryptionFor,
  })
  const fingerprintKey = derived('idempotency-fingerprint')
  const locks = idempotency<PaymentEvent>({
    ttlSeconds: settings.idempotencyTtlSeconds,
    // The fingerprint is stored in clear: a plain hash of a body holding a card number could be
    // brute-forced from its BIN and last4, so card data enters it only through a keyed hash.
    payload: (event) => fingerprintPayload(event.body, fingerprintKey),
  })
  const keyCheck = idempotencyKeyCheck()
  const audit = auditTrail({ sensitiveAttributes: SENSITIVE_ATTRIBUTES, logger: settings.logger })

  const route = (handler: RouteHandler, idempotent: boolean): LambdaHandler => {
    // The stack is typed loosely here; PaymentContext states what the route handlers get from it.
    const chain = middy<PaymentEvent, APIGatewayProxyStructuredResultV2, Error, any>()
      .use(errors as Middleware)
      .use(bodyParser as Middleware)
      .use(client as Middleware)
      .use(partner as Middleware)
    if (idempotent) chain.use(keyCheck as Middleware).use(locks as Middleware)
    const built = chain.use(audit as Middleware).handler(handler)
    return withRequestCost(built as never, { prices: settings.prices }) as LambdaHandler
  }

  return { route, encryptionFor, errors }
}

/** The body as fingerprinted: card number and CVC replaced by keyed hashes; everything else as sent. */
export function fingerprintPayload(body: unknown, key: Uint8Array): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body
  const card = (body as { card?: unknown }).card
  if (typeof card !== 'object' || card === null || Array.isArray(card)) return body
  const keyed = (value: unknown) =>
    createHmac('sha256', key)
      .update(JSON.stringify(value ?? null))
      .digest('base64url')
  const { number, cvc, ...rest } = card as Record<string, unknown>
  return { ...body, card: { ...rest, number: keyed(number), cvc: keyed(cvc) } }
}
