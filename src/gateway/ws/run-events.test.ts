import { describe, expect, it } from 'vitest';
import { decodeRunEvent, mediaBlocks, messageText, runIdOf } from './run-events.ts';

/** Payloads as recorded against gateway 2026.9.6 (design note openclaw-ws.md), shortened. */
describe('decodeRunEvent', () => {
  it('maps chat delta, final, error and aborted', () => {
    expect(decodeRunEvent('chat', { runId: 'r', state: 'delta', deltaText: ' hello', message: {} })).toEqual({
      type: 'delta',
      text: ' hello',
    });
    expect(
      decodeRunEvent('chat', {
        state: 'final',
        stopReason: 'stop',
        message: {
          role: 'assistant',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
      }),
    ).toEqual({ type: 'final', text: 'ab', stopReason: 'stop' });
    expect(decodeRunEvent('chat', { state: 'error', errorMessage: '⚠️ failed' })).toEqual({
      type: 'error',
      message: '⚠️ failed',
    });
    expect(decodeRunEvent('chat', { state: 'aborted', stopReason: 'rpc' })).toEqual({ type: 'aborted' });
  });

  it('ignores status frames, empty deltas and lifecycle', () => {
    expect(decodeRunEvent('chat', { state: 'status', phase: 'preparing_workspace' })).toBeUndefined();
    expect(decodeRunEvent('chat', { state: 'delta', deltaText: '' })).toBeUndefined();
    expect(decodeRunEvent('agent', { stream: 'lifecycle', data: { phase: 'start' } })).toBeUndefined();
    expect(decodeRunEvent('chat', null)).toBeUndefined();
  });

  it('keeps only a tool item’s name, phase, title and status; raw tool frames (args, results) are dropped', () => {
    expect(
      decodeRunEvent('agent', {
        stream: 'item',
        data: { kind: 'tool', name: 'ls', phase: 'start', title: 'Ls .', status: 'running', args: { path: '/x' } },
      }),
    ).toEqual({ type: 'tool', name: 'ls', phase: 'started', title: 'Ls .', status: 'running' });
    expect(
      decodeRunEvent('agent', { stream: 'tool', data: { phase: 'start', name: 'ls', args: { path: '/x' } } }),
    ).toBeUndefined();
    expect(decodeRunEvent('agent', { stream: 'item', data: { kind: 'preamble', progressText: 'Let me look.' } })).toBe(
      undefined,
    );
  });

  it('notices media named by the answer', () => {
    expect(
      decodeRunEvent('agent', { stream: 'assistant', data: { text: 'Here', delta: '', mediaUrls: ['./cat.png'] } }),
    ).toEqual({ type: 'media-pending', count: 1 });
  });
});

describe('helpers', () => {
  it('runIdOf reads the payload’s runId only', () => {
    expect(runIdOf({ runId: 'abc' })).toBe('abc');
    expect(runIdOf({ runId: 3 })).toBeUndefined();
    expect(runIdOf(undefined)).toBeUndefined();
  });

  it('messageText accepts string content', () => {
    expect(messageText({ content: 'plain' })).toBe('plain');
  });

  it('mediaBlocks names artifacts and counts the gateway’s failed ones', () => {
    const media = mediaBlocks({
      content: [
        { type: 'text', text: 'Here is the cat.' },
        {
          type: 'image',
          artifactId: 'artifact_1',
          url: '/api/chat/media/outgoing/x',
          alt: 'cat.png',
          mimeType: 'image/png',
          sizeBytes: 238,
        },
        { type: 'attachment_error', attachment: { code: 'delivery-failed', kind: 'image', label: 'cat.png' } },
        { type: 'image', url: '/no/artifact/id' },
      ],
    });
    expect(media).toEqual({
      refs: [
        {
          kind: 'image',
          artifactId: 'artifact_1',
          mimeType: 'image/png',
          name: 'cat.png',
          sizeBytes: 238,
          path: '/api/chat/media/outgoing/x',
        },
      ],
      failed: 1,
    });
    expect(mediaBlocks({ content: 'text only' })).toEqual({ refs: [], failed: 0 });
  });
});
