// The example's one error helper: onboarding refusals, typed like DynamORM's errors (stable name,
// HTTP status) so an admin API answers them the same way as the middlewares' own.
import { DynamormError } from '@dynamorm/core'

export type OnboardingErrorName =
  | 'InvalidOnboardingRequestError'
  | 'PartnerAlreadyOnboardedError'
  | 'PartnerOnboardingConflictError'
  | 'PartnerRemovalUnfinishedError'
  | 'PartnerNotOnboardedError'
  | 'PartnerRoleNotUsableError'

const statuses: Record<OnboardingErrorName, number> = {
  InvalidOnboardingRequestError: 400,
  PartnerAlreadyOnboardedError: 409,
  PartnerOnboardingConflictError: 409,
  PartnerRemovalUnfinishedError: 409,
  PartnerNotOnboardedError: 404,
  PartnerRoleNotUsableError: 424,
}

export function onboardingError(
  name: OnboardingErrorName,
  message: string,
  details: Record<string, unknown> = {},
): DynamormError {
  return new DynamormError(name, statuses[name], message, { details })
}
