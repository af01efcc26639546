// arn:aws:iam::<12-digit account>:role/<optional path/>name, in any partition (aws, aws-cn, aws-us-gov).
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]+$/

/** The partner's account id, read from its role ARN; undefined when the ARN is not a role ARN. */
export function accountIdOf(roleArn: string): string | undefined {
  return ROLE_ARN.exec(roleArn)?.[1]
}
