// `pnpm --filter @dynamorm/example-payment build`: the Lambda bundles template.yaml deploys, in dist/.
import { fileURLToPath } from 'node:url'
import { bundleHandler } from './bundle-handler.ts'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))
const handlers = {
  'payment-api': '../src/lambda/payment-api.ts',
  'create-payment': '../src/lambda/create-payment.ts',
}
for (const [name, entry] of Object.entries(handlers)) {
  const { outfile, bytes } = await bundleHandler(here(entry), here(`../dist/${name}/index.mjs`))
  console.log(`${name.padEnd(16)} ${(bytes / 1024).toFixed(1).padStart(7)} KB  ${outfile}`)
}
