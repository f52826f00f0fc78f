// `npm run example` at the repository root: pack the adapter, install and build the app, then
// serve it with DynamoDB Local at http://localhost:3000/admin (`-- --dev` for `next dev`).
import { spawn } from 'node:child_process'
import { join } from 'node:path'

import { appDir, buildApp, installApp, packAdapter } from './prepare.mjs'

const dev = process.argv.includes('--dev')
packAdapter()
installApp()
if (!dev) {
  buildApp()
}
const port = process.env.PORT || '3000'
const child = spawn(
  process.execPath,
  [join(appDir, 'scripts', 'with-dynamodb.mjs'), 'next', dev ? 'dev' : 'start', '-p', port],
  { cwd: appDir, stdio: 'inherit' },
)
console.log(`Payload admin: http://localhost:${port}/admin`)
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal))
}
child.on('exit', (code) => {
  process.exitCode = code ?? 1
})
