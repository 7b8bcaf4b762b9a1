// Small pieces every board page is built from. Hono's JSX escapes every string it is given; the
// only raw HTML is markdown-it's output (raw HTML off, links filtered) and it passes through Markdown.

import { raw } from 'hono/html';
import type { Child, FC } from 'hono/jsx';
import { type Idea, type IdeaStatus, STATUS_LABELS } from '../ideas/types.ts';
import { boardPath } from './boards.ts';
import { renderMarkdown } from './markdown.ts';
import type { GuildFace } from './names.ts';
import { FAVICON_PATH, STYLESHEET_PATH } from './style.ts';

export interface Shell {
  guildId: string;
  guild: GuildFace;
  /** Where the page sits, for the navigation's aria-current. */
  section: 'home' | 'ideas' | 'digests' | 'error';
  /** When the board was last switched on or off (the feeds' "since"), read once per request. */
  boardSince?: string;
}

export const Layout: FC<{ shell: Shell | null; title: string; children?: Child; description?: string }> = ({
  shell,
  title,
  children,
  description,
}) => {
  const g = shell?.guildId;
  const pageTitle = withoutBidiControls(shell ? `${title} · ${shell.guild.name}` : title);
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{pageTitle}</title>
        {description ? <meta name="description" content={withoutBidiControls(description)} /> : null}
        <link rel="stylesheet" href={STYLESHEET_PATH} />
        <link rel="icon" type="image/svg+xml" href={FAVICON_PATH} />
        {g ? (
          <>
            <link
              rel="alternate"
              type="application/atom+xml"
              title="Ideas"
              href={boardPath.feed(g, 'ideas')}
            />
            <link
              rel="alternate"
              type="application/atom+xml"
              title="Releases"
              href={boardPath.feed(g, 'releases')}
            />
            <link
              rel="alternate"
              type="application/atom+xml"
              title="Weekly digests"
              href={boardPath.feed(g, 'digests')}
            />
          </>
        ) : null}
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="site">
          <div class="wrap">
            {shell && g ? (
              <>
                <a class="brand" href={boardPath.home(g)}>
                  {shell.guild.iconUrl ? (
                    <img src={shell.guild.iconUrl} alt="" width="40" height="40" />
                  ) : null}
                  <span dir="auto">{shell.guild.name}</span>
                </a>
                <nav class="site" aria-label="Board">
                  <ul>
                    <NavLink href={boardPath.home(g)} current={shell.section === 'home'} label="Overview" />
                    <NavLink href={boardPath.ideas(g)} current={shell.section === 'ideas'} label="Ideas" />
                    <NavLink
                      href={boardPath.digests(g)}
                      current={shell.section === 'digests'}
                      label="Digests"
                    />
                  </ul>
                </nav>
              </>
            ) : (
              <span class="brand">Open Model Hub</span>
            )}
          </div>
        </header>
        <main id="main" class="wrap">
          {children}
        </main>
        <footer class="site">
          <div class="wrap">
            A read-only community board served by Open Model Hub.
            {g ? (
              <>
                {' '}
                Feeds: <a href={boardPath.feed(g, 'ideas')}>ideas</a>,{' '}
                <a href={boardPath.feed(g, 'releases')}>releases</a>,{' '}
                <a href={boardPath.feed(g, 'digests')}>digests</a>.
              </>
            ) : null}
          </div>
        </footer>
      </body>
    </html>
  );
};

const NavLink: FC<{ href: string; current: boolean; label: string }> = ({ href, current, label }) => (
  <li>
    <a href={href} aria-current={current ? 'page' : undefined}>
      {label}
    </a>
  </li>
);

// Explicit bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069). Arabic and
// Hebrew need none of them (dir="auto" gives each text its direction); what they are used for in a
// title is spoofing, e.g. "\u202Egnp.exe" shown as "exe.png".
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
export const withoutBidiControls = (text: string) => text.replace(BIDI_CONTROLS, '');

/** User-written text: dir="auto" so a Hebrew or Arabic title reads right and cannot reorder its surroundings. */
export const UserText: FC<{ children?: string | null }> = ({ children }) => (
  <span dir="auto">{withoutBidiControls(children ?? '')}</span>
);

export const Markdown: FC<{ text: string }> = ({ text }) => (
  <div class="md" dir="auto">
    {raw(renderMarkdown(withoutBidiControls(text)))}
  </div>
);

export const Time: FC<{ iso: string }> = ({ iso }) => <time datetime={iso}>{iso.slice(0, 10)}</time>;

export const StatusBadge: FC<{ status: IdeaStatus }> = ({ status }) => (
  <span class="badge">{STATUS_LABELS[status]}</span>
);

export const Votes: FC<{ up: number; down: number }> = ({ up, down }) => (
  <span class="votes">
    <span class="up">{up} up</span> · <span class="down">{down} down</span>
  </span>
);

export const IdeaCard: FC<{ idea: Idea }> = ({ idea }) => (
  <li class="card">
    <h3>
      <a href={boardPath.idea(idea.guildId, idea.number)}>
        #{idea.number} <UserText>{idea.title}</UserText>
      </a>
    </h3>
    <p class="meta">
      <StatusBadge status={idea.status} />
      <Votes up={idea.up} down={idea.down} />
      {idea.family ? (
        <span>
          family <UserText>{idea.family}</UserText>
        </span>
      ) : null}
      <span>
        by <UserText>{idea.authorName}</UserText>, <Time iso={idea.createdAt} />
      </span>
    </p>
    {idea.status === 'rejected' && idea.statusReason ? (
      <p class="meta">
        Curators’ reason: <UserText>{idea.statusReason}</UserText>
      </p>
    ) : null}
  </li>
);

export const IdeaCards: FC<{ ideas: Idea[]; empty: string }> = ({ ideas, empty }) =>
  ideas.length === 0 ? (
    <p class="muted">{empty}</p>
  ) : (
    <ul class="cards">
      {ideas.map((idea) => (
        <IdeaCard idea={idea} />
      ))}
    </ul>
  );
