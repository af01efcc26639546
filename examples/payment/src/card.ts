// What the service may know about a card in clear: its last four digits and its brand. The number
// itself is checked here (Luhn) and then only ever stored sealed.

/** Digits only: spaces and dashes people type are dropped; anything else makes it invalid. */
export function normaliseCardNumber(value: string): string | undefined {
  const digits = value.replace(/[ -]/g, '')
  return /^\d{12,19}$/.test(digits) && luhnValid(digits) ? digits : undefined
}

export function luhnValid(digits: string): boolean {
  let sum = 0
  for (let index = 0; index < digits.length; index++) {
    let digit = digits.charCodeAt(digits.length - 1 - index) - 48
    if (index % 2 === 1) {
      digit *= 2
      if (digit > 9) digit -= 9
    }
    sum += digit
  }
  return sum % 10 === 0
}

export function cardBrand(digits: string): string {
  if (digits.startsWith('4')) return 'visa'
  const two = Number(digits.slice(0, 2))
  const four = Number(digits.slice(0, 4))
  if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return 'mastercard'
  if (two === 34 || two === 37) return 'amex'
  return 'other'
}
