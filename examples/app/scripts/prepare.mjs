// Makes examples/app runnable from a fresh clone: packs the adapter of this repository into
// vendor/payload-db-dynamodb.tgz (the app installs that tarball, so the adapter resolves the app's
// own `payload`, never a second copy from the repository root), installs the app's dependencies
// and runs `next build`. Each step is skipped when its inputs did not change.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const repoDir = resolve(appDir, '../..')
const tarball = join(appDir, 'vendor', 'payload-db-dynamodb.tgz')
const packedStamp = join(appDir, 'vendor', '.sources-sha256')
const installedStamp = join(appDir, 'node_modules', '.adapter-sha256')
const builtStamp = join(appDir, '.next', 'inputs-sha256')

function run(command, args, cwd) {
  console.log(`> ${command} ${args.join(' ')}   (in ${cwd})`)
  execFileSync(command, args, {
    cwd,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    stdio: 'inherit',
  })
}

function sha256(paths) {
  const hash = createHash('sha256')
  for (const path of paths) {
    hash.update(path).update(readFileSync(path))
  }
  return hash.digest('hex')
}

function filesUnder(dir) {
  return readdirSync(dir, { recursive: true })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .sort()
}

function readStamp(path) {
  return existsSync(path) ? readFileSync(path, 'utf8') : ''
}

/** Builds the adapter and packs it into vendor/, unless its sources did not change since. */
export function packAdapter() {
  const sources = [...filesUnder(join(repoDir, 'src')), join(repoDir, 'package.json')]
  const sourcesHash = sha256(sources)
  if (existsSync(tarball) && readStamp(packedStamp) === sourcesHash) {
    return
  }
  run('npm', ['run', 'build'], repoDir)
  const out = mkdtempSync(join(tmpdir(), 'payload-db-dynamodb-pack-'))
  try {
    run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', out], repoDir)
    const [packed] = readdirSync(out).filter((name) => name.endsWith('.tgz'))
    copyFileSync(join(out, packed), tarball)
  } finally {
    rmSync(out, { force: true, recursive: true })
  }
  writeFileSync(packedStamp, sourcesHash)
}

/**
 * Points package-lock.json at the packed tarball: npm takes a `file:` tarball's content from its
 * cache by the integrity the lock file records, so a stale integrity would install an older
 * adapter (or fail with EINTEGRITY on a machine that never saw it).
 */
function lockAdapterIntegrity() {
  const lockPath = join(appDir, 'package-lock.json')
  const committed = readFileSync(lockPath, 'utf8')
  const lock = JSON.parse(committed)
  const entry = lock.packages?.['node_modules/payload-db-dynamodb']
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`
  if (entry && entry.integrity !== integrity) {
    entry.integrity = integrity
    writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`)
  }
  // The integrity changes with every build of the adapter: the install uses it, the working
  // tree keeps the committed lock file (a test run leaves `git status` clean).
  return () => writeFileSync(lockPath, committed)
}

/** npm install in the app unless the installed adapter is this very tarball. */
export function installApp() {
  const adapterHash = sha256([tarball])
  if (
    existsSync(join(appDir, 'node_modules', 'next')) &&
    readStamp(installedStamp) === adapterHash
  ) {
    return
  }
  const restoreLock = lockAdapterIntegrity()
  try {
    // npm keeps an installed `file:` tarball whatever its content: make it extract this one.
    rmSync(join(appDir, 'node_modules', 'payload-db-dynamodb'), { force: true, recursive: true })
    // `npm install`, not `npm ci`: the tarball's integrity in package-lock.json changes with the
    // adapter's code; every other package stays at the version the lock file pins.
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], appDir)
  } finally {
    restoreLock()
  }
  writeFileSync(installedStamp, adapterHash)
}

/** `next build` unless the last build had the same sources, config and adapter. */
export function buildApp() {
  const inputs = [
    ...filesUnder(join(appDir, 'src')),
    join(appDir, 'next.config.ts'),
    join(appDir, 'package-lock.json'),
    tarball,
  ]
  const inputsHash = sha256(inputs)
  if (existsSync(join(appDir, '.next', 'BUILD_ID')) && readStamp(builtStamp) === inputsHash) {
    return
  }
  run('npm', ['run', 'build'], appDir)
  writeFileSync(builtStamp, inputsHash)
}

export function prepareExample() {
  packAdapter()
  installApp()
  buildApp()
}

// `node scripts/prepare.mjs`: all three steps (.ci/run does this before the tests).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  prepareExample()
}
