import { describe, expect, it } from 'vitest';
import { SendChatInput } from './chat.ts';
import { AppError } from './errors.ts';
import { describeZodError, parseInput } from './validation.ts';

function invalid(value: unknown): AppError {
  try {
    parseInput(SendChatInput, value);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('INVALID_INPUT');
    expect((error as AppError).status).toBe(400);
    return error as AppError;
  }
  return expect.fail('parseInput accepted the value');
}

const user = (content: string) => ({ role: 'user', content });

describe('parseInput(SendChatInput)', () => {
  it('returns the parsed value for valid input', () => {
    const input = {
      model: 'openclaw/main',
      messages: [{ role: 'system', content: 's' }, user('hi')],
      user: 'oGZUI0egBJY1zhBYw2KhdUfwVJJE',
      attachments: [{ type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' }],
      agentId: 'research_1',
    };
    expect(parseInput(SendChatInput, input)).toEqual(input);
  });

  it.each(['openclaw', 'openclaw/default', 'openclaw/main', 'openclaw:ops', 'agent:a-b_c'])(
    'accepts model %s',
    (model) => {
      expect(parseInput(SendChatInput, { model, messages: [user('x')] }).model).toBe(model);
    },
  );

  it('messages are required', () => {
    expect(invalid({}).message).toMatch(/^Invalid request: messages: /);
    expect(invalid(undefined).message).toMatch(/^Invalid request: /);
  });

  it('messages must not be empty', () => {
    expect(invalid({ messages: [] }).message).toBe(
      'Invalid request: messages: messages must contain at least one message',
    );
  });

  it('a bad role names the field path', () => {
    expect(invalid({ messages: [user('a'), { role: 'bot', content: 'x' }] }).message).toContain('messages[1].role:');
  });

  it('a non-string content names the field path', () => {
    expect(invalid({ messages: [{ role: 'user', content: 5 }] }).message).toContain('messages[0].content:');
  });

  it.each(['gpt-4o', 'openclaw/Main', 'openclaw/', 'claude', ''])(
    'model "%s" → INVALID_INPUT naming model',
    (model) => {
      const error = invalid({ model, messages: [user('x')] });
      expect(error.message).toBe(
        'Invalid request: model: model names an OpenClaw agent: use "openclaw" or "openclaw/<agentId>"',
      );
    },
  );

  it('a bad agentId names agentId', () => {
    expect(invalid({ agentId: 'Main Agent', messages: [user('x')] }).message).toContain('agentId: agentId must be');
  });

  it('a bad attachment names its index', () => {
    expect(invalid({ messages: [user('x')], attachments: [{ type: 'video', data: 'AAAA' }] }).message).toContain(
      'attachments[0]',
    );
    expect(
      invalid({ messages: [user('x')], attachments: [{ type: 'image', data: 'AAAA', mimeType: '' }] }).message,
    ).toContain('attachments[0].mimeType:');
  });

  it('lists at most five issues and counts the rest', () => {
    const messages = Array.from({ length: 7 }, () => ({ role: 'bot', content: 'x' }));
    const message = invalid({ messages }).message;
    expect(message.match(/messages\[\d\]\.role/g)).toHaveLength(5);
    expect(message).toMatch(/\(\+2 more\)$/);
  });
});

describe('describeZodError', () => {
  it('formats a zod error the same way parseInput does', () => {
    const result = SendChatInput.safeParse({ messages: [{ role: 'user', content: 1 }], model: 'gpt-4o' });
    expect(result.success).toBe(false);
    if (result.success) return;
    const message = describeZodError(result.error);
    expect(message).toMatch(/^Invalid request: /);
    expect(message).toContain('messages[0].content:');
    expect(message).toContain('model: model names an OpenClaw agent');
  });
});
