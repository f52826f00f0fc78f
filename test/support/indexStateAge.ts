/**
 * For test files that drop indexes: a drop waits twice the index state's maximum age
 * (src/indexes/stateFreshness.ts), 10 s by default. These files set a short age for their own run
 * (and for the processes they start) and put the previous value back after.
 */
const VARIABLE = 'PAYLOAD_DYNAMODB_INDEX_STATE_MAX_AGE_MS'

export function useIndexStateMaxAge(milliseconds: number): void {
  let previous: string | undefined
  beforeAll(() => {
    previous = process.env[VARIABLE]
    process.env[VARIABLE] = String(milliseconds)
  })
  afterAll(() => {
    if (previous === undefined) {
      delete process.env[VARIABLE]
    } else {
      process.env[VARIABLE] = previous
    }
  })
}
