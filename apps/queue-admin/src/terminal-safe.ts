/**
 * What a message body or attribute may hold that a terminal would act on instead of showing:
 * C0 controls (ESC starts colour, cursor and title sequences), DEL, C1 controls (U+009B is a
 * one-character CSI to some terminals), line separators and the bidirectional overrides that
 * reorder what the operator reads.
 */
const CONTROLS =
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** What JSON.stringify leaves unescaped of the above (it escapes U+0000–U+001F itself). */
const LEFT_BY_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escaped(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** One field for a table cell or a message line: every control character shown as `\uXXXX`. */
export function terminalSafe(text: string): string {
  return text.replace(CONTROLS, escaped);
}

/** JSON with every control character escaped: the same value when parsed, inert on a terminal. */
export function terminalSafeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(LEFT_BY_JSON, escaped);
}
