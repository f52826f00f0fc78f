import type { DynamoDBAdapter } from '../../src/index.js'

/** `BatchGetItemCommand` → `BatchGet`, `TransactWriteItemsCommand` → `TransactWrite`: the stats' names. */
const shortName = (command: string) => command.replace(/Command$/, '').replace(/Items?$/, '')

const traces = new WeakMap<DynamoDBAdapter, string[]>()

/**
 * The commands the adapter sends from now on (a live list), leaving out the read leases'
 * background confirmations (a BatchGetItem of state items only), which may fall anywhere.
 */
export function requestTrace(adapter: DynamoDBAdapter): string[] {
  let trace = traces.get(adapter)
  if (!trace) {
    const sent: string[] = []
    trace = sent
    traces.set(adapter, sent)
    adapter.docClient.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { RequestItems?: Record<string, { Keys?: { sk?: unknown }[] }> }
        const keys = Object.values(input.RequestItems ?? {}).flatMap((entry) => entry.Keys ?? [])
        const confirmation = keys.length > 0 && keys.every((key) => key.sk === 'M#indexes')
        if (!confirmation) {
          sent.push(shortName(context.commandName ?? '?'))
        }
        return next(args)
      },
      { name: 'testRequestTrace', step: 'initialize' },
    )
  }
  return trace
}
