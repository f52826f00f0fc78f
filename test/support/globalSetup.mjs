import { startDynamoDBLocal } from './dynamodbLocal.mjs'

/** One DynamoDB Local for the whole Jest run; each test file uses its own table. */
export default async function globalSetup() {
  const running = await startDynamoDBLocal()
  process.env.DYNAMODB_ENDPOINT = running.endpoint
  globalThis.__DYNAMODB_LOCAL__ = running
}
