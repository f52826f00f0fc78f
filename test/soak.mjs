/**
 * Runs the seeded concurrent-writer and differential tests over a range of seeds, one Jest run
 * per seed, and keeps the whole output of every run that fails (a rare interleaving or fault
 * timing is only worth something with its output). Not part of `npm test`: a soak takes about a
 * minute per seed and test.
 *
 *   npm run soak -- writers 44 60            # differentialUnderWriters.test.ts, seeds 44..60
 *   npm run soak -- faults 43 43 --repeat 10 # only its fault test, the same seed ten times
 *   npm run soak -- drafts 81 85 --writes 60 # draftsUnderWriters.test.ts
 *   npm run soak -- queries 601 604          # differentialQueries.test.ts (1,200 queries)
 *   npm run soak -- evolution 1 10 --writes 30 # evolutionUnderWriters.test.ts (config changes)
 *   npm run soak -- evolution-split 1 5        # the same, every tag write split (150 tags)
 *
 * Failing runs are kept in `.tmp/soak/<test>-seed-<n>-<run>.txt`; a line per run is printed.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'

const TESTS = {
  drafts: { file: 'test/integration/draftsUnderWriters.test.ts' },
  evolution: { file: 'test/integration/evolutionUnderWriters.test.ts' },
  // The same with 150 tags, about half on each write: tag writes are split (splitGroup.ts).
  'evolution-split': {
    env: { DIFF_MANY_TAGS: '1' },
    file: 'test/integration/evolutionUnderWriters.test.ts',
  },
  faults: {
    file: 'test/integration/differentialUnderWriters.test.ts',
    only: 'dropped connections',
  },
  queries: { env: { DIFF_QUERIES: '1200' }, file: 'test/integration/differentialQueries.test.ts' },
  writers: { file: 'test/integration/differentialUnderWriters.test.ts' },
}

function usage(message) {
  console.error(
    `${message}\nusage: npm run soak -- <${Object.keys(TESTS).join('|')}> <first seed> <last seed> [--repeat n] [--writes n]`,
  )
  process.exit(2)
}

const [name, first, last, ...rest] = process.argv.slice(2)
const test = TESTS[name]
if (!test) usage(`unknown test: ${name ?? '(none)'}`)
const from = Number(first)
const to = Number(last ?? first)
if (!Number.isInteger(from) || !Number.isInteger(to) || to < from)
  usage('seeds must be integers, first <= last')
const option = (flag, fallback) => {
  const at = rest.indexOf(flag)
  if (at === -1) return fallback
  const value = Number(rest[at + 1])
  if (!Number.isInteger(value) || value < 1) usage(`${flag} needs a positive integer`)
  return value
}
const repeat = option('--repeat', 1)
const writes = option('--writes', undefined)

mkdirSync('.tmp/soak', { recursive: true })
let failed = 0
let runs = 0
for (let seed = from; seed <= to; seed++) {
  for (let run = 1; run <= repeat; run++) {
    const args = ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', test.file]
    if (test.only) args.push('-t', test.only)
    const env = { ...process.env, ...test.env, DIFF_SEED: String(seed) }
    if (writes) env.DIFF_WRITES = String(writes)
    const started = Date.now()
    const result = spawnSync(process.execPath, args, { encoding: 'utf8', env, maxBuffer: 1 << 28 })
    const output = `${result.stdout}${result.stderr}`
    const summary = output.match(/^Tests: .*$/m)?.[0] ?? 'no summary (Jest did not finish)'
    const seconds = Math.round((Date.now() - started) / 1000)
    runs++
    let kept = ''
    if (result.status !== 0) {
      failed++
      const path = `.tmp/soak/${name}-seed-${seed}-${run}.txt`
      writeFileSync(path, output)
      kept = ` -> ${path}`
    }
    console.log(
      `${name} seed ${seed} run ${run}: ${result.status === 0 ? 'passed' : 'FAILED'} in ${seconds} s (${summary})${kept}`,
    )
  }
}
console.log(`soak: ${runs - failed} passed, ${failed} failed`)
process.exit(failed ? 1 : 0)
