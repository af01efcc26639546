// The Lambda context a payment route sees once the middleware stack has run.

import type { AuditTrailContext } from '@dynamorm/audit'
import type { DynamoClientContext } from '@dynamorm/client'
import type { PartnerContext } from '@dynamorm/partner'
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda'

export type PaymentContext = Context & DynamoClientContext & PartnerContext & AuditTrailContext

/** An HTTP API v2 event after the JSON body parser: the body is whatever the JSON held. */
export type PaymentEvent = Omit<APIGatewayProxyEventV2, 'body'> & { body?: unknown }
