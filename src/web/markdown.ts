// Member and GitHub text as HTML: markdown-it with raw HTML off (it is shown as text), images off
// (a remote image would let a writer track readers), and only http(s)/mailto links, each marked
// rel="nofollow ugc noopener" so the board lends no ranking to what strangers wrote.
import MarkdownIt from 'markdown-it';

const md = new MarkdownIt({ html: false, linkify: true, typographer: false });
md.disable(['image']);

const SAFE_LINK = /^(https?:\/\/|mailto:)/i;
// markdown-it's own check refuses javascript:, vbscript:, file: and data: (other than images);
// ours is an allow-list on top of it.
const defaultValidate = md.validateLink.bind(md);
md.validateLink = (url) => defaultValidate(url) && SAFE_LINK.test(url.trim());

const defaultLinkOpen =
  md.renderer.rules.link_open ??
  ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const token = tokens[idx]!;
  token.attrSet('rel', 'nofollow ugc noopener');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

/** Renders untrusted markdown to HTML that is safe to put in a page as is. */
export function renderMarkdown(text: string): string {
  return md.render(text);
}
