// Errors name the attribute or path at fault, never a value. Names come from the caller's input too,
// though (a request body's keys), and a name can carry data: a card number typed as a field name would
// be echoed into a 400 answer and the logs. A path segment that does not look like a name is withheld.
const NAME = /^[A-Za-z_$][\w$-]{0,63}$/
const DIGIT_RUN = /\d{6}/
const INDEXES = /(\[\d+\])+$/

function segmentInMessage(segment: string): string {
  const name = segment.replace(INDEXES, '')
  return NAME.test(name) && !DIGIT_RUN.test(name) ? segment : '(name withheld)'
}

/** `path` (`card.number`, `items[2].sku`) as an error may show it: segments unlike a name withheld. */
export function pathInMessage(path: string): string {
  return path.split('.').map(segmentInMessage).join('.')
}
