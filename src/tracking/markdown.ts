// GitHub-flavoured release notes and issue bodies, tidied for a Discord embed and cut cleanly.
import { closingFence, fenceBlocks, findCut } from '../text/fences.ts';

/** Rewrites what Discord does not render (headings, HTML, images, comments) outside code blocks. */
function tidyProse(text: string): string {
  return (
    text
      .replace(/<!--[\s\S]*?(-->|$)/g, '')
      // A linked image: keep the link, name the image.
      .replace(
        /\[!\[([^\]]*)\]\([^)]*\)\]\(([^)\s]+)[^)]*\)/g,
        (_m, alt: string, href: string) => `[${alt.trim() || 'image'}](${href})`,
      )
      .replace(
        /!\[([^\]]*)\]\(([^)\s]+)[^)]*\)/g,
        (_m, alt: string, src: string) => `[🖼 ${alt.trim() || 'image'}](${src})`,
      )
      .replace(/<img\b[^>]*>/gi, (tag) => {
        const src = /\bsrc\s*=\s*["']([^"']+)["']/i.exec(tag)?.[1];
        const alt = /\balt\s*=\s*["']([^"']*)["']/i.exec(tag)?.[1]?.trim();
        return src ? `[🖼 ${alt || 'image'}](${src})` : '';
      })
      .replace(/<br\s*\/?>/gi, '\n')
      .replace(/<summary>([\s\S]*?)<\/summary>/gi, (_m, s: string) => `**${s.trim()}**\n`)
      .replace(
        /<a\b[^>]*href\s*=\s*["']([^"']+)["'][^>]*>([\s\S]*?)<\/a>/gi,
        (_m, href: string, t: string) => `[${t.trim()}](${href})`,
      )
      .replace(
        /<\/?(details|p|div|span|sup|sub|picture|source|h[1-6]|ul|ol|li|table|tr|td|th|thead|tbody|em|strong|b|i|code|kbd|hr)\b[^>]*>/gi,
        '',
      )
      .replace(
        /^[ \t]{0,3}#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm,
        (_m, h: string) => `**${h.replace(/\*\*/g, '')}**`,
      )
      .replace(/^([ \t]*)[-*] \[ \] /gm, '$1☐ ')
      .replace(/^([ \t]*)[-*] \[[xX]\] /gm, '$1☑ ')
      .replace(/^[ \t]*(-{3,}|\*{3,}|_{3,})[ \t]*$/gm, '')
      // Discord does not ping from embeds, and messages are sent with no allowed mentions, but a
      // visible "@everyone" still alarms readers.
      .replace(/@(everyone|here)\b/g, '@\u200b$1')
  );
}

export function tidyMarkdown(markdown: string): string {
  const text = markdown.replace(/\r\n?/g, '\n');
  // Code blocks as CommonMark reads them are kept as written; only the prose between is tidied.
  const parts: string[] = [];
  let at = 0;
  for (const block of fenceBlocks(text)) {
    parts.push(tidyProse(text.slice(at, block.start)), text.slice(block.start, block.end));
    at = block.end;
  }
  parts.push(tidyProse(text.slice(at)));
  return parts
    .join('')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * Cuts at a paragraph, line or word boundary so no link, code block or formatting is left
 * half-open, and ends with a link to the rest.
 */
export function cutMarkdown(text: string, max: number, moreUrl: string, moreLabel = 'Read more'): string {
  if (text.length <= max) return text;
  const suffix = `\n\n[… ${moreLabel}](${moreUrl})`;
  // Room for a fence closing a block the cut falls in: a newline and the longest closing line.
  const closing = Math.max(3, ...fenceBlocks(text).map((b) => closingFence(b).length));
  const room = Math.max(0, max - suffix.length - 1 - closing);
  // Outside code when that keeps most of the room; else inside a block, which is closed below.
  const clean = findCut(text, room, { floor: 0.6 });
  const at = clean >= room * 0.6 ? clean : findCut(text, room, { floor: 0.6, insideCode: true });
  let cut = text.slice(0, at);
  // A link whose "[" survived the cut but whose "](url)" did not would show raw brackets.
  const open = cut.lastIndexOf('[');
  if (open > cut.lastIndexOf(')') && open > cut.lastIndexOf(']')) cut = cut.slice(0, open);
  const openLink = /\[[^\]]*\]\([^)]*$/.exec(cut);
  if (openLink) cut = cut.slice(0, openLink.index);
  cut = cut.trimEnd();
  const unclosed = fenceBlocks(cut).at(-1);
  if (unclosed && !unclosed.closed) cut += `\n${closingFence(unclosed)}`;
  else {
    // Unbalanced bold or inline code on the last line would swallow the link below.
    const lastLine = cut.slice(cut.lastIndexOf('\n') + 1);
    if ((lastLine.match(/\*\*/g)?.length ?? 0) % 2 === 1) cut += '**';
    if ((lastLine.match(/`/g)?.length ?? 0) % 2 === 1) cut += '`';
  }
  return `${cut}${suffix}`;
}
