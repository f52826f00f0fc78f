/**
 * Shared by the model tests (`*Model.test.ts`): the same seeded step played on this adapter and
 * on db-sqlite, each followed by what readers see, and the two transcripts compared.
 */
import { ValidationError } from 'payload'

import { seeded } from './workload.js'

/** What an operation told its caller, comparable across adapters (never an id). */
export async function outcome(work: () => Promise<string>): Promise<string> {
  try {
    return `ok ${await work()}`
  } catch (error) {
    if (error instanceof ValidationError) {
      return `ValidationError ${error.data.errors.map((each) => each.path).join(',')}`
    }
    return `error ${(error as Error).name}`
  }
}

/**
 * Plays `run` on each lane (this adapter's first, db-sqlite's second), then reads `views` there.
 * Returns the reference's outcome word (`ok`, `ValidationError`, `error`) and, when the two
 * transcripts differ, both, written for a failure message.
 */
export async function playStep<Lane>(
  lanes: [Lane, Lane],
  step: ModelStep<Lane>,
  views: (lane: Lane) => Promise<string[]>,
): Promise<{ difference?: string; told: string }> {
  const transcripts: string[][] = []
  for (const lane of lanes) {
    const told = await outcome(() => step.run(lane))
    transcripts.push([`${step.describe} -> ${told}`, ...(await views(lane))])
  }
  const [ours, theirs] = transcripts as [string[], string[]]
  const told = theirs[0]!.split(' -> ')[1]!.split(' ')[0]!
  if (ours.join('\n') === theirs.join('\n')) {
    return { told }
  }
  return {
    difference: `dynamodb: ${ours.join('\n            ')}\nsqlite:   ${theirs.join('\n            ')}`,
    told,
  }
}

export type ModelStep<Lane> = { describe: string; run: (lane: Lane) => Promise<string> }

/**
 * Plays `operations` steps drawn by `draw` from one seeded generator (`MODEL_SEED`, else
 * `defaultSeed`), stopping at the first difference. Returns it (if any) and the reference's
 * outcome words, so a test can require that failures were part of what was compared.
 */
export async function playSeeded<Lane>(options: {
  defaultSeed: number
  draw: (random: () => number) => ModelStep<Lane> | Promise<ModelStep<Lane>>
  lanes: [Lane, Lane]
  operations: number
  views: (lane: Lane) => Promise<string[]>
}): Promise<{ differences: string[]; outcomes: string[] }> {
  const random = seeded(Number(process.env.MODEL_SEED ?? options.defaultSeed))
  const outcomes: string[] = []
  for (let operation = 0; operation < options.operations; operation++) {
    const played = await playStep(options.lanes, await options.draw(random), options.views)
    outcomes.push(played.told)
    if (played.difference) {
      return { differences: [`operation ${operation}:\n${played.difference}`], outcomes }
    }
  }
  return { differences: [], outcomes }
}
