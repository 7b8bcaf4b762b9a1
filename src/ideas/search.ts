// Turns free text into FTS5 queries: words only (no FTS syntax reaches SQLite), common words
// dropped, each term quoted so "AND", "NEAR" or a stray quote in an idea is just a word.

const STOPWORDS = new Set(
  `a about above after again all also am an and any are as at be because been before being below
  between both but by can could did do does doing down during each few for from further had has have
  having he her here hers him his how i if in into is it its itself just like make may me might more
  most much must my no nor not now of off on once only or other our out over own same she should so
  some such than that the their them then there these they this those through to too under until up
  use used using very via was we were what when where which while who whom why will with would you your
  idea ideas model models`.split(/\s+/),
);

/** Distinct lower-case words of `text` worth matching on, in order of first appearance. */
export function terms(text: string): string[] {
  const seen = new Set<string>();
  for (const match of text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = match[0];
    if (word.length < 2 || STOPWORDS.has(word) || seen.has(word)) continue;
    seen.add(word);
  }
  return [...seen];
}

/** An FTS5 MATCH expression that matches any of the terms; null when nothing is left to match. */
export function anyOf(words: string[]): string | null {
  if (words.length === 0) return null;
  return words.map((w) => `"${w.replaceAll('"', '')}"`).join(' OR ');
}

/**
 * The terms that describe a new idea best: its title's, then the longest of the rest (long
 * words are the rare, telling ones), capped so the similar-idea search stays fast.
 */
export function similarityTerms(title: string, body: string, max = 12): string[] {
  const fromTitle = terms(title);
  const rest = terms(body)
    .filter((w) => !fromTitle.includes(w))
    .sort((a, b) => b.length - a.length);
  return [...fromTitle, ...rest].slice(0, max);
}

/** Share of `query` terms that `candidate` also has: what makes a bm25 hit "similar" and not a one-word brush. */
export function overlap(query: string[], candidate: string): number {
  if (query.length === 0) return 0;
  const have = new Set(terms(candidate));
  return query.filter((w) => have.has(w)).length / query.length;
}

/**
 * The rarest of `words`, as long as together they match at most `budget` ideas (the first one
 * always counts). Ranking cost grows with every matching idea, and words found everywhere add
 * almost nothing to bm25, so leaving them out keeps queries fast without changing the top hits.
 */
export function rarestTerms(
  words: string[],
  documentFrequency: (word: string) => number,
  o: { max: number; budget: number },
): Array<{ word: string; df: number }> {
  const ranked = words.map((word) => ({ word, df: documentFrequency(word) })).sort((a, b) => a.df - b.df);
  const chosen: Array<{ word: string; df: number }> = [];
  let total = 0;
  for (const term of ranked) {
    if (chosen.length >= o.max || (chosen.length > 0 && total + term.df > o.budget)) break;
    chosen.push(term);
    total += term.df;
  }
  return chosen;
}

/** An FTS5 expression that needs every word (implicit AND). */
export function allOf(words: string[]): string | null {
  if (words.length === 0) return null;
  return words.map((w) => `"${w.replaceAll('"', '')}"`).join(' ');
}
