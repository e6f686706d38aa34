/** Text made safe for the catalog page: every name and text from a model passes through here. */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * `text` as HTML (and inline SVG) text or a quoted attribute value: the five characters that can
 * end a text or an attribute are entities, and characters HTML cannot carry (NUL, other C0
 * controls but tab and newline) become U+FFFD, as a browser would read them anyway.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\ufffd');
}

/** `url` when it is an http(s) address a link may point to, else undefined (shown as text instead). */
export function safeHref(url: string | undefined): string | undefined {
  if (!url || !/^https?:\/\/[^\s<>"']+$/i.test(url)) return undefined;
  return url;
}
