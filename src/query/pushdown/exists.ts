import type { Filter, StoredTarget } from './types.js'

import { not } from './types.js'

/**
 * `exists`: `true` keeps items that hold something at the path (a NULL or an odd value is left to
 * the evaluator); `false` drops only items holding a value of the field's type, which the
 * evaluator never counts as missing.
 */
export function pushExists(target: StoredTarget, wanted: boolean): Filter {
  return wanted
    ? { kind: 'exists', path: target.path }
    : not({ kind: 'typeIs', path: target.path, type: target.type })
}
