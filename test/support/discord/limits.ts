// Discord's size limits, answered the way Discord answers them: 50035 "Invalid Form Body" with an
// `errors` tree whose leaves are `{ _errors: [{ code, message }] }`.
type ErrorTree = Record<string, unknown>;

export const IS_COMPONENTS_V2 = 1 << 15;

class Collector {
  readonly tree: ErrorTree = {};

  add(path: Array<string | number>, code: string, message: string): void {
    let node = this.tree;
    for (const key of path) {
      const k = String(key);
      node[k] ??= {};
      node = node[k] as ErrorTree;
    }
    node._errors ??= [];
    (node._errors as unknown[]).push({ code, message });
  }

  maxLength(path: Array<string | number>, value: unknown, max: number): void {
    if (typeof value === 'string' && value.length > max) {
      this.add(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
    }
  }

  count(path: Array<string | number>, list: unknown, min: number, max: number): void {
    if (Array.isArray(list) && (list.length < min || list.length > max)) {
      this.add(path, 'BASE_TYPE_BAD_LENGTH', `Must be between ${min} and ${max} in length.`);
    }
  }

  get empty(): boolean {
    return Object.keys(this.tree).length === 0;
  }
}

const len = (v: unknown) => (typeof v === 'string' ? v.length : 0);

// biome-ignore lint/suspicious/noExplicitAny: validating untrusted API JSON
function checkEmbeds(c: Collector, embeds: any[]): void {
  c.count(['embeds'], embeds, 0, 10);
  let total = 0;
  embeds.forEach((e, i) => {
    if (!e || typeof e !== 'object') return;
    c.maxLength(['embeds', i, 'title'], e.title, 256);
    c.maxLength(['embeds', i, 'description'], e.description, 4096);
    c.maxLength(['embeds', i, 'footer', 'text'], e.footer?.text, 2048);
    c.maxLength(['embeds', i, 'author', 'name'], e.author?.name, 256);
    total += len(e.title) + len(e.description) + len(e.footer?.text) + len(e.author?.name);
    const fields = Array.isArray(e.fields) ? e.fields : [];
    c.count(['embeds', i, 'fields'], fields, 0, 25);
    // biome-ignore lint/suspicious/noExplicitAny: untrusted API JSON
    fields.forEach((f: any, j: number) => {
      c.maxLength(['embeds', i, 'fields', j, 'name'], f?.name, 256);
      c.maxLength(['embeds', i, 'fields', j, 'value'], f?.value, 1024);
      total += len(f?.name) + len(f?.value);
    });
  });
  if (total > 6000) c.add(['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
}

// biome-ignore lint/suspicious/noExplicitAny: validating untrusted API JSON
function checkActionRows(c: Collector, rows: any[], path: Array<string | number>): void {
  c.count(path, rows, 0, 5);
  rows.forEach((row, i) => {
    if (row?.type !== 1) return;
    const children = Array.isArray(row.components) ? row.components : [];
    c.count([...path, i, 'components'], children, 1, 5);
    // biome-ignore lint/suspicious/noExplicitAny: untrusted API JSON
    children.forEach((child: any, j: number) => {
      c.maxLength([...path, i, 'components', j, 'custom_id'], child?.custom_id, 100);
      if (child?.type === 2) c.maxLength([...path, i, 'components', j, 'label'], child?.label, 80);
      if (child?.type === 3) c.count([...path, i, 'components', j, 'options'], child.options ?? [], 1, 25);
      if (child?.type >= 3 && child?.type <= 8) {
        c.maxLength([...path, i, 'components', j, 'placeholder'], child?.placeholder, 150);
      }
    });
  });
}

/** Errors of a message body (create or the merged result of an edit), or undefined when it is valid. */
// biome-ignore lint/suspicious/noExplicitAny: validating untrusted API JSON
export function messageErrors(body: any): ErrorTree | undefined {
  const c = new Collector();
  c.maxLength(['content'], body.content, 2000);
  if (Array.isArray(body.embeds)) checkEmbeds(c, body.embeds);
  const v2 = ((body.flags ?? 0) & IS_COMPONENTS_V2) !== 0;
  if (Array.isArray(body.components) && !v2) checkActionRows(c, body.components, ['components']);
  return c.empty ? undefined : c.tree;
}

/** Discord's "empty message": nothing a reader could see. */
// biome-ignore lint/suspicious/noExplicitAny: untrusted API JSON
export function isEmptyMessage(body: any, attachmentCount: number): boolean {
  const hasContent = typeof body.content === 'string' && body.content.trim().length > 0;
  const hasEmbeds = Array.isArray(body.embeds) && body.embeds.length > 0;
  const hasComponents = Array.isArray(body.components) && body.components.length > 0;
  const hasExtras = Array.isArray(body.sticker_ids) ? body.sticker_ids.length > 0 : Boolean(body.poll);
  return !hasContent && !hasEmbeds && !hasComponents && !hasExtras && attachmentCount === 0;
}

// biome-ignore lint/suspicious/noExplicitAny: validating untrusted API JSON
export function modalErrors(data: any): ErrorTree | undefined {
  const c = new Collector();
  c.maxLength(['data', 'title'], data?.title, 45);
  c.maxLength(['data', 'custom_id'], data?.custom_id, 100);
  const top = Array.isArray(data?.components) ? data.components : [];
  c.count(['data', 'components'], top, 1, 5);
  // biome-ignore lint/suspicious/noExplicitAny: untrusted API JSON
  top.forEach((row: any, i: number) => {
    const inputs = row?.type === 18 ? [row.component] : Array.isArray(row?.components) ? row.components : [];
    if (row?.type === 18) c.maxLength(['data', 'components', i, 'label'], row.label, 45);
    // biome-ignore lint/suspicious/noExplicitAny: untrusted API JSON
    inputs.forEach((input: any, j: number) => {
      const at =
        row?.type === 18
          ? ['data', 'components', i, 'component']
          : ['data', 'components', i, 'components', j];
      c.maxLength([...at, 'custom_id'], input?.custom_id, 100);
      c.maxLength([...at, 'label'], input?.label, 45);
      c.maxLength([...at, 'value'], input?.value, 4000);
    });
  });
  return c.empty ? undefined : c.tree;
}

// biome-ignore lint/suspicious/noExplicitAny: validating untrusted API JSON
export function autocompleteErrors(data: any): ErrorTree | undefined {
  const c = new Collector();
  const choices = Array.isArray(data?.choices) ? data.choices : [];
  c.count(['data', 'choices'], choices, 0, 25);
  // biome-ignore lint/suspicious/noExplicitAny: untrusted API JSON
  choices.forEach((choice: any, i: number) => {
    if (len(choice?.name) < 1)
      c.add(['data', 'choices', i, 'name'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    c.maxLength(['data', 'choices', i, 'name'], choice?.name, 100);
    c.maxLength(['data', 'choices', i, 'value'], choice?.value, 100);
  });
  return c.empty ? undefined : c.tree;
}

/** Command registration: Discord rejects bad names and descriptions with 50035 too. */
// biome-ignore lint/suspicious/noExplicitAny: validating untrusted API JSON
export function commandErrors(commands: any[]): ErrorTree | undefined {
  const c = new Collector();
  c.count([], commands, 0, 100);
  commands.forEach((cmd, i) => {
    const chatInput = (cmd?.type ?? 1) === 1;
    if (typeof cmd?.name !== 'string' || (chatInput && !/^[-_\p{L}\p{N}]{1,32}$/u.test(cmd.name))) {
      c.add([i, 'name'], 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    } else if (chatInput && cmd.name !== cmd.name.toLowerCase()) {
      c.add([i, 'name'], 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    }
    if (chatInput && (len(cmd?.description) < 1 || len(cmd?.description) > 100)) {
      c.add([i, 'description'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
    }
    c.count([i, 'options'], cmd?.options ?? [], 0, 25);
  });
  return c.empty ? undefined : c.tree;
}
