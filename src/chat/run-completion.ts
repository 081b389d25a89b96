import type { OutputAttachment } from '../contract/chat.ts';
import type { Completion, GeneratedMedia } from '../gateway/events.ts';
import type { ConversationJournal } from './conversation-journal.ts';
import type { Conversations } from './conversations.ts';
import { extractOutputAttachments } from './output-attachments.ts';
import type { Run } from './run.ts';

export interface RunCompletionOptions {
  /** Where generated media are kept (none: they are dropped). */
  conversations?: { journal: ConversationJournal; api: Conversations };
  aiLabel: string | null;
}

/** Emits a run's final event; generated media are stored first, so it carries their signed URLs to every stream. */
export function createRunCompletion(options: RunCompletionOptions) {
  async function keepGenerated(run: Run, media: readonly GeneratedMedia[]): Promise<OutputAttachment[]> {
    const layer = options.conversations;
    if (!layer) return [];
    return layer.api.signed(await layer.journal.keepGenerated(run, media));
  }

  return async (run: Run, completion: Completion, conversationId: string | undefined): Promise<void> => {
    const generated = completion.media?.length ? await keepGenerated(run, completion.media) : [];
    run.emit({
      type: 'completed',
      result: {
        runId: run.id,
        model: run.model,
        message: { role: 'assistant', content: completion.text },
        finishReason: completion.finishReason,
        usage: completion.usage,
        attachments: [...generated, ...extractOutputAttachments(completion.text)],
        ...(conversationId === undefined ? {} : { conversationId }),
        aiGenerated: true,
        label: options.aiLabel,
      },
    });
  };
}
