import { ValidationError } from 'payload'

/**
 * Records writes' outcomes by name, for comparing a sequence of writes on two adapters:
 * `stored`, `refused` (Payload's `ValidationError`), or the error's text.
 */
export function outcomeRecorder(): {
  attempt: (name: string, write: () => Promise<unknown>) => Promise<void>
  out: string[]
} {
  const out: string[] = []
  const attempt = async (name: string, write: () => Promise<unknown>) => {
    try {
      await write()
      out.push(`${name}: stored`)
    } catch (error) {
      out.push(`${name}: ${error instanceof ValidationError ? 'refused' : String(error)}`)
    }
  }
  return { attempt, out }
}
