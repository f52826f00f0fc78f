/** Sets an environment variable (for one test file); returns what puts its earlier value back. */
export function setEnv(name: string, value: string): () => void {
  const previous = process.env[name]
  process.env[name] = value
  return () => {
    if (previous === undefined) {
      delete process.env[name]
    } else {
      process.env[name] = previous
    }
  }
}
