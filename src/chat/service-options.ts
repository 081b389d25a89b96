import type { FastifyBaseLogger } from 'fastify';
import type { ChatEvent } from '../contract/chat.ts';
import type { AppError } from '../contract/errors.ts';
import type { AttachmentLimits } from '../contract/limits.ts';
import type { Moderation } from '../moderation/moderation.ts';
import type { Admission, Ticket } from './admission.ts';
import type { ConversationJournal, OpenConversation } from './conversation-journal.ts';
import type { Conversations } from './conversations.ts';
import type { Run } from './run.ts';
import type { ChatGateway } from './run-driver.ts';
import type { RunEventLog } from './run-log.ts';
import type { RunRegistry } from './run-registry.ts';

export interface ChatServiceOptions {
  gateway: ChatGateway;
  runs: RunRegistry;
  limits: AttachmentLimits;
  runTimeoutMs: number;
  /** Cap on one run's event log (approximate bytes held). */
  maxEventBytes?: number;
  /** Where failures that are bugs or upstream faults get their details logged. */
  onError?: (error: AppError, run: Run) => void;
  /** The store's conversation layer; without it the service keeps nothing beyond its runs. */
  conversations?: { journal: ConversationJournal; api: Conversations };
  /** Access policy, rate and quota, asked before every turn (none: every caller may chat). */
  admission?: Admission;
  /** Content moderation of user turns and answers (MODERATION); none when off. */
  moderation?: Moderation;
  /** The label every answer carries (AI_LABEL_TEXT). */
  aiLabel?: string;
  /** Several instances: the log every instance shares (Redis), where runs held elsewhere are read and cancelled. */
  shared?: RunEventLog;
  /** Metrics: each run as it starts, and each of its events. */
  onRunStarted?: (run: Run, stream: boolean) => void;
  onRunEvent?: (run: Run, event: ChatEvent) => void;
}

/** Where a run's failures are logged: the logger of the request that started it (so lines carry its id). */
export type RunLog = Pick<FastifyBaseLogger, 'info' | 'error'>;

export interface StartOptions {
  /** Stream deltas from the gateway (else one non-streaming upstream call). */
  stream: boolean;
  log?: RunLog;
  /** The stored conversation the turn belongs to (see open()). */
  conversation?: OpenConversation;
  /** What admission granted (begin() and open() ask for it). */
  ticket?: Ticket;
}

export interface SendOptions {
  /** Aborts (cancels the run) when the caller goes away. */
  signal?: AbortSignal;
  log?: RunLog;
}
