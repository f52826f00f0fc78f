import { randomBytes } from 'node:crypto'

const processRandom = randomBytes(5)
let counter = randomBytes(3).readUIntBE(0, 3)

/**
 * A 24-character hex id in the layout of a MongoDB ObjectId (seconds, per-process random, counter):
 * unique without coordination, and ids created later sort after earlier ones.
 */
export function generateID(): string {
  const bytes = Buffer.alloc(12)
  bytes.writeUInt32BE(Math.floor(Date.now() / 1000), 0)
  processRandom.copy(bytes, 4)
  counter = (counter + 1) % 0xffffff
  bytes.writeUIntBE(counter, 9, 3)
  return bytes.toString('hex')
}
