import { compileWhere } from '../../../src/query/compileWhere.js'
import { distanceMeters } from '../../../src/query/geo.js'
import { makeScope } from './fixtures.js'

const docs = [
  { id: 1, point: [0, 0] },
  { id: 2, point: [0, 1] }, // ~111 km north
  { id: 3, point: [0, 0.1] }, // ~11 km north
  { id: 4 },
]

describe('geo operators', () => {
  it('distance is great-circle meters', () => {
    expect(Math.round(distanceMeters([0, 0], [0, 1]) / 1000)).toBe(111)
  })

  it('near filters by max/min distance and orders by distance', async () => {
    const c = await compileWhere(makeScope('en'), { point: { near: '0, 0, 20000' } })
    expect(docs.filter(c.matches).map((d) => d.id)).toEqual([1, 3])
    const all = await compileWhere(makeScope('en'), { point: { near: '0,0.95' } })
    const matched = docs.filter(all.matches)
    expect(matched.map((d) => d.id)).toEqual([1, 2, 3])
    expect(matched.sort(all.nearComparator).map((d) => d.id)).toEqual([2, 3, 1])
    const min = await compileWhere(makeScope('en'), { point: { near: '0,0,200000,20000' } })
    expect(docs.filter(min.matches).map((d) => d.id)).toEqual([2])
  })

  it('within / intersects a polygon (with a hole)', async () => {
    const polygon = {
      coordinates: [
        [
          [-1, -1],
          [1, -1],
          [1, 0.5],
          [-1, 0.5],
          [-1, -1],
        ],
        [
          [-0.5, 0.05],
          [0.5, 0.05],
          [0.5, 0.2],
          [-0.5, 0.2],
          [-0.5, 0.05],
        ],
      ],
      type: 'Polygon',
    }
    const w = await compileWhere(makeScope('en'), { point: { within: polygon } })
    expect(docs.filter(w.matches).map((d) => d.id)).toEqual([1])
    const i = await compileWhere(makeScope('en'), {
      point: { intersects: { coordinates: [0, 1], type: 'Point' } },
    })
    expect(docs.filter(i.matches).map((d) => d.id)).toEqual([2])
  })
})
