import type { ChatGateway } from '../chat/service.ts';
import type { GatewayEvent } from '../gateway/events.ts';
import type { GatewayChatRequest } from '../gateway/translate.ts';
import type { Metrics } from './metrics.ts';

const seconds = (since: number) => (performance.now() - since) / 1000;

/** What the chat service calls, each call timed to its last byte. */
export function instrumentGateway(gateway: ChatGateway, metrics: Metrics, transport: string): ChatGateway {
  const outcome = (signal: AbortSignal) => (signal.aborted ? 'aborted' : 'error');
  const complete: ChatGateway['complete'] = async (request, signal) => {
    const start = performance.now();
    try {
      const completion = await gateway.complete(request, signal);
      metrics.gatewayCall(transport, false, 'ok', seconds(start));
      return completion;
    } catch (error) {
      metrics.gatewayCall(transport, false, outcome(signal), seconds(start));
      throw error;
    }
  };
  async function* stream(request: GatewayChatRequest, signal: AbortSignal): AsyncGenerator<GatewayEvent> {
    const start = performance.now();
    let result: 'ok' | 'error' | 'aborted' = 'ok';
    try {
      for await (const event of gateway.stream(request, signal)) {
        if (event.type === 'failed') result = 'error';
        yield event;
      }
    } catch (error) {
      result = outcome(signal);
      throw error;
    } finally {
      metrics.gatewayCall(transport, true, signal.aborted ? 'aborted' : result, seconds(start));
    }
  }
  return { complete, stream };
}
