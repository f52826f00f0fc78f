/**
 * SQLite's `LIKE` without backtracking. A pattern is split at `%` into pieces (`_` in a piece is
 * any one character): the first piece must start the text, the last must end it, and each piece
 * between is found at its leftmost place after the one before, which decides a match whenever
 * one exists. Time grows with the text's length times the pattern's, whatever the pattern: a
 * regular expression's `.*` runs backtrack, so `e%e%e%e%!` over 1,000 characters took seconds
 * per document (a request anyone who may read a collection can send).
 */
export type LikePattern = { pieces: string[][]; wild: boolean }

/** Splits a (case-folded) pattern into its pieces, by code point. */
export function compileLike(pattern: string): LikePattern {
  const pieces = pattern.split('%').map((piece) => Array.from(piece))
  return { pieces, wild: pieces.length > 1 }
}

/** Whether the (case-folded) text matches the pattern. */
export function matchesLike(like: LikePattern, text: string): boolean {
  const chars = Array.from(text)
  const { pieces } = like
  const first = pieces[0]
  if (!like.wild) {
    return chars.length === first.length && pieceAt(first, chars, 0)
  }
  const last = pieces[pieces.length - 1]
  if (chars.length < first.length + last.length || !pieceAt(first, chars, 0)) {
    return false
  }
  const end = chars.length - last.length
  if (!pieceAt(last, chars, end)) {
    return false
  }
  let from = first.length
  for (const piece of pieces.slice(1, -1)) {
    const at = findPiece(piece, chars, from, end)
    if (at < 0) {
      return false
    }
    from = at + piece.length
  }
  return true
}

function pieceAt(piece: string[], chars: string[], at: number): boolean {
  for (let i = 0; i < piece.length; i++) {
    if (piece[i] !== '_' && piece[i] !== chars[at + i]) {
      return false
    }
  }
  return true
}

/** The leftmost place in `chars[from, end)` where the piece fits whole, or -1. */
function findPiece(piece: string[], chars: string[], from: number, end: number): number {
  for (let at = from; at + piece.length <= end; at++) {
    if (pieceAt(piece, chars, at)) {
      return at
    }
  }
  return -1
}
