// The whole DynamORM middleware stack a payment handler uses, for its bundle size (SDK external).
export { auditTrail } from '@dynamorm/audit'
export { dynamoClient } from '@dynamorm/client'
export { partnerFieldEncryption } from '@dynamorm/encryption'
export { idempotency } from '@dynamorm/idempotency'
export { partnerContext } from '@dynamorm/partner'
export { default as middy } from '@middy/core'
export { default as httpJsonBodyParser } from '@middy/http-json-body-parser'
