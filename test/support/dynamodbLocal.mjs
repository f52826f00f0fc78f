// The embedded DynamoDB Local ships with the package (src/testing/dynamodbLocal.ts, exported by
// `payload-db-dynamodb/testing`); the tests, the demo and the benchmarks use it through here.
export {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDBLocal,
} from '../../src/testing/dynamodbLocal.js'
