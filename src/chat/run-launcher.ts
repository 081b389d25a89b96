import type { ChatEvent, SendChatInput } from '../contract/chat.ts';
import type { GatewayChatRequest } from '../gateway/translate.ts';
import type { ConversationJournal } from './conversation-journal.ts';
import type { Principal } from './principal.ts';
import { Run } from './run.ts';
import type { RunDriver } from './run-driver.ts';
import type { RunEventLog } from './run-log.ts';
import type { RunRegistry } from './run-registry.ts';
import type { StartOptions } from './service-options.ts';
import { settleUsage } from './turn-gate.ts';

export interface RunLauncherOptions {
  runs: RunRegistry;
  driver: RunDriver;
  maxEventBytes?: number;
  journal?: ConversationJournal;
  shared?: RunEventLog;
  onRunStarted?: (run: Run, stream: boolean) => void;
  onRunEvent?: (run: Run, event: ChatEvent) => void;
}

/** Creates a run for a validated turn, registers, records and meters it, and sets it going upstream. */
export function createRunLauncher(options: RunLauncherOptions) {
  const { runs, driver, journal, shared, onRunStarted, onRunEvent } = options;
  return (principal: Principal, input: SendChatInput, start: StartOptions, request: GatewayChatRequest): Run => {
    const { conversation, ticket } = start;
    const run = new Run(principal.id, request.model, {
      log: start.log,
      user: input.user,
      maxEventBytes: options.maxEventBytes,
      maxActiveRuns: ticket?.maxActiveRuns,
      onEvent: (r, event) => {
        shared?.append(r, event);
        onRunEvent?.(r, event);
      },
    });
    run.conversationId = conversation?.id;
    runs.add(run);
    onRunStarted?.(run, start.stream);
    run.emit(conversation ? { type: 'started', conversationId: conversation.id } : { type: 'started' });
    journal?.track(principal, input, request, run, conversation);
    if (ticket?.settle) settleUsage(run, request, ticket.settle);
    void driver.drive(principal, run, { ...request, runId: run.id }, conversation?.id);
    return run;
  };
}
