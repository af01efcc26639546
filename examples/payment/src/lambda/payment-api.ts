// Lambda entry of the one function behind every route (template.yaml's PaymentApiFunction).
import { createPaymentApi } from '../payment-api.ts'
import { paymentApiOptionsFromEnvironment } from './environment.ts'

export const handler = createPaymentApi(paymentApiOptionsFromEnvironment(process.env)).route
