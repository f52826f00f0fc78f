import type { Page } from 'playwright-core'

import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

// The README's pictures are refreshed with UPDATE_SCREENSHOTS=1; otherwise they go to a scratch
// folder, so a test run leaves the working tree as it was.
const screenshotDir = process.env.UPDATE_SCREENSHOTS
  ? fileURLToPath(new URL('../../../docs/screenshots', import.meta.url))
  : join(tmpdir(), 'payload-dynamodb-e2e-screenshots')

/** Problems the browser reported: console errors and uncaught exceptions. */
export function watchBrowserErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') {
      errors.push(`console: ${message.text()} (${message.location().url})`)
    }
  })
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`))
  // The console only says "Failed to load resource"; these name the resource.
  // ERR_ABORTED is the browser dropping a request it no longer needs (a prefetch, a navigation
  // replaced by the next one), not a failure.
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? ''
    if (reason !== 'net::ERR_ABORTED') {
      errors.push(`request failed: ${request.url()} ${reason}`)
    }
  })
  page.on('response', (response) => {
    if (response.status() >= 400) {
      errors.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`)
    }
  })
  return errors
}

export async function fill(page: Page, field: string, value: string): Promise<void> {
  await page.locator(`#field-${field}`).fill(value)
}

/** Picks an option in a relationship field (react-select) by its label. */
export async function pickRelationship(page: Page, field: string, label: string): Promise<void> {
  await page.locator(`#field-${field} .rs__control`).click()
  await page.locator('.rs__option', { hasText: label }).first().click()
}

export async function expectToast(page: Page, text: RegExp): Promise<void> {
  await page.locator('.payload-toast-container').getByText(text).first().waitFor()
}

/** The titles in the list view's table, top to bottom. */
export async function listTitles(page: Page): Promise<string[]> {
  await page.locator('.table tbody tr').first().waitFor()
  return page.locator('.table tbody tr td.cell-title').allInnerTexts()
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true })
  await page.screenshot({ path: join(screenshotDir, `${name}.png`) })
}

/** Goes to an admin path and waits until the page's own requests are done. */
export async function open(page: Page, baseURL: string, path: string): Promise<void> {
  await page.goto(`${baseURL}${path}`)
  await page.waitForLoadState('networkidle')
}

/** Reads until the value satisfies `done` (autosave runs in the background) or 30 s pass. */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
): Promise<T> {
  const deadline = Date.now() + 30_000
  let value = await read()
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    value = await read()
  }
  return value
}
