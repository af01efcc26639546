// Lambda entry of POST /payments alone: what the cold-start benchmark bundles.
import { createPaymentApi } from '../payment-api.ts'
import { paymentApiOptionsFromEnvironment } from './environment.ts'

export const handler = createPaymentApi(paymentApiOptionsFromEnvironment(process.env)).createPayment
