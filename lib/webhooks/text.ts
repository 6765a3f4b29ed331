// What a receiver answered, made safe to store (no I/O). PostgreSQL text refuses NUL (22021) and
// lone surrogates cannot be encoded: a receiver's bytes must never make recording its attempt fail.

/** Control characters other than tab and newline removed, lone surrogates replaced (U+FFFD), cut to `max` characters. */
export function storableText(s: string, max: number): string {
  return s.toWellFormed().replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, "").slice(0, max).toWellFormed();
}
