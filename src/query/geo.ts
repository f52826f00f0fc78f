/**
 * Point-field geometry for `near`, `within`, `intersects` (semantics of db-mongodb's 2dsphere
 * queries): points are `[lng, lat]`, distances are great-circle meters.
 */

/** MongoDB's earth radius for spherical queries (meters). */
const EARTH_RADIUS_M = 6378100

export type LngLat = [number, number]

export const asPoint = (v: unknown): LngLat | undefined => {
  if (Array.isArray(v) && v.length >= 2) {
    const lng = Number(v[0])
    const lat = Number(v[1])
    if (Number.isFinite(lng) && Number.isFinite(lat)) {
      return [lng, lat]
    }
  }
  if (v && typeof v === 'object' && 'coordinates' in v) {
    return asPoint((v as { coordinates: unknown }).coordinates)
  }
  return undefined
}

const rad = (deg: number): number => (deg * Math.PI) / 180

/** Haversine great-circle distance in meters. */
export const distanceMeters = (a: LngLat, b: LngLat): number => {
  const dLat = rad(b[1] - a[1])
  const dLng = rad(b[0] - a[0])
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(rad(a[1])) * Math.cos(rad(b[1])) * Math.sin(dLng / 2) ** 2
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)))
}

export type NearQuery = { center: LngLat; maxDistance?: number; minDistance?: number }

/** `'lng, lat, maxDistance?, minDistance?'` (or the same as an array). */
export const parseNear = (value: unknown): NearQuery | undefined => {
  const parts =
    typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : undefined
  if (!parts) {
    return undefined
  }
  const nums = parts.map((p) => (p === '' || p === null || p === undefined ? NaN : Number(p)))
  const [lng, lat, max, min] = nums
  if (!Number.isFinite(lng) || !Number.isFinite(lat)) {
    return undefined
  }
  return {
    center: [lng, lat],
    maxDistance: Number.isFinite(max) ? max : undefined,
    minDistance: Number.isFinite(min) ? min : undefined,
  }
}

export const matchesNear = (q: NearQuery, p: LngLat): boolean => {
  const d = distanceMeters(q.center, p)
  if (q.maxDistance !== undefined && d > q.maxDistance) {
    return false
  }
  if (q.minDistance !== undefined && d < q.minDistance) {
    return false
  }
  return true
}

type Ring = LngLat[]

const onSegment = (p: LngLat, a: LngLat, b: LngLat): boolean => {
  const cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])
  if (Math.abs(cross) > 1e-12) {
    return false
  }
  return (
    Math.min(a[0], b[0]) - 1e-12 <= p[0] &&
    p[0] <= Math.max(a[0], b[0]) + 1e-12 &&
    Math.min(a[1], b[1]) - 1e-12 <= p[1] &&
    p[1] <= Math.max(a[1], b[1]) + 1e-12
  )
}

/** 1 inside, 0 on the boundary, -1 outside (planar ray casting on lng/lat). */
const ringPosition = (p: LngLat, ring: Ring): number => {
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i]
    const b = ring[j]
    if (onSegment(p, a, b)) {
      return 0
    }
    if (
      a[1] > p[1] !== b[1] > p[1] &&
      p[0] < ((b[0] - a[0]) * (p[1] - a[1])) / (b[1] - a[1]) + a[0]
    ) {
      inside = !inside
    }
  }
  return inside ? 1 : -1
}

const toRings = (coords: unknown): Ring[] =>
  Array.isArray(coords)
    ? coords.map((ring) =>
        Array.isArray(ring) ? ring.map(asPoint).filter((x): x is LngLat => !!x) : [],
      )
    : []

/** Position of a point against a polygon with holes: 1 inside, 0 boundary, -1 outside. */
const polygonPosition = (p: LngLat, rings: Ring[]): number => {
  if (!rings.length) {
    return -1
  }
  const outer = ringPosition(p, rings[0])
  if (outer <= 0) {
    return outer
  }
  for (const hole of rings.slice(1)) {
    const h = ringPosition(p, hole)
    if (h === 0) {
      return 0
    }
    if (h > 0) {
      return -1
    }
  }
  return 1
}

type Geometry = { coordinates?: unknown; type?: string }

/** Whether the point lies in (or on the boundary of, when `boundary`) a GeoJSON geometry. */
export const pointInGeometry = (p: LngLat, geometry: unknown, boundary: boolean): boolean => {
  if (!geometry || typeof geometry !== 'object') {
    return false
  }
  const g = geometry as Geometry
  const ok = (pos: number): boolean => pos > 0 || (boundary && pos === 0)
  switch (g.type) {
    case 'Polygon':
      return ok(polygonPosition(p, toRings(g.coordinates)))
    case 'MultiPolygon':
      return (
        Array.isArray(g.coordinates) &&
        g.coordinates.some((poly) => ok(polygonPosition(p, toRings(poly))))
      )
    case 'Point': {
      const q = asPoint(g.coordinates)
      return boundary && !!q && q[0] === p[0] && q[1] === p[1]
    }
    case 'LineString':
    case 'MultiPoint': {
      const pts = toRings([g.coordinates])[0] ?? []
      if (g.type === 'MultiPoint') {
        return boundary && pts.some((q) => q[0] === p[0] && q[1] === p[1])
      }
      return boundary && pts.some((q, i) => i > 0 && onSegment(p, pts[i - 1], q))
    }
    default:
      return false
  }
}
