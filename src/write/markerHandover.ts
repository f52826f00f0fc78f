import type { WriteAction } from '../transactions/transactWrite.js'
import type { Meaning } from './changeActions.js'

type Actions = { actions: WriteAction[]; meanings: Meaning[] }

const keyString = (key: { pk: string; sk: string }) => `${key.pk}\u0000${key.sk}`

/**
 * One transaction may touch an item once. When a document of the group lets go of a unique value
 * that another document of the group takes (values swapped in a Payload transaction, a value
 * freed by a delete and taken by a create), the release and the take become one put that may
 * also replace the releasing document's marker: that document's revision condition, in the same
 * transaction, guarantees it still held it. Returns new lists; the given ones are not changed.
 */
export function handOverMarkers<T extends Actions>(group: T): T {
  const releases = new Map<string, { index: number; owner: number | string }>()
  group.meanings.forEach((meaning, index) => {
    if (meaning.kind === 'release') {
      releases.set(keyString(meaning.marker), { index, owner: meaning.marker.id })
    }
  })
  if (releases.size === 0) {
    return group
  }
  const dropped = new Set<number>()
  const actions = group.actions.map((action, index): WriteAction => {
    const meaning = group.meanings[index]
    const release = meaning?.kind === 'unique' ? releases.get(keyString(meaning.marker)) : undefined
    if (!release || action.type !== 'put' || !action.condition) {
      return action
    }
    dropped.add(release.index)
    return {
      ...action,
      condition: {
        ...action.condition,
        expression: `${action.condition.expression} OR id = :released`,
        values: { ...action.condition.values, ':released': release.owner },
      },
    }
  })
  if (dropped.size === 0) {
    return group
  }
  const kept = (_: unknown, index: number) => !dropped.has(index)
  return { ...group, actions: actions.filter(kept), meanings: group.meanings.filter(kept) }
}

/** The group's actions and meanings without the marker deletes `drop` picks (new lists). */
function withoutReleases<T extends Actions>(group: T, drop: (meaning: Meaning) => boolean): T {
  const kept = (_: unknown, index: number) => {
    const meaning = group.meanings[index]
    return !(meaning?.kind === 'release' && drop(meaning))
  }
  return { ...group, actions: group.actions.filter(kept), meanings: group.meanings.filter(kept) }
}

/** The group without its markers' deletes: a journaled write releases them when it ends. */
export function keepReleases<T extends Actions & { keepsReleases?: boolean }>(group: T): T {
  return { ...withoutReleases(group, () => true), keepsReleases: true }
}

/**
 * The group without the deletes of markers of indexes still being built that no document of the
 * group took over (`afterCommit` releases, changeActions.ts): its writer lets go of them after
 * the commit (releaseMarkers.ts), each only if it still names the document. Returns new lists.
 */
export function withheldReleases<T extends Actions & { releasesAfter?: boolean }>(group: T): T {
  const afterCommit = (meaning: Meaning) =>
    meaning.kind === 'release' && meaning.afterCommit === true
  if (!group.meanings.some(afterCommit)) {
    return group
  }
  return { ...withoutReleases(group, afterCommit), releasesAfter: true }
}

/**
 * `items` (each a document change's actions) in units that must share a transaction: those that
 * hand a unique value over to each other (one releases what another takes; swaps chain them).
 * Units keep the order of their first item; items keep their order within a unit.
 */
export function handoverUnits<T extends { meanings: Meaning[] }>(items: T[]): T[][] {
  const parent = items.map((_, index) => index)
  const root = (index: number): number => {
    const up = parent[index] ?? index
    return up === index ? index : (parent[index] = root(up))
  }
  const toucher = new Map<string, number>()
  items.forEach((item, index) => {
    for (const meaning of item.meanings) {
      if (meaning.kind === 'release' || meaning.kind === 'unique') {
        const key = keyString(meaning.marker)
        const other = toucher.get(key)
        if (other === undefined) {
          toucher.set(key, index)
        } else {
          parent[root(index)] = root(other)
        }
      }
    }
  })
  const units = new Map<number, T[]>()
  items.forEach((item, index) => {
    const unit = units.get(root(index)) ?? []
    unit.push(item)
    units.set(root(index), unit)
  })
  return [...units.values()]
}
