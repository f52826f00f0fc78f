import type { RunningDynamoDB } from './dynamodbLocal.js'

export default async function globalTeardown(): Promise<void> {
  const running = (globalThis as { __DYNAMODB_LOCAL__?: RunningDynamoDB }).__DYNAMODB_LOCAL__
  await running?.stop()
}
