// Free text (descriptions, references, reasons) is stored, audited and logged in clear, so a card
// number typed into it would be cardholder data in plaintext (PCI DSS). Runs of digits are looked at
// the way people type a number: groups separated by spaces or dashes.
import { luhnValid } from './card.ts'

const DIGIT_RUN = /\d+(?:[ -]+\d+)*/g

/** True when `text` holds 13 to 19 consecutive digits (whole groups of a run) that pass Luhn. */
export function holdsCardNumber(text: string): boolean {
  for (const [run] of text.matchAll(DIGIT_RUN)) {
    const groups = run.split(/[ -]+/)
    // Every span of whole groups: "ref 2024 4111 1111 1111 1111" holds the card after its first group.
    for (let first = 0; first < groups.length; first++) {
      let digits = ''
      for (let last = first; last < groups.length && digits.length < 19; last++) {
        digits += groups[last]
        if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) return true
      }
    }
  }
  return false
}
