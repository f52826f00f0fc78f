import { startDynamoDBLocal } from './dynamodbLocal.js'

/** One DynamoDB Local for the whole Jest run; each test file uses its own table. */
export default async function globalSetup(): Promise<void> {
  const running = await startDynamoDBLocal()
  process.env.DYNAMODB_ENDPOINT = running.endpoint
  ;(globalThis as { __DYNAMODB_LOCAL__?: typeof running }).__DYNAMODB_LOCAL__ = running
}
