// `pnpm start`: DynamoDB Local and the loopback STS, the onboarding story, and nothing left running.
import { startDynamoDbLocal, startStsServer } from '@dynamorm/testing'
import { runOnboardingStory } from './onboarding-story.ts'

const dynamo = await startDynamoDbLocal()
const sts = await startStsServer()
try {
  await runOnboardingStory({
    dynamoEndpoint: dynamo.endpoint,
    stsEndpoint: sts.endpoint,
    roles: { grant: (role) => sts.addRole(role), revoke: (roleArn) => sts.removeRole(roleArn) },
    say: (line) => console.log(line),
  })
  console.log(`STS AssumeRole calls: ${sts.calls()}`)
} finally {
  await sts.close()
  await dynamo.stop()
}
