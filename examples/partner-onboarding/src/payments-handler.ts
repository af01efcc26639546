// The partner-facing handler: POST /payments writes into the calling partner's own table, in its own
// account, with credentials of the role assumed for it. Which partner is the authorizer's claim.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { STSClientConfig } from '@aws-sdk/client-sts'
import { dynamoClient } from '@dynamorm/client'
import { ValidationError } from '@dynamorm/core'
import { type PartnerRegistry, partnerContext } from '@dynamorm/partner'
import middy from '@middy/core'
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda'
import { errorResponse } from './error-response.ts'
import { Payment } from './payment.ts'

export interface PaymentsHandlerOptions {
  /** The platform account's client (the registry is read with it). */
  client: DynamoDBClient
  partners: PartnerRegistry
  /** STS as the platform (endpoint and credentials locally; nothing in Lambda). */
  stsClientConfig?: STSClientConfig
  /** Settings of the partners' DynamoDB clients (the endpoint locally). */
  partnerClientConfig?: { endpoint?: string }
}

function parseBody(body: string | undefined): { id?: unknown; amount?: unknown; currency?: unknown } {
  try {
    const parsed = JSON.parse(body ?? '')
    if (typeof parsed === 'object' && parsed !== null) return parsed
  } catch {}
  throw new ValidationError('The body must be a JSON object')
}

/** What Lambda calls: Middy types the handler with the context its middlewares add, Lambda passes a plain one. */
export type LambdaHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2>

export function paymentsHandler(options: PaymentsHandlerOptions): LambdaHandler {
  const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
    .use(errorResponse())
    .use(dynamoClient({ client: options.client, warmup: false }))
    .use(
      partnerContext({
        partners: options.partners,
        stsClientConfig: options.stsClientConfig,
        partnerClient: { clientConfig: options.partnerClientConfig ?? {} },
      }),
    )
    .handler(async (event, context) => {
      const { id, amount, currency } = parseBody(event.body)
      const payment = await context.partner.db
        .model(Payment)
        .create({ id, amount, currency } as { id: string; amount: number })
      return {
        statusCode: 201,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          partner: context.partner.toJSON(),
          table: context.partner.tableName('payments'),
          payment,
        }),
      }
    })
  return handler as unknown as LambdaHandler
}
