/**
 * A throw-away Payload project in a temp directory, driven through the real `payload` binary.
 *
 * The project looks like a user's: `package.json` (ESM), `payload.config.ts` importing
 * `payload-db-dynamodb`, migrations in `./migrations`. Its `node_modules` holds symlinks only:
 * `payload` and `@aws-sdk` point into this repository's node_modules (so Payload, the adapter and
 * the scripts share one copy), and `payload-db-dynamodb` is a shim package re-exporting this
 * repository's `src/index.ts`. Payload's bin transpiles TypeScript with its own tsx loader, so the
 * adapter runs from source: no build (others use dist/ concurrently) and no pack.
 */
import { spawn } from 'node:child_process'
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { LOCAL_CREDENTIALS, LOCAL_REGION } from './dynamodbLocal.mjs'

const REPO = process.cwd()
const PAYLOAD_BIN = join(REPO, 'node_modules', 'payload', 'bin.js')

export type CliResult = { code: number | null; ms: number; output: string; signal: string | null }

export type ConfigOptions = {
  /** Run the migrations from `onInit` when NODE_ENV=production (the prodMigrations recipe). */
  migrateOnInit?: boolean
  /** `index: true` on `posts.score`. */
  scoreIndex: boolean
  /** `unique: true` on `posts.score`. */
  scoreUnique?: boolean
}

/** Strips the logger's and cli-table's colours. */
export function plain(text: string): string {
  // eslint-disable-next-line no-control-regex -- ANSI escape sequences
  return text.replace(/\u001b\[[0-9;]*m/g, '')
}

/** The rows of `payload migrate:status`'s table: name, batch ('' when none), ran. */
export function statusRows(output: string): { batch: string; name: string; ran: string }[] {
  return plain(output)
    .split('\n')
    .filter((line) => line.startsWith('│'))
    .map((line) =>
      line
        .split('│')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    )
    .filter(([name]) => name !== 'Name')
    .map(([name, batch, ran]) => ({ batch, name, ran }))
}

export class ScratchProject {
  readonly dir: string
  readonly migrationDir: string

  constructor(
    readonly endpoint: string,
    readonly tableName: string,
  ) {
    const { hostname } = new URL(endpoint)
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(hostname)) {
      throw new Error(`ScratchProject talks to a loopback DynamoDB Local only, not ${endpoint}`)
    }
    this.dir = mkdtempSync(join(tmpdir(), 'payload-cli-'))
    this.migrationDir = join(this.dir, 'migrations')
    const modules = join(this.dir, 'node_modules')
    mkdirSync(join(modules, 'payload-db-dynamodb'), { recursive: true })
    symlinkSync(join(REPO, 'node_modules', 'payload'), join(modules, 'payload'))
    symlinkSync(join(REPO, 'node_modules', '@aws-sdk'), join(modules, '@aws-sdk'))
    writeFileSync(
      join(modules, 'payload-db-dynamodb', 'package.json'),
      JSON.stringify({
        name: 'payload-db-dynamodb',
        type: 'module',
        exports: { '.': './index.ts' },
      }),
    )
    writeFileSync(
      join(modules, 'payload-db-dynamodb', 'index.ts'),
      `export * from ${JSON.stringify(join(REPO, 'src', 'index.ts'))}\n`,
    )
    writeFileSync(
      join(this.dir, 'package.json'),
      JSON.stringify({ name: 'scratch', private: true, type: 'module' }),
    )
    // For type-checking the generated migrations against the adapter's types.
    writeFileSync(
      join(this.dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          allowImportingTsExtensions: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          noEmit: true,
          skipLibCheck: true,
          strict: true,
          target: 'ES2022',
          types: [],
        },
        include: ['migrations/*.ts'],
        exclude: ['migrations/index.ts'],
      }),
    )
  }

  /** Writes payload.config.ts: one `posts` collection, with or without an index on `score`. */
  writeConfig({ migrateOnInit = false, scoreIndex, scoreUnique = false }: ConfigOptions): void {
    const onInit = migrateOnInit
      ? `
  // The prodMigrations recipe: run pending migrations when Payload starts in production.
  onInit: async (payload) => {
    if (process.env.NODE_ENV === 'production') {
      const { migrations } = await import('./migrations/index.ts')
      await payload.db.migrate({ migrations })
    }
  },`
      : ''
    writeFileSync(
      join(this.dir, 'payload.config.ts'),
      `import { buildConfig } from 'payload'
import { dynamodbAdapter } from 'payload-db-dynamodb'

export default buildConfig({
  collections: [
    {
      slug: 'posts',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'score', type: 'number'${scoreIndex ? ', index: true' : ''}${scoreUnique ? ', unique: true' : ''} },
      ],
    },
  ],
  db: dynamodbAdapter({
    clientConfig: {
      credentials: ${JSON.stringify(LOCAL_CREDENTIALS)},
      endpoint: ${JSON.stringify(this.endpoint)},
      maxAttempts: 3,
      region: ${JSON.stringify(LOCAL_REGION)},
    },
    migrationDir: ${JSON.stringify(this.migrationDir)},
    // The CLI test looks at which plan a query gets, not at answers from memory.
    readCache: false,
    tableName: ${JSON.stringify(this.tableName)},
  }),${onInit}
  secret: 'cli-test-secret',
  telemetry: false,
  typescript: { autoGenerate: false },
})
`,
    )
  }

  writeFile(name: string, text: string): void {
    writeFileSync(join(this.dir, name), text)
  }

  /** The migration files (without index.ts), in the order Payload runs them. */
  migrations(): string[] {
    try {
      return readdirSync(this.migrationDir)
        .filter((file) => file.endsWith('.ts') && file !== 'index.ts')
        .sort()
    } catch {
      return []
    }
  }

  removeMigration(file: string): void {
    rmSync(join(this.migrationDir, file))
  }

  readMigration(file: string): string {
    return readFileSync(join(this.migrationDir, file), 'utf8')
  }

  /** `payload <args>` in the project, bounded by `timeoutMs` (then SIGKILLed). */
  payload(
    args: string[],
    { production = false, timeoutMs = 60_000 }: { production?: boolean; timeoutMs?: number } = {},
  ): Promise<CliResult> {
    return this.run(process.execPath, [PAYLOAD_BIN, ...args], { production, timeoutMs })
  }

  /** tsc over the generated migrations (they import their types from payload-db-dynamodb). */
  typecheck(): Promise<CliResult> {
    return this.run(
      process.execPath,
      [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', this.dir],
      { production: false, timeoutMs: 90_000 },
    )
  }

  private run(
    command: string,
    args: string[],
    { production, timeoutMs }: { production: boolean; timeoutMs: number },
  ): Promise<CliResult> {
    const started = Date.now()
    // A minimal environment: nothing of the caller's AWS settings, Payload flags or NODE_ENV.
    const env: NodeJS.ProcessEnv = {
      HOME: this.dir,
      NODE_NO_WARNINGS: '1',
      PATH: process.env.PATH,
      PAYLOAD_CONFIG_PATH: join(this.dir, 'payload.config.ts'),
      TMPDIR: tmpdir(),
      ...(production ? { NODE_ENV: 'production' } : {}),
      // A test's short index state age (support/indexStateAge.ts) applies to its CLI runs too.
      ...(process.env.PAYLOAD_DYNAMODB_INDEX_STATE_MAX_AGE_MS
        ? {
            PAYLOAD_DYNAMODB_INDEX_STATE_MAX_AGE_MS:
              process.env.PAYLOAD_DYNAMODB_INDEX_STATE_MAX_AGE_MS,
          }
        : {}),
    }
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, { cwd: this.dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
      let output = ''
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
      child.on('error', (error) => {
        clearTimeout(timer)
        reject(error)
      })
      child.on('close', (code, signal) => {
        clearTimeout(timer)
        resolve({ code, ms: Date.now() - started, output: plain(output), signal })
      })
    })
  }

  remove(): void {
    rmSync(this.dir, { force: true, recursive: true })
  }
}
