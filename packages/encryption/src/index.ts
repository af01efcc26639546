export type { BeaconAttributeOptions, BeaconOptions } from './beacon.ts'
export { createBeaconKey } from './beacon.ts'
export {
  DecryptionError,
  EncryptionConfigError,
  KmsKeyError,
  KmsUnavailableError,
  UntrustedKmsKeyError,
} from './errors.ts'
export type {
  FieldEncryption,
  FieldEncryptionContext,
  FieldEncryptionOptions,
  ReencryptedItem,
} from './field-encryption.ts'
export { defaults, fieldEncryption } from './field-encryption.ts'
export type {
  EncryptingPartner,
  PartnerFieldEncryption,
  PartnerFieldEncryptionOptions,
} from './partner-encryption.ts'
export { partnerDefaults, partnerFieldEncryption } from './partner-encryption.ts'
export type { ReencryptTableOptions, ReencryptTableResult } from './reencrypt-table.ts'
export { reencryptTable } from './reencrypt-table.ts'
