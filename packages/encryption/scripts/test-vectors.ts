// Test vectors for README.md, from fixed keys and IVs, so another implementation can check itself
// against ours. `node --conditions=source scripts/test-vectors.ts --write` rewrites the README
// section; test/test-vectors.test.ts fails when the README and the code disagree.

import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { encodeAttributeValue } from '../src/attribute-codec.ts'
import { beaconValue } from '../src/beacon.ts'
import { canonicalKey, fieldAad } from '../src/field-aad.ts'
import { dataKeyId, fieldHeader, sealField } from '../src/field-format.ts'

export const vectorInputs = {
  dataKey: Buffer.from(Array.from({ length: 32 }, (_, index) => index)),
  encryptedDataKey: Buffer.from('example KMS ciphertext of the data key', 'utf8'),
  iv: Buffer.from('a0a1a2a3a4a5a6a7a8a9aaab', 'hex'),
  beaconKey: Buffer.alloc(32, 0x42),
  table: 'payments',
  key: { pk: { S: 'PARTNER#p1' }, sk: { S: 'PAYMENT#42' } } as Record<string, AttributeValue>,
}

interface Vector {
  title: string
  attribute: string
  value: AttributeValue
  inline: boolean
}

const vectors: Vector[] = [
  {
    title: 'String, data key in the item',
    attribute: 'cardNumber',
    value: { S: '4111111111111111' },
    inline: false,
  },
  { title: 'Number, data key in the item', attribute: 'amount', value: { N: '12.30' }, inline: false },
  {
    title: 'Map, data key in the item',
    attribute: 'bank',
    value: { M: { iban: { S: 'DE89370400440532013000' }, verified: { BOOL: true } } },
    inline: false,
  },
  {
    title: 'String set, data key inline (partial write)',
    attribute: 'tags',
    value: { SS: ['b', 'a'] },
    inline: true,
  },
]

const json = (value: unknown): string =>
  JSON.stringify(value, (_key, entry) =>
    entry instanceof Uint8Array || (entry && entry.type === 'Buffer')
      ? Buffer.from(entry).toString('hex')
      : entry,
  )

export function renderTestVectors(): string {
  const { dataKey, encryptedDataKey, iv, beaconKey, table, key } = vectorInputs
  const lines: string[] = [
    'Common inputs (all hex unless quoted):',
    '',
    '```',
    `data key            ${dataKey.toString('hex')}`,
    `encrypted data key  ${encryptedDataKey.toString('hex')}`,
    `data key id         ${dataKeyId(encryptedDataKey).toString('hex')}`,
    `IV                  ${iv.toString('hex')}`,
    `table               "${table}"`,
    `key                 ${json(key)}`,
    `canonical key       ${canonicalKey(key).toString('hex')}`,
    '```',
  ]
  for (const vector of vectors) {
    const header = fieldHeader(
      { id: dataKeyId(encryptedDataKey), encrypted: encryptedDataKey },
      vector.inline,
    )
    const plaintext = encodeAttributeValue(vector.value)
    const aad = fieldAad(header, table, canonicalKey(key), vector.attribute)
    const field = sealField(dataKey, header, aad, plaintext, iv)
    lines.push(
      '',
      `**${vector.title}**: attribute \`${vector.attribute}\` = \`${json(vector.value)}\``,
      '',
      '```',
      `plaintext  ${plaintext.toString('hex')}`,
      `AAD        ${aad.toString('hex')}`,
      `field      ${field.toString('hex')}`,
      '```',
    )
  }
  const beacon = beaconValue(beaconKey, 'cardNumber', { S: '4111111111111111' }, 64)
  lines.push(
    '',
    `**Beacon** (64 bits): key \`${beaconKey.toString('hex')}\`, attribute \`cardNumber\`, value \`{"S":"4111111111111111"}\``,
    '',
    '```',
    `beacon     ${beacon.toString('hex')}`,
    '```',
  )
  return lines.join('\n')
}

export const START = '<!-- test-vectors:start -->'
export const END = '<!-- test-vectors:end -->'
export const readmePath = fileURLToPath(new URL('../README.md', import.meta.url))

/** The README's vectors section, as stored. */
export function readmeVectors(): string {
  const readme = readFileSync(readmePath, 'utf8')
  return readme.slice(readme.indexOf(START) + START.length, readme.indexOf(END)).trim()
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rendered = renderTestVectors()
  if (process.argv.includes('--write')) {
    const readme = readFileSync(readmePath, 'utf8')
    const start = readme.indexOf(START) + START.length
    writeFileSync(readmePath, `${readme.slice(0, start)}\n${rendered}\n${readme.slice(readme.indexOf(END))}`)
  } else {
    console.log(rendered)
  }
}
