/**
 * How many items a page of a Query asks for when its caller sets no page size.
 *
 * DynamoDB stops a page at 1 MB whatever the `Limit`. DynamoDB Local, asked without one, takes
 * time for every page in proportion to what is left of the partition or range (measured: the
 * first pages of 20,000 documents 200-390 ms, the last 20 ms), so reading N documents cost it
 * O(N²): a `findDistinct` over 50,000 took 12.7 s in 30 pages, 2.2 s with these limits
 * (docs/benchmarks.md). On DynamoDB the limits only add a request where 1 MB holds more items
 * than they allow (documents under 500 bytes, entries under 200), at the same capacity.
 */

/** Documents: 2,000 of 500 bytes fill DynamoDB's 1 MB page. */
export const PARTITION_PAGE_ITEMS = 2_000

/** Index entries and counter items, which are small. */
export const RANGE_PAGE_ITEMS = 5_000
