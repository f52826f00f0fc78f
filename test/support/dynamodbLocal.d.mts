export {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalDynamoDB as RunningDynamoDB,
  startDynamoDBLocal,
} from '../../src/testing/dynamodbLocal.js'
