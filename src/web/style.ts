// The board's one stylesheet, served by the app under a content-hashed name (so the CSP can say
// style-src 'self' and browsers may cache it for a year). Light and dark follow the reader's system.
import { createHash } from 'node:crypto';

export const STYLESHEET = `
:root { color-scheme: light dark;
  --bg: #ffffff; --fg: #1a202c; --muted: #4a5568; --line: #d2d6dc; --card: #f7f8fa;
  --link: #1d4ed8; --accent: #2b6cb0; --up: #276749; --down: #9b2c2c; --badge: #e2e8f0; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #12151b; --fg: #e6e8eb; --muted: #a9b1bd; --line: #353b45; --card: #1b1f27;
    --link: #8ab4ff; --accent: #8ab4ff; --up: #7ee2a8; --down: #ffa3a3; --badge: #2a303a; }
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
a { color: var(--link); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.wrap { max-width: 60rem; margin: 0 auto; padding: 0 1rem; }
header.site { border-bottom: 1px solid var(--line); }
header.site .wrap { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.25rem; padding-top: .75rem; padding-bottom: .75rem; }
.brand { display: flex; align-items: center; gap: .6rem; font-weight: 700; font-size: 1.1rem; color: var(--fg); text-decoration: none; min-width: 0; }
.brand img { width: 40px; height: 40px; border-radius: 50%; flex: none; }
.brand span { overflow-wrap: anywhere; }
nav.site ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: 0; padding: 0; }
main { padding: 1rem 0 2rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: .5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.75rem 0 .6rem; }
h1, h2, h3, p, li, dd, td, th, .text { overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.cards { list-style: none; margin: 0; padding: 0; display: grid; gap: .75rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: .5rem; padding: .75rem 1rem; min-width: 0; }
.card h3 { font-size: 1.05rem; margin: 0 0 .25rem; }
.meta { display: flex; flex-wrap: wrap; gap: .25rem .75rem; font-size: .9rem; color: var(--muted); margin: 0; }
.badge { display: inline-block; background: var(--badge); color: var(--fg); border-radius: 999px; padding: 0 .6rem; font-size: .85rem; }
.votes .up { color: var(--up); font-weight: 600; }
.votes .down { color: var(--down); font-weight: 600; }
.md { min-width: 0; }
.md pre, .md code { white-space: pre-wrap; overflow-wrap: anywhere; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .92em; }
.md pre { background: var(--card); border: 1px solid var(--line); padding: .5rem; border-radius: .35rem; }
.md blockquote { margin: .5rem 0; padding-left: .75rem; border-left: 3px solid var(--line); color: var(--muted); }
.md table { display: block; overflow-x: auto; max-width: 100%; }
form.filters { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: .75rem; align-items: end;
  background: var(--card); border: 1px solid var(--line); border-radius: .5rem; padding: .75rem; margin-bottom: 1rem; }
form.filters label { display: flex; flex-direction: column; gap: .2rem; font-size: .9rem; color: var(--muted); }
input, select, button { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--line); border-radius: .35rem; padding: .4rem .5rem; min-width: 0; width: 100%; }
button { background: var(--accent); color: var(--bg); font-weight: 600; cursor: pointer; border-color: var(--accent); }
.pager { display: flex; justify-content: space-between; gap: 1rem; margin-top: 1rem; }
.history { list-style: none; padding: 0; margin: 0; border-left: 2px solid var(--line); }
.history li { padding: 0 0 .75rem 1rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; min-width: 0; }
figure { margin: 0 0 1rem; }
.chart { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: .35rem; background: #fff; }
table.plain { border-collapse: collapse; width: 100%; }
table.plain th, table.plain td { text-align: start; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: normal; }
table.plain th[scope="row"] { white-space: nowrap; }
footer.site { border-top: 1px solid var(--line); padding: 1rem 0 2rem; font-size: .9rem; color: var(--muted); }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: .5rem; z-index: 1; }
@media (max-width: 30rem) { h1 { font-size: 1.35rem; } table.plain { font-size: .85rem; } table.plain th, table.plain td { padding: .3rem .25rem; } dl.facts { grid-template-columns: 1fr; } dl.facts dd { margin-bottom: .4rem; } }
`;

const hash = createHash('sha256').update(STYLESHEET).digest('hex').slice(0, 12);
/** Content-hashed, so it can be cached as immutable and a new build is fetched at once. */
export const STYLESHEET_PATH = `/assets/board-${hash}.css`;

/** A small mark for the browser tab (browsers ask for one; an absent icon is a 404 on every page). */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#2b6cb0"/><path d="M9 22V10h4l3 6 3-6h4v12h-3v-7l-4 7-4-7v7z" fill="#fff"/></svg>';
export const FAVICON_PATH = `/assets/favicon-${createHash('sha256').update(FAVICON_SVG).digest('hex').slice(0, 12)}.svg`;
