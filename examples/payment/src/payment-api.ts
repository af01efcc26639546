// The payment API as one object: every route's handler, and `route`, one function for every route
// (the SAM template's PaymentApiFunction) dispatching on method and path.
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda'
import { paymentError } from './payment-error.ts'
import { createPaymentStack, type LambdaHandler, type PaymentApiOptions } from './payment-stack.ts'

import { capturePayment } from './routes/capture-payment.ts'
import { createPayment } from './routes/create-payment.ts'
import { findPaymentsByCard } from './routes/find-payments-by-card.ts'
import { getPayment } from './routes/get-payment.ts'
import { listPayments } from './routes/list-payments.ts'
import { refundPayment } from './routes/refund-payment.ts'

export interface PaymentApi {
  createPayment: LambdaHandler
  capturePayment: LambdaHandler
  refundPayment: LambdaHandler
  getPayment: LambdaHandler
  listPayments: LambdaHandler
  findPaymentsByCard: LambdaHandler
  /** One function for every route (the SAM template's choice): dispatches on method and path. */
  route: LambdaHandler
}

export function createPaymentApi(options: PaymentApiOptions): PaymentApi {
  const payments = createPaymentStack(options)
  const api = {
    createPayment: payments.route(createPayment, true),
    capturePayment: payments.route(capturePayment, true),
    refundPayment: payments.route(refundPayment, true),
    getPayment: payments.route(getPayment, false),
    listPayments: payments.route(listPayments, false),
    findPaymentsByCard: payments.route(findPaymentsByCard(payments.encryptionFor), false),
  }
  const routes: Array<[string, RegExp, LambdaHandler]> = [
    ['POST', /^\/payments$/, api.createPayment],
    ['GET', /^\/payments$/, api.listPayments],
    ['POST', /^\/payments\/search$/, api.findPaymentsByCard],
    ['GET', /^\/payments\/(?<id>[^/]+)$/, api.getPayment],
    ['POST', /^\/payments\/(?<id>[^/]+)\/capture$/, api.capturePayment],
    ['POST', /^\/payments\/(?<id>[^/]+)\/refunds$/, api.refundPayment],
  ]
  const notFound = payments.errors.onError as unknown as (request: {
    error: unknown
    response: unknown
  }) => void

  const route: LambdaHandler = async (event, context) => {
    const method = event?.requestContext?.http?.method
    const path = event?.rawPath
    for (const [routeMethod, pattern, handler] of routes) {
      const match = typeof path === 'string' ? pattern.exec(path) : null
      if (match === null || routeMethod !== method) continue
      const pathParameters = match.groups === undefined ? event.pathParameters : { ...match.groups }
      return handler({ ...event, pathParameters }, context)
    }
    const request = { error: paymentError('RouteNotFoundError', 'No such route'), response: undefined }
    notFound(request)
    return request.response as unknown as APIGatewayProxyStructuredResultV2
  }
  return { ...api, route }
}
