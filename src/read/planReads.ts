import type { IndexRead, Plan } from '../query/plan/types.js'

/** Every index read a plan makes: its reads, a walk on the sort field, a count read. */
export function planReads(plan: Plan): IndexRead[] {
  if (plan.kind !== 'index') {
    return []
  }
  return [...plan.reads, plan.sortWalk, plan.countRead].filter(
    (read): read is IndexRead => read !== undefined,
  )
}
