// Interaction callbacks and the interaction webhook (@original, follow-ups) with Discord's rules:
// one callback, within the deadline, of a type that fits the interaction; tokens that expire.
import type { Core } from './core.ts';
import {
  alreadyAcknowledged,
  invalidFormBody,
  invalidWebhookToken,
  unknownInteraction,
  unknownMessage,
  unknownWebhook,
} from './errors.ts';
import type { InteractionState } from './interaction-state.ts';
import { autocompleteErrors, modalErrors } from './limits.ts';
import { createMessage, deleteMessage, editMessage } from './messages.ts';
import type { Route, RouteContext } from './rest-server.ts';
import { apiMessage } from './serialize.ts';
import { MessageFlags, type StoredMessage } from './world.ts';

/** Which callback types Discord accepts for each interaction type. */
const ALLOWED: Record<number, number[]> = {
  2: [4, 5, 9],
  3: [4, 5, 6, 7, 9],
  4: [8],
  5: [4, 5, 6, 7],
};

function badType(type: unknown) {
  return invalidFormBody({
    type: {
      _errors: [
        {
          code: 'INTERACTION_RESPONSE_TYPE_INVALID',
          message: `Interaction response type ${String(type)} is invalid here`,
        },
      ],
    },
  });
}

export function interactionRoutes(core: Core): Route[] {
  const w = core.world;
  const bot = core.options.botUserId;
  const appId = core.options.applicationId;
  const render = (m: StoredMessage) => apiMessage(w, core.baseUrl, m);

  const respond = (i: InteractionState, { body, files }: RouteContext): StoredMessage | undefined => {
    const type = Number(body?.type);
    const data = body?.data;
    if (!ALLOWED[i.type]?.includes(type)) throw badType(body?.type);
    if ((type === 6 || type === 7) && !i.sourceMessageId) throw badType(type);
    const source = i.sourceMessageId ? w.messages.get(i.sourceMessageId) : undefined;
    const kind = i.type === 2 ? 20 : 0;
    switch (type) {
      case 4: {
        const m = createMessage(core, {
          channelId: i.channelId,
          authorId: bot,
          body: data,
          files,
          type: kind,
          webhookId: appId,
          interactionId: i.id,
        });
        i.originalId = m.id;
        return m;
      }
      case 5: {
        const m = createMessage(core, {
          channelId: i.channelId,
          authorId: bot,
          body: { flags: data?.flags },
          type: kind,
          webhookId: appId,
          interactionId: i.id,
          systemFlags: MessageFlags.loading,
          allowEmpty: true,
        });
        i.originalId = m.id;
        return m;
      }
      case 6:
      case 7: {
        if (!source || source.deleted) throw unknownMessage();
        i.editsAtAck = source.edits.length;
        if (type === 7) editMessage(core, source, data, files);
        i.originalId = source.id;
        return source;
      }
      case 8: {
        const errors = autocompleteErrors(data);
        if (errors) throw invalidFormBody(errors);
        return undefined;
      }
      case 9: {
        const errors = modalErrors(data);
        if (errors) throw invalidFormBody(errors);
        return undefined;
      }
    }
    return undefined;
  };

  const webhookInteraction = (params: Record<string, string>): InteractionState => {
    if (params.appId !== appId) throw unknownWebhook();
    const i = core.interactionByToken(params.token!);
    if (!i) throw unknownWebhook();
    if (i.tokenExpired) throw invalidWebhookToken();
    return i;
  };

  const webhookMessage = (i: InteractionState, messageId: string): StoredMessage => {
    const id = messageId === '@original' ? i.originalId : messageId;
    if (!id || (id !== i.originalId && !i.followUpIds.includes(id))) throw unknownMessage();
    const m = w.messages.get(id);
    if (!m || m.deleted) throw unknownMessage();
    return m;
  };

  return [
    {
      method: 'POST',
      pattern: '/interactions/:interactionId/:token/callback',
      auth: false,
      handle: (ctx) => {
        const i = core.interactions.get(ctx.params.interactionId!);
        if (!i || i.token !== ctx.params.token || i.tokenExpired) throw unknownInteraction();
        if (i.acknowledged) throw alreadyAcknowledged();
        if (i.deadlineReached) throw unknownInteraction();
        const message = respond(i, ctx);
        i.callbacks.push({ type: Number(ctx.body.type), data: ctx.body.data, at: performance.now() });
        i.stopClock();
        core.waiters.notify();
        if (ctx.query.with_response !== 'true') return {};
        return {
          body: {
            interaction: {
              id: i.id,
              type: i.type,
              response_message_id: message?.id,
              response_message_loading: message ? (message.flags & MessageFlags.loading) !== 0 : undefined,
              response_message_ephemeral: message
                ? (message.flags & MessageFlags.ephemeral) !== 0
                : undefined,
            },
            resource: { type: Number(ctx.body.type), message: message ? render(message) : undefined },
          },
        };
      },
    },
    {
      method: 'POST',
      pattern: '/webhooks/:appId/:token',
      auth: false,
      handle: ({ params, query, body, files }) => {
        const i = webhookInteraction(params);
        if (!i.acknowledged) throw unknownWebhook();
        const original = i.originalId ? w.messages.get(i.originalId) : undefined;
        let message: StoredMessage;
        if (i.callbacks[0]?.type === 5 && original && original.flags & MessageFlags.loading) {
          // Discord: the first follow-up after a deferred reply replaces the "thinking…" message,
          // and its ephemeral flag is ignored: the deferral already decided who sees it.
          message = editMessage(core, original, body, files);
          i.followUpReplacedOriginal = true;
        } else {
          message = createMessage(core, {
            channelId: i.channelId,
            authorId: bot,
            body,
            files,
            webhookId: appId,
            interactionId: i.id,
          });
          i.followUpIds.push(message.id);
          core.waiters.notify();
        }
        return query.wait === 'false' ? {} : { body: render(message) };
      },
    },
    {
      method: 'GET',
      pattern: '/webhooks/:appId/:token/messages/:messageId',
      auth: false,
      handle: ({ params }) => ({
        body: render(webhookMessage(webhookInteraction(params), params.messageId!)),
      }),
    },
    {
      method: 'PATCH',
      pattern: '/webhooks/:appId/:token/messages/:messageId',
      auth: false,
      handle: ({ params, body, files }) => {
        const m = webhookMessage(webhookInteraction(params), params.messageId!);
        return { body: render(editMessage(core, m, body, files)) };
      },
    },
    {
      method: 'DELETE',
      pattern: '/webhooks/:appId/:token/messages/:messageId',
      auth: false,
      handle: ({ params }) => {
        deleteMessage(core, webhookMessage(webhookInteraction(params), params.messageId!));
        return {};
      },
    },
  ];
}
