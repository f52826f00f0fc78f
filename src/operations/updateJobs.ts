import type { UpdateJobs } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { collectionNamespace, getCollectionConfig } from '../namespaces.js'
import { findPage } from '../read/findPage.js'
import { runInTransaction } from '../transactions/session.js'
import { updateDocuments } from '../write/writeUpdate.js'

const JOBS = 'payload-jobs'

/**
 * Claims and updates jobs with conditional writes: each job is written on the condition that it
 * is still the version that matched `where`, and when another runner changed it first the query
 * runs again. Two `payload.jobs.run()` over one queue therefore never both take a job, and the
 * parallel `$push`es of a workflow's tasks all land.
 *
 * The write is made at once, outside the caller's transaction: Payload uses the returned jobs as
 * claimed before it commits, so a claim must not be undone or recomputed by a later commit.
 */
export const updateJobs: UpdateJobs = async function updateJobs(
  this: DynamoDBAdapter,
  { id, data, limit, req, returning, sort, where },
) {
  const namespace = collectionNamespace(this, JOBS)
  const updated = await runInTransaction(undefined, () =>
    updateDocuments(
      this,
      namespace,
      async () =>
        (
          await findPage(this, namespace, {
            limit: id !== undefined ? 1 : limit && limit > 0 ? limit : 0,
            pagination: false,
            sort:
              id !== undefined ? undefined : (sort ?? getCollectionConfig(this, JOBS).defaultSort),
            where: id !== undefined ? { id: { equals: id } } : where,
          })
        ).docs,
      data,
      req,
    ),
  )
  return (returning === false ? null : updated) as never
}
