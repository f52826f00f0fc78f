/**
 * The `capacity` smallest items offered so far under `compare` (smallest = first in the order),
 * in O(capacity) memory: a binary heap whose root is the worst item kept, so an offered item
 * either replaces the root or is dropped, in O(log capacity).
 *
 * With a total order (no two items compare equal) `sorted()` is exactly the first `capacity`
 * items of sorting everything offered; with ties, which of the tied items at the cut are kept is
 * unspecified.
 */
export class BoundedTopK<T> {
  private readonly heap: T[]

  constructor(
    readonly capacity: number,
    private readonly compare: (a: T, b: T) => number,
    items: readonly T[] = [],
  ) {
    if (!(capacity >= 0) || !Number.isInteger(capacity)) {
      throw new RangeError(`BoundedTopK: capacity must be a whole number >= 0, not ${capacity}`)
    }
    this.heap = []
    items.forEach((item) => this.offer(item))
  }

  get size(): number {
    return this.heap.length
  }

  /** Keeps `item` when it is among the `capacity` best so far; says whether it was kept. */
  offer(item: T): boolean {
    const heap = this.heap
    if (heap.length < this.capacity) {
      heap.push(item)
      this.siftUp(heap.length - 1)
      return true
    }
    if (heap.length === 0 || this.compare(item, heap[0]) >= 0) {
      return false
    }
    heap[0] = item
    this.siftDown(0)
    return true
  }

  /** The kept items, in no particular order. */
  items(): readonly T[] {
    return this.heap
  }

  /** The same items kept under another order (e.g. a comparator rebuilt with more context). */
  withComparator(compare: (a: T, b: T) => number): BoundedTopK<T> {
    return new BoundedTopK(this.capacity, compare, this.heap)
  }

  /** The kept items, best first. */
  sorted(): T[] {
    return [...this.heap].sort(this.compare)
  }

  /** Whether the item at `a` should sit above the one at `b` (it is worse). */
  private above(a: number, b: number): boolean {
    return this.compare(this.heap[a], this.heap[b]) > 0
  }

  private swap(a: number, b: number): void {
    const held = this.heap[a]
    this.heap[a] = this.heap[b]
    this.heap[b] = held
  }

  private siftUp(index: number): void {
    let child = index
    while (child > 0) {
      const parent = (child - 1) >> 1
      if (!this.above(child, parent)) {
        return
      }
      this.swap(child, parent)
      child = parent
    }
  }

  private siftDown(index: number): void {
    let parent = index
    for (;;) {
      const left = 2 * parent + 1
      const right = left + 1
      let worst = parent
      if (left < this.heap.length && this.above(left, worst)) {
        worst = left
      }
      if (right < this.heap.length && this.above(right, worst)) {
        worst = right
      }
      if (worst === parent) {
        return
      }
      this.swap(parent, worst)
      parent = worst
    }
  }
}
