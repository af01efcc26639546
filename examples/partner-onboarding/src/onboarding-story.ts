// What `pnpm start` runs: two partners onboarded, each writing a payment into its own table through
// partnerContext(), a duplicate onboarding refused, one partner removed and refused from then on.
import { STSClient } from '@aws-sdk/client-sts'
import { createDb, isDynamormError } from '@dynamorm/core'
import { tableRegistry } from '@dynamorm/partner'
import { createTestTable, httpApiEvent, lambdaContext, localDynamoClient } from '@dynamorm/testing'
import type { APIGatewayProxyResultV2 } from 'aws-lambda'
import {
  type OnboardingDeps,
  offboardPartner,
  onboardPartner,
  type PartnerRoles,
} from './partner-onboarding.ts'
import { paymentsHandler } from './payments-handler.ts'
import { keyValueTable } from './tables.ts'

export interface StoryOptions {
  dynamoEndpoint: string
  stsEndpoint: string
  /** The loopback STS's role list (production: the partners' own IAM). */
  roles: PartnerRoles
  /** Run-unique part of the table names, so stories can share a DynamoDB Local. */
  namespace?: string
  say?: (line: string) => void
}

export interface StoryStep {
  step: string
  status: number
  body: Record<string, unknown>
}

// Credentials of the platform's own account: static locally, the Lambda role's in production.
const platformCredentials = { accessKeyId: 'platform', secretAccessKey: 'platform-secret' }

export async function runOnboardingStory(options: StoryOptions): Promise<StoryStep[]> {
  const say = options.say ?? (() => {})
  const namespace = options.namespace ?? ''
  const client = localDynamoClient(options.dynamoEndpoint, { credentials: platformCredentials })
  const registryTable = `${namespace}platform-partners`
  await createTestTable(client, keyValueTable(registryTable))
  const stsClientConfig = {
    endpoint: options.stsEndpoint,
    region: 'us-east-1',
    credentials: platformCredentials,
  }
  const registry = tableRegistry({ table: registryTable })
  const deps: OnboardingDeps = {
    db: createDb({ client }),
    registryTable,
    tablesClient: client,
    roles: options.roles,
    sts: new STSClient({ ...stsClientConfig, maxAttempts: 1 }),
    registry,
    tablePrefix: `${namespace}partner-`,
  }
  const handler = paymentsHandler({
    client,
    partners: registry,
    stsClientConfig,
    partnerClientConfig: { endpoint: options.dynamoEndpoint },
  })

  const steps: StoryStep[] = []
  const record = (step: string, status: number, body: Record<string, unknown>) => {
    steps.push({ step, status, body })
    const summary = body.error ? `${body.error}` : JSON.stringify(body)
    say(`${step.padEnd(34)} ${status} ${summary}`)
  }
  const admin = async (step: string, action: () => Promise<object>) => {
    try {
      record(step, 200, { ...(await action()) })
    } catch (error) {
      if (!isDynamormError(error)) throw error
      record(step, error.status, { error: error.name })
    }
  }
  const pay = async (partnerId: string, id: string, amount: number) => {
    const result = (await handler(
      httpApiEvent({
        method: 'POST',
        path: '/payments',
        body: { id, amount },
        jwtClaims: { partner_id: partnerId },
      }),
      lambdaContext(),
    )) as Exclude<APIGatewayProxyResultV2, string>
    const body = JSON.parse(result.body ?? '{}')
    record(
      `POST /payments as ${partnerId}`,
      result.statusCode ?? 200,
      body.error ? body : { account: body.partner.accountId, table: body.table, payment: body.payment.id },
    )
  }

  const brief = ({
    partnerId,
    roleArn,
    tables,
  }: {
    partnerId: string
    roleArn: string
    tables: string[]
  }) => ({
    partnerId,
    roleArn,
    tables,
  })
  await admin('onboard acme', async () =>
    brief(await onboardPartner(deps, { partnerId: 'acme', accountId: '111111111111', region: 'eu-west-1' })),
  )
  await admin('onboard globex', async () =>
    brief(
      await onboardPartner(deps, { partnerId: 'globex', accountId: '222222222222', region: 'us-east-2' }),
    ),
  )
  await pay('acme', 'pay-1', 1250)
  await pay('globex', 'pay-1', 990)
  await admin('onboard acme again', async () =>
    brief(await onboardPartner(deps, { partnerId: 'acme', accountId: '111111111111', region: 'eu-west-1' })),
  )
  await admin('onboard "Bad Id!"', async () =>
    brief(
      await onboardPartner(deps, { partnerId: 'Bad Id!', accountId: '333333333333', region: 'eu-west-1' }),
    ),
  )
  await pay('initech', 'pay-1', 10)
  await admin('offboard acme', () => offboardPartner(deps, 'acme'))
  await pay('acme', 'pay-2', 500)
  await pay('globex', 'pay-2', 700)
  await admin('offboard acme again', () => offboardPartner(deps, 'acme'))
  client.destroy()
  return steps
}
