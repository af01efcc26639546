/** A role the loopback STS lets callers assume. */
export interface StsRole {
  /** `arn:aws:iam::<account>:role/<name>` (paths such as `role/team/name` allowed). */
  roleArn: string
  /** When set, AssumeRole must present exactly this ExternalId. */
  externalId?: string
  /** Upper bound for DurationSeconds (default 3600, like IAM's default). */
  maxSessionDuration?: number
}

export interface ParsedRoleArn {
  accountId: string
  roleName: string
}

const roleArnPattern = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]+)$/

/** Account id and role name from a role ARN, or undefined when it is not one. */
export function parseRoleArn(roleArn: string): ParsedRoleArn | undefined {
  const match = roleArnPattern.exec(roleArn)
  if (!match) return undefined
  return { accountId: match[1]!, roleName: match[2]! }
}
