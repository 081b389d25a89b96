import type { SendChatInput } from '../contract/chat.ts';
import type { ConversationStore } from '../store/conversation-store.ts';
import { newId } from '../store/ids.ts';
import type { WriteBatcher } from '../store/write-batcher.ts';
import type { OpenConversation } from './conversation-opening.ts';
import { userTurnText } from './conversation-title.ts';
import type { Principal } from './principal.ts';

const REJECTED_TITLE = 'New conversation';

/**
 * A user turn moderation refused: stored as `rejected` (its author sees it; no answer, attachments not kept),
 * committed before the refusal is answered. A conversation it creates gets a neutral title.
 */
export function recordRejectedTurn(
  writes: WriteBatcher,
  store: ConversationStore,
  principal: Principal,
  input: SendChatInput,
  conversation: OpenConversation,
): Promise<void> {
  const now = Date.now();
  return writes.write('rejected turn', (tx) =>
    store.recordRejectedTurn(
      {
        owner: principal.id,
        conversation: { ...conversation, title: REJECTED_TITLE, fresh: conversation.create },
        user: { id: newId('m'), content: userTurnText(input) },
        now,
      },
      tx,
    ),
  );
}

/** An ended answer moderation refused afterwards: stored as `hidden`, without its text (after its end write). */
export async function hideAnswer(
  writes: WriteBatcher,
  store: ConversationStore,
  runId: string,
  recorded: Promise<void>,
): Promise<void> {
  await recorded;
  await writes.write('hidden answer', (tx) => store.hideAnswer(runId, Date.now(), tx));
}
