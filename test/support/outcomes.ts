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

/** What a refused write threw, as the error tests compare it (or `'stored'`). */
export type Refusal =
  | 'stored'
  | {
      class: string
      /** The first field error's message. */
      first?: string
      id?: unknown
      message: string
      paths?: string[]
      status?: number
    }

/** Runs `write` and describes its refusal: the error's class, id, field paths and messages. */
export async function refusalOf(write: () => Promise<unknown>): Promise<Refusal> {
  try {
    await write()
    return 'stored'
  } catch (error) {
    const e = error as {
      constructor: { name: string }
      data?: { errors?: { message: string; path: string }[]; id?: unknown }
      message: string
      status?: number
    }
    return {
      class: e.constructor.name,
      first: e.data?.errors?.[0]?.message,
      id: e.data?.id,
      message: e.message.slice(0, 200),
      paths: e.data?.errors?.map((each) => each.path),
      status: e.status,
    }
  }
}
