// Building the page with the DOM API from text, never from HTML strings; the live region.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat())
    if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}
export const $ = (sel, root = document) => root.querySelector(sel);
export const announce = (msg) => {
  const live = $("#live");
  live.textContent = "";
  setTimeout(() => (live.textContent = msg), 30);
};

/** Puts text on the clipboard and says so. */
export async function copy(text, what) {
  await navigator.clipboard.writeText(text);
  announce(`${what} copied to the clipboard`);
}
