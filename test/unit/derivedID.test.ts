import type { DynamoDBAdapter } from '../../src/types.js'

import { derivedDocumentID } from '../../src/utilities/newDocumentID.js'

const adapter = (generatedIDType: 'objectID' | 'uuid') =>
  ({ generatedIDType }) as unknown as DynamoDBAdapter

describe('derivedDocumentID', () => {
  it('gives one seed one id, and another seed another, in the ObjectId shape', () => {
    const first = derivedDocumentID(adapter('objectID'), '["payload-kv",null,{"key":"a"}]')
    expect(first).toMatch(/^[0-9a-f]{24}$/)
    expect(derivedDocumentID(adapter('objectID'), '["payload-kv",null,{"key":"a"}]')).toBe(first)
    expect(derivedDocumentID(adapter('objectID'), '["payload-kv",null,{"key":"b"}]')).not.toBe(
      first,
    )
  })

  it('gives a version-8 UUID (RFC 9562 variant) when ids are UUIDs', () => {
    const id = derivedDocumentID(adapter('uuid'), 'seed')
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(derivedDocumentID(adapter('uuid'), 'seed')).toBe(id)
  })
})
