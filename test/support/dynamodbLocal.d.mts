export type RunningDynamoDB = {
  endpoint: string
  /** Ends the engine abruptly (SIGKILL), as a crash would. */
  kill: () => Promise<void>
  stop: () => Promise<void>
}

export declare const LOCAL_CREDENTIALS: { accessKeyId: string; secretAccessKey: string }
export declare const LOCAL_REGION: string

/** Starts DynamoDB Local in memory on a free port, or uses DYNAMODB_ENDPOINT when set. */
export declare function startDynamoDBLocal(options?: { dbPath?: string }): Promise<RunningDynamoDB>
