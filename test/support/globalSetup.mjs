// Jest loads its global setup as plain ESM: the TypeScript engine helper is loaded through tsx.
import { tsImport } from 'tsx/esm/api'

/** One DynamoDB Local for the whole Jest run; each test file uses its own table. */
export default async function globalSetup() {
  const { startDynamoDBLocal } = await tsImport(
    '../../src/testing/dynamodbLocal.ts',
    import.meta.url,
  )
  const running = await startDynamoDBLocal()
  process.env.DYNAMODB_ENDPOINT = running.endpoint
  globalThis.__DYNAMODB_LOCAL__ = running
}
