import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildConfig } from 'payload'
import { dynamodbAdapter } from 'payload-db-dynamodb'
import sharp from 'sharp'

import { Categories } from './collections/Categories'
import { Media } from './collections/Media'
import { Posts } from './collections/Posts'
import { Users } from './collections/Users'
import { SiteSettings } from './globals/SiteSettings'
import { localization } from './localization'

const filename = fileURLToPath(import.meta.url)
const dirname = path.dirname(filename)

const endpoint = process.env.DYNAMODB_ENDPOINT
const createTable = process.env.DYNAMODB_CREATE_TABLE

export default buildConfig({
  admin: {
    // Not Gravatar: the admin panel then loads no image from another site.
    avatar: 'default',
    user: Users.slug,
    importMap: {
      baseDir: path.resolve(dirname),
    },
  },
  collections: [Users, Media, Categories, Posts],
  globals: [SiteSettings],
  localization,
  secret: process.env.PAYLOAD_SECRET || '',
  typescript: {
    // No `payload generate:types` child process on each start; run `npm run generate:types`.
    autoGenerate: false,
    outputFile: path.resolve(dirname, 'payload-types.ts'),
  },
  db: dynamodbAdapter({
    tableName: process.env.DYNAMODB_TABLE || 'payload-example',
    clientConfig: {
      region: process.env.AWS_REGION || 'us-east-1',
      // DynamoDB Local (see scripts/with-dynamodb.mjs) takes any credentials; on AWS the SDK's
      // default provider chain (env vars, the Lambda role, ~/.aws) supplies them.
      ...(endpoint
        ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
        : {}),
    },
    // Unset: the adapter's default (create it outside production). On AWS create the table once
    // (see docs/serverless.md) and leave this off so a cold start makes no DescribeTable call.
    ...(createTable ? { createTable: createTable === 'true' } : {}),
  }),
  sharp,
})
