import type { UniqueMarker } from '../../src/indexes/entries.js'
import type { WriteAction } from '../../src/transactions/transactWrite.js'
import type { Meaning } from '../../src/write/changeActions.js'

import { handOverMarkers, handoverUnits, withheldReleases } from '../../src/write/markerHandover.js'

const marker = (value: string, id: string) =>
  ({ id, pk: 'C#posts#U#code', sk: value }) as unknown as UniqueMarker

/** What changeActions gives a document moving from the value `from` to `to`. */
function move(id: string, from: null | string, to: null | string) {
  const actions: WriteAction[] = [{ item: { id, pk: 'C#posts', sk: `D#${id}` }, type: 'put' }]
  const meanings: Meaning[] = [{ kind: 'other' }]
  if (from) {
    actions.push({ key: { pk: 'C#posts#U#code', sk: from }, type: 'delete' })
    meanings.push({ kind: 'release', marker: marker(from, id) })
  }
  if (to) {
    actions.push({
      condition: { expression: 'attribute_not_exists(pk) OR id = :id', values: { ':id': id } },
      item: { id, pk: 'C#posts#U#code', sk: to },
      type: 'put',
    })
    meanings.push({ kind: 'unique', marker: marker(to, id) })
  }
  return { actions, id, meanings }
}

const together = (...parts: ReturnType<typeof move>[]) => ({
  actions: parts.flatMap((part) => part.actions),
  meanings: parts.flatMap((part) => part.meanings),
})

describe('handOverMarkers', () => {
  it('turns a release and a take of one marker into one put that may replace the releaser', () => {
    const group = together(move('a', 'x', 'y'), move('b', 'y', 'x'))
    const before = JSON.stringify(group)
    const merged = handOverMarkers(group)
    expect(JSON.stringify(group)).toBe(before)
    expect(merged.actions).toHaveLength(group.actions.length - 2)
    expect(merged.meanings).toHaveLength(merged.actions.length)
    const puts = merged.actions.filter(
      (action) => action.type === 'put' && action.item.pk === 'C#posts#U#code',
    )
    expect(
      puts.map((put) => [put.type === 'put' && put.item.sk, put.type === 'put' && put.condition]),
    ).toEqual([
      [
        'y',
        {
          expression: 'attribute_not_exists(pk) OR id = :id OR id = :released',
          values: { ':id': 'a', ':released': 'b' },
        },
      ],
      [
        'x',
        {
          expression: 'attribute_not_exists(pk) OR id = :id OR id = :released',
          values: { ':id': 'b', ':released': 'a' },
        },
      ],
    ])
    expect(merged.actions.some((action) => action.type === 'delete')).toBe(false)
  })

  it('leaves a group without handovers as it is', () => {
    const group = together(move('a', 'x', 'y'), move('b', null, 'z'))
    expect(handOverMarkers(group)).toBe(group)
  })
})

describe('handoverUnits', () => {
  it('keeps documents that hand values to each other together, in first-seen order', () => {
    const items = [
      move('a', 'x', 'y'),
      move('c', null, 'q'),
      move('d', 'r', null),
      move('b', 'y', 'x'),
    ]
    expect(handoverUnits(items).map((unit) => unit.map((item) => item.id))).toEqual([
      ['a', 'b'],
      ['c'],
      ['d'],
    ])
  })

  it('chains a rotation of three values into one unit', () => {
    const items = [
      move('a', 'x', 'y'),
      move('z', null, null),
      move('b', 'y', 'w'),
      move('c', 'w', 'x'),
    ]
    expect(handoverUnits(items).map((unit) => unit.map((item) => item.id))).toEqual([
      ['a', 'b', 'c'],
      ['z'],
    ])
  })
})

/** `move`, its release marked as one of an index still being built. */
function moveWhileBuilding(id: string, from: string, to: null | string) {
  const moved = move(id, from, to)
  return {
    ...moved,
    meanings: moved.meanings.map((meaning): Meaning =>
      meaning.kind === 'release' ? { ...meaning, afterCommit: true } : meaning,
    ),
  }
}

type Flagged = ReturnType<typeof together> & { releasesAfter?: boolean }

describe('withheldReleases', () => {
  it('keeps back the deletes of markers of an index being built, and flags the group', () => {
    const group = together(moveWhileBuilding('a', 'x', 'y'), move('b', 'p', null))
    const before = JSON.stringify(group)
    const withheld = withheldReleases<Flagged>(group)
    expect(JSON.stringify(group)).toBe(before)
    expect(withheld.releasesAfter).toBe(true)
    expect(withheld.meanings).toHaveLength(withheld.actions.length)
    const deletes = withheld.actions.filter((action) => action.type === 'delete')
    // The built index's release stays in the transaction; the other one is kept back.
    expect(deletes.map((action) => action.key.sk)).toEqual(['p'])
    expect(withheld.actions.some((action) => action.type === 'put' && action.item.sk === 'y')).toBe(
      true,
    )
  })

  it('leaves a group without such releases as it is', () => {
    const group = together(move('a', 'x', 'y'))
    expect(withheldReleases(group)).toBe(group)
  })

  it('a value handed over to another document of the group is not kept back', () => {
    const merged = handOverMarkers(
      together(moveWhileBuilding('a', 'x', null), move('b', null, 'x')),
    )
    const withheld = withheldReleases<Flagged>(merged)
    expect(withheld).toBe(merged)
    expect(withheld.releasesAfter).toBeUndefined()
  })
})
