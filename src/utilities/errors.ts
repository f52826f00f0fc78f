/** True for a write rejected by its ConditionExpression (alone or inside a transaction). */
export function isConditionFailure(error: unknown): boolean {
  const name = (error as { name?: string })?.name
  if (name === 'ConditionalCheckFailedException') {
    return true
  }
  if (name === 'TransactionCanceledException') {
    const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons
    return Boolean(reasons?.some((reason) => reason.Code === 'ConditionalCheckFailed'))
  }
  return false
}
