/**
 * What a write hands back to Payload, as a copy that shares nothing with what the write keeps.
 *
 * Payload changes the documents it gets back: `afterRead` populates relationships in place
 * (`ref.value` becomes the related document, a `hasMany` array's ids become documents). In a
 * Payload transaction the write is only sent at commit, and a commit that meets another writer's
 * change computes the write again from the data it was given. Had that data been shared with the
 * returned document, the populated documents would be stored in place of the ids.
 */
export function returnedCopy<T>(doc: T): T {
  return structuredClone(doc)
}
