import { buildComparator } from '../../../src/query/compileSort.js'
import { compileWhere } from '../../../src/query/compileWhere.js'
import { label, makeScope, posts } from './fixtures.js'
import { sqliteCases } from './sqliteCases.js'

/**
 * Every case here was run against @payloadcms/db-sqlite 3.90.2 (see sqliteCases.ts): the
 * evaluator must return the same documents in the same order (filter + default/explicit sort).
 */
describe('parity with db-sqlite', () => {
  it.each(sqliteCases)('%s', async (_name, where, options, expected) => {
    const scope = makeScope(options.locale)
    const compiled = await compileWhere(scope, where)
    const docs = posts.filter(compiled.matches)
    const cmp = await buildComparator(scope, options.sort, { timestamps: true }, docs)
    expect(docs.sort(cmp).map(label)).toEqual(expected)
  })
})
