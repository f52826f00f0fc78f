#!/usr/bin/env node
/**
 * `npx payload-db-dynamodb table --format cloudformation|cdk|terraform|json [options]`: prints
 * the table definition and the adapter's least-privilege IAM policy (see src/infrastructure/).
 */
import { runCLI } from '../infrastructure/cli.js'

const result = runCLI(process.argv.slice(2))
if (result.stdout) {
  process.stdout.write(result.stdout)
}
if (result.stderr) {
  process.stderr.write(result.stderr)
}
process.exitCode = result.exitCode
