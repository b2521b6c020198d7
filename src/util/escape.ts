// Text a guest or a DHCP server chose (interface names, hostnames, domain names, addresses read
// back from the kernel) reaches the terminal inside our messages. A control character in it could
// move the cursor, rewrite the line, retitle the window or feed the terminal an answerback; so every
// such character is shown as an escape instead. The forms are valid inside a JSON string too
// (JSON.stringify already escapes C0; DEL, C1 and the bidirectional overrides it leaves raw become
// \u00XX / \u20XX, which a JSON reader decodes back to the same character).

// C0 except newline and tab; DEL and C1; line/paragraph separators; bidi embeddings, overrides, isolates
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(ch: string): string {
  const code = ch.charCodeAt(0);
  return code < 0x20 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** The text with every control character shown as an escape (\x1b, \u009b, \u202e). */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** The terminal line-erase our own progress display starts a write with. */
const REDRAW = '\r\x1b[K';

/**
 * For a terminal stream: escapes every write, except the redraw prefix our progress display starts
 * its own writes with (a name inside the text never sits at the very start of a write).
 */
export function terminalSafe(text: string): string {
  if (text.startsWith(REDRAW)) return REDRAW + escapeControl(text.slice(REDRAW.length));
  return escapeControl(text);
}
