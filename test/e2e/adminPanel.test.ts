/**
 * The example app (examples/app) as its users run it: `next build` + `next start`, Payload's admin
 * panel driven in headless Chromium (Debian's `chromium`), DynamoDB Local underneath. After each
 * step the test checks both what the page shows and, through a second Payload (Local API, this
 * repository's adapter, same table), what DynamoDB holds. Any browser console error or server
 * error log line fails the test. REST and GraphQL answers are compared with the Local API.
 */
import type { Browser, Page } from 'playwright-core'

import { jest } from '@jest/globals'
import { randomUUID } from 'node:crypto'
import { buildConfig, getPayload, type Payload } from 'payload'
import { chromium } from 'playwright-core'

import { buildApp, installApp, packAdapter } from '../../examples/app/scripts/prepare.mjs'
import { Categories } from '../../examples/app/src/collections/Categories.js'
import { Media } from '../../examples/app/src/collections/Media.js'
import { Posts } from '../../examples/app/src/collections/Posts.js'
import { Users } from '../../examples/app/src/collections/Users.js'
import { SiteSettings } from '../../examples/app/src/globals/SiteSettings.js'
import { localization } from '../../examples/app/src/localization.js'
import { testDynamoAdapter } from '../support/bootPayload.js'
import {
  expectToast,
  fill,
  eventually,
  listTitles,
  open,
  pickRelationship,
  screenshot,
  watchBrowserErrors,
} from './support/admin.js'
import { type AppServer, startAppServer } from './support/appServer.js'
import { compareApis } from './support/apis.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const tableName = `e2e-${randomUUID()}`
const email = 'editor@example.com'
const password = 'correct-horse-battery'
// A 2x2 PNG, enough for Payload's upload pipeline (sharp reads its size, makes the thumbnail).
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
)

// Each step drives several pages of the admin panel.
jest.setTimeout(300_000)

let server: AppServer
let browser: Browser
let page: Page
let browserErrors: string[]
let db: Payload
const ids: { categories: Record<string, string>; post?: string } = { categories: {} }

beforeAll(async () => {
  packAdapter()
  installApp()
  buildApp()
  server = await startAppServer({ endpoint: process.env.DYNAMODB_ENDPOINT!, tableName })
  const config = await buildConfig({
    collections: [Users, Media, Categories, Posts],
    db: testDynamoAdapter(tableName),
    globals: [SiteSettings],
    localization,
    secret: 'e2e-local-api',
    telemetry: false,
    typescript: { autoGenerate: false },
  })
  db = await getPayload({ config, key: `e2e-${tableName}` })
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true })
  page = await browser.newPage({ viewport: { height: 900, width: 1400 } })
  // Generous: CI runs this beside the integration suites on two cores.
  page.setDefaultTimeout(60_000)
  browserErrors = watchBrowserErrors(page)
}, 1_800_000)

afterAll(async () => {
  await browser?.close()
  await server?.stop()
  await db?.destroy()
})

afterEach(() => {
  expect(browserErrors.splice(0)).toEqual([])
  expect(server.errors.splice(0)).toEqual([])
})

function postIdFromURL(): string {
  const match = /\/collections\/posts\/([^/?]+)/.exec(page.url())
  expect(match?.[1]).toBeDefined()
  return match![1]
}

it('creates the first user and logs in', async () => {
  await open(page, server.url, '/admin')
  await page.waitForURL(/\/admin\/create-first-user/)
  await fill(page, 'email', email)
  await fill(page, 'password', password)
  await fill(page, 'confirm-password', password)
  await fill(page, 'name', 'Erika Editor')
  await page.locator('button[type=submit]').click()
  await page.waitForURL(/\/admin$/)
  const users = await db.find({ collection: 'users' })
  expect(users.docs.map((user) => user.email)).toEqual([email])

  await page.context().clearCookies()
  await open(page, server.url, '/admin')
  await page.waitForURL(/\/admin\/login/)
  await fill(page, 'email', email)
  await fill(page, 'password', password)
  await page.locator('button[type=submit]').click()
  await page.waitForURL(/\/admin$/)
  await page.getByRole('link', { name: 'Posts' }).first().waitFor()
  await screenshot(page, 'dashboard')
})

it('creates categories', async () => {
  for (const name of ['News', 'Databases', 'Travel']) {
    await open(page, server.url, '/admin/collections/categories/create')
    await fill(page, 'name', name)
    await fill(page, 'slug', name.toLowerCase())
    await page.locator('#action-save').click()
    await page.waitForURL(/\/collections\/categories\/(?!create)[^/?]+$/)
    await expectToast(page, /successfully/i)
    const stored = await db.find({ collection: 'categories', where: { name: { equals: name } } })
    expect(stored.docs.map((doc) => doc.slug)).toEqual([name.toLowerCase()])
    ids.categories[name] = String(stored.docs[0].id)
  }
  await open(page, server.url, '/admin/collections/categories')
  expect((await listCells('name')).sort()).toEqual(['Databases', 'News', 'Travel'])
})

async function listCells(column: string): Promise<string[]> {
  await page.locator('.table tbody tr').first().waitFor()
  return page.locator(`.table tbody tr td.cell-${column}`).allInnerTexts()
}

it('creates a post with an author and categories, saves a draft, autosaves, publishes', async () => {
  await open(page, server.url, '/admin/collections/posts/create')
  await fill(page, 'title', 'Hello DynamoDB')
  await fill(page, 'slug', 'hello-dynamodb')
  await pickRelationship(page, 'author', email)
  await pickRelationship(page, 'categories', 'News')
  await pickRelationship(page, 'categories', 'Databases')
  await page.locator('#action-save-draft').click()
  await page.waitForURL(/\/collections\/posts\/(?!create)[^/?]+$/)
  await expectToast(page, /draft|saved|success/i)
  ids.post = postIdFromURL()
  const draft = await db.findByID({ collection: 'posts', depth: 0, draft: true, id: ids.post })
  expect(draft).toMatchObject({
    _status: 'draft',
    author: expect.anything(),
    categories: [ids.categories.News, ids.categories.Databases],
    slug: 'hello-dynamodb',
    title: 'Hello DynamoDB',
  })

  // Typing is enough for autosave: the draft version takes the excerpt without a click.
  await fill(page, 'excerpt', 'Stored in one DynamoDB table.')
  const autosaved = await eventually(
    async () => (await db.findByID({ collection: 'posts', draft: true, id: ids.post! })).excerpt,
    (excerpt) => excerpt === 'Stored in one DynamoDB table.',
  )
  expect(autosaved).toBe('Stored in one DynamoDB table.')

  await page.locator('#action-save').click()
  const published = await eventually(
    () => db.findByID({ collection: 'posts', depth: 1, id: ids.post! }),
    (doc) => doc._status === 'published',
  )
  expect(published._status).toBe('published')
  expect(published.excerpt).toBe('Stored in one DynamoDB table.')
  expect(published.author).toMatchObject({ email })
  await screenshot(page, 'post-edit')
})

it('edits and publishes again, then compares two versions', async () => {
  // A freshly loaded edit page: right after the last publish the form can still be taking the
  // saved document back from the server, which would overwrite what is typed now (seen once in
  // CI under load: the second publish saved the old title).
  await open(page, server.url, `/admin/collections/posts/${ids.post}`)
  await fill(page, 'title', 'Hello DynamoDB, second edition')
  // Autosave takes the new title into the draft first; publishing then has a change to publish.
  const drafted = await eventually(
    async () => (await db.findByID({ collection: 'posts', draft: true, id: ids.post! })).title,
    (title) => title === 'Hello DynamoDB, second edition',
  )
  expect({ drafted, onPage: await page.locator('#field-title').inputValue() }).toEqual({
    drafted: 'Hello DynamoDB, second edition',
    onPage: 'Hello DynamoDB, second edition',
  })
  await page.locator('#action-save').click()
  const published = await eventually(
    () => db.findByID({ collection: 'posts', id: ids.post! }),
    (doc) => doc.title === 'Hello DynamoDB, second edition',
  )
  expect({
    onPage: await page.locator('#field-title').inputValue(),
    title: published.title,
  }).toEqual({
    onPage: 'Hello DynamoDB, second edition',
    title: 'Hello DynamoDB, second edition',
  })

  const versions = await db.findVersions({
    collection: 'posts',
    sort: '-updatedAt',
    where: { parent: { equals: ids.post } },
  })
  expect(versions.totalDocs).toBeGreaterThanOrEqual(3)
  await open(page, server.url, `/admin/collections/posts/${ids.post}/versions`)
  const rows = page.locator('.table tbody tr')
  await rows.first().waitFor()
  expect(await rows.count()).toBe(Math.min(versions.totalDocs, 10))

  // The newest version, shown against the one before it.
  const previousPublished = versions.docs.find(
    (version) =>
      version.version._status === 'published' && version.version.title !== published.title,
  )
  expect(previousPublished).toBeDefined()
  await open(
    page,
    server.url,
    `/admin/collections/posts/${ids.post}/versions/${versions.docs[0].id}?versionFrom=${previousPublished!.id}`,
  )
  await page.getByText('Hello DynamoDB, second edition').first().waitFor()
  await page.getByText('Hello DynamoDB', { exact: true }).first().waitFor()
  await screenshot(page, 'version-compare')
})

it('saves a German title beside the English one', async () => {
  await open(page, server.url, `/admin/collections/posts/${ids.post}?locale=de`)
  await fill(page, 'title', 'Hallo DynamoDB')
  await page.locator('#action-save').click()
  const german = await eventually(
    () => db.findByID({ collection: 'posts', id: ids.post!, locale: 'de' }),
    (doc) => doc.title === 'Hallo DynamoDB',
  )
  expect(german.title).toBe('Hallo DynamoDB')
  const english = await db.findByID({ collection: 'posts', id: ids.post!, locale: 'en' })
  expect(english.title).toBe('Hello DynamoDB, second edition')
  await open(page, server.url, '/admin/collections/posts?locale=de')
  await page.locator('.table').getByText('Hallo DynamoDB').waitFor()
  // The admin panel remembers the locale (a preference document); back to English.
  await open(page, server.url, '/admin/collections/posts?locale=en')
  await page.locator('.table').getByText('Hello DynamoDB, second edition').waitFor()
})

it('list view: search, filter, column sort and page 2 show what DynamoDB holds', async () => {
  const author = (await db.find({ collection: 'users' })).docs[0].id
  for (let n = 1; n <= 12; n++) {
    const padded = String(n).padStart(2, '0')
    await db.create({
      collection: 'posts',
      data: {
        author,
        categories: [ids.categories[n % 2 ? 'Travel' : 'Databases']],
        readingMinutes: n,
        slug: `seeded-${padded}`,
        status: n % 3 === 0 ? 'review' : 'writing',
        title: `Seeded post ${padded}`,
      },
      draft: true,
    })
  }
  const drafts = { draft: true, limit: 100 } as const

  await open(page, server.url, '/admin/collections/posts')
  await page.locator('#search-filter-input').fill('post 1')
  await page.waitForURL(/search=post/)
  await page.waitForLoadState('networkidle')
  const searched = await db.find({
    collection: 'posts',
    ...drafts,
    where: { or: [{ title: { like: 'post 1' } }, { slug: { like: 'post 1' } }] },
  })
  // `like` wants every word: 01, 10, 11 and 12.
  expect(searched.docs.length).toBe(4)
  expect((await listTitles(page)).sort()).toEqual(searched.docs.map((doc) => doc.title).sort())

  // The filter as an editor builds it: Filters, Add filter, field, operator (default), value.
  await open(page, server.url, '/admin/collections/posts')
  await page.locator('#toggle-list-filters').click()
  const condition = page.locator('.where-builder .condition').first()
  // Under load (the whole suite on two cores) a click can land before the list view is
  // interactive and add nothing: click again until the condition is there.
  for (let attempt = 0; attempt < 5 && !(await condition.isVisible()); attempt++) {
    await page.getByRole('button', { name: 'Add filter' }).click()
    await condition.waitFor({ timeout: 10_000 }).catch(() => undefined)
  }
  await condition.locator('.condition__field .rs__control').click()
  await page.locator('.rs__option', { hasText: 'Editorial status' }).first().click()
  await condition.locator('.condition__value .rs__control').click()
  await page.locator('.rs__option', { hasText: 'Review' }).first().click()
  await page.waitForURL(/where.*status.*review/)
  await page.waitForLoadState('networkidle')
  const inReview = await db.find({
    collection: 'posts',
    ...drafts,
    where: { status: { equals: 'review' } },
  })
  expect(inReview.docs.length).toBe(4)
  expect((await listTitles(page)).sort()).toEqual(inReview.docs.map((doc) => doc.title).sort())

  await open(page, server.url, '/admin/collections/posts')
  await page.locator('#heading-title .sort-column__desc').click({ force: true })
  await page.waitForURL(/sort=-title/)
  await page.waitForLoadState('networkidle')
  const byTitle = await db.find({ collection: 'posts', draft: true, limit: 10, sort: '-title' })
  expect(byTitle.totalDocs).toBe(13)
  expect(await listTitles(page)).toEqual(byTitle.docs.map((doc) => doc.title))
  await screenshot(page, 'posts-list')

  await page.locator('.paginator').getByRole('button', { name: '2' }).click()
  await page.waitForURL(/page=2/)
  await page.waitForLoadState('networkidle')
  const page2 = await db.find({
    collection: 'posts',
    draft: true,
    limit: 10,
    page: 2,
    sort: '-title',
  })
  expect(page2.docs.length).toBe(3)
  // The URL changes before the client's navigation renders the new rows (a full run once read
  // page 1's rows here): read until the table shows three rows.
  const expected = page2.docs.map((doc) => doc.title)
  const shown = await eventually(
    () => listTitles(page),
    (titles) => titles.length === expected.length,
  )
  expect(shown).toEqual(expected)
})

it('bulk-publishes several drafts', async () => {
  await open(
    page,
    server.url,
    '/admin/collections/posts?where[or][0][and][0][status][equals]=review',
  )
  expect(await listTitles(page)).toHaveLength(4)
  await page.locator('#select-all').click()
  await page.getByRole('button', { name: 'Publish', exact: true }).click()
  await page
    .getByRole('dialog')
    .getByRole('button', { name: /confirm|publish/i })
    .last()
    .click()
  await expectToast(page, /updated|success/i)
  const published = await db.find({
    collection: 'posts',
    limit: 100,
    where: { and: [{ status: { equals: 'review' } }, { _status: { equals: 'published' } }] },
  })
  expect(published.totalDocs).toBe(4)
})

it("the category's join field lists its posts", async () => {
  const category = await db.findByID({
    collection: 'categories',
    id: ids.categories.Databases,
    joins: { posts: { limit: 100 } },
  })
  const joined = ((category.posts?.docs ?? []) as { title?: string }[]).map((post) => post.title)
  expect(joined).toContain('Hello DynamoDB, second edition')
  await open(page, server.url, `/admin/collections/categories/${ids.categories.Databases}`)
  const field = page.locator('#field-posts')
  await field.getByText('Hello DynamoDB, second edition').waitFor()
  for (const title of joined.slice(0, 10)) {
    await field.getByText(String(title), { exact: true }).first().waitFor()
  }
  await screenshot(page, 'category-join')
})

it('uploads an image', async () => {
  await open(page, server.url, '/admin/collections/media/create')
  await page.locator('input[type=file]').setInputFiles({
    buffer: PNG,
    mimeType: 'image/png',
    name: 'pixel.png',
  })
  await fill(page, 'alt', 'A red pixel')
  await page.locator('#action-save').click()
  await page.waitForURL(/\/collections\/media\/(?!create)[^/?]+$/)
  await expectToast(page, /successfully/i)
  const media = await db.find({ collection: 'media', where: { alt: { equals: 'A red pixel' } } })
  expect(media.docs).toHaveLength(1)
  expect(media.docs[0]).toMatchObject({
    filename: 'pixel.png',
    height: 2,
    mimeType: 'image/png',
    width: 2,
  })
})

it('edits the global', async () => {
  await open(page, server.url, '/admin/globals/site-settings')
  await fill(page, 'siteName', 'DynamoDB Daily')
  await fill(page, 'tagline', 'One table, many posts')
  await page.locator('#action-save').click()
  await expectToast(page, /successfully/i)
  const settings = await db.findGlobal({ slug: 'site-settings' })
  expect(settings).toMatchObject({ siteName: 'DynamoDB Daily', tagline: 'One table, many posts' })
})

it('deletes a post', async () => {
  const victim = await db.find({
    collection: 'posts',
    draft: true,
    where: { slug: { equals: 'seeded-01' } },
  })
  const id = victim.docs[0].id
  await open(page, server.url, `/admin/collections/posts/${id}`)
  await page.locator('.doc-controls__popup button').first().click()
  await page.locator('#action-delete').click()
  await page
    .getByRole('dialog')
    .getByRole('button', { name: /confirm|delete/i })
    .last()
    .click()
  await page.waitForURL(/\/collections\/posts(\?|$)/)
  await expectToast(page, /deleted/i)
  const after = await db.find({ collection: 'posts', draft: true, where: { id: { equals: id } } })
  expect(after.totalDocs).toBe(0)
  expect(await listTitles(page)).not.toContain('Seeded post 01')
})

it('REST and GraphQL return the documents the Local API reads', async () => {
  await compareApis({ baseURL: server.url, email, local: db, password })
})
