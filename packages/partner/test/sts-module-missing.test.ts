// A deployment without @aws-sdk/client-sts: the middleware is still made (nothing is imported at init),
// a partner whose credentials are needed gets a typed 500 naming the module, not a signing failure or
// a 503 that invites retries.

import { dynamoClient } from '@dynamorm/client'
import { isDynamormError } from '@dynamorm/core'
import { httpApiEvent, localDynamoClient } from '@dynamorm/testing'
import middy from '@middy/core'
import { describe, expect, inject, it, vi } from 'vitest'
import { partnerContext } from '../src/index.ts'
import { invoke, rejectionOf, testPartner } from './fixtures.ts'

vi.mock('@aws-sdk/client-sts', () => {
  throw Object.assign(new Error("Cannot find package '@aws-sdk/client-sts'"), {
    code: 'ERR_MODULE_NOT_FOUND',
  })
})

describe('without @aws-sdk/client-sts', () => {
  it('makes the middleware, then refuses the request with PartnerConfigError (500)', async () => {
    const partner = testPartner('partner-a', 1)
    const middleware = partnerContext({
      partners: { [partner.id]: { roleArn: partner.roleArn, region: 'eu-west-1' } },
      stsAttempts: 3,
    })
    const handler = middy()
      .use(dynamoClient({ client: localDynamoClient(inject('dynamoEndpoint')), warmup: false }))
      .use(middleware)
      .handler(async () => 'handler ran')
    const event = httpApiEvent({ jwtClaims: { partner_id: partner.id } })
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await rejectionOf(invoke(handler, event))
      expect(isDynamormError(error, 'PartnerConfigError')).toBe(true)
      expect(error.status).toBe(500)
      expect(error.message).toContain('@aws-sdk/client-sts could not be loaded')
    }
  })
})
