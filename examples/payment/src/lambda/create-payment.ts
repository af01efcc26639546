// Lambda entry of POST /payments alone (what the cold-start benchmark bundles): the shared stack and
// the create route, no other route.
import { createPaymentStack } from '../payment-stack.ts'
import { createPayment } from '../routes/create-payment.ts'
import { paymentApiOptionsFromEnvironment } from './environment.ts'

export const handler = createPaymentStack(paymentApiOptionsFromEnvironment(process.env)).route(
  createPayment,
  true,
)
