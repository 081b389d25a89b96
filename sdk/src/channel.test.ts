import { describe, expect, it, vi } from 'vitest';
import { Channel } from './channel.ts';

describe('Channel', () => {
  it('delivers queued and later values, then ends', async () => {
    const channel = new Channel<number>(() => {});
    channel.push(1);
    const pending = channel.next();
    channel.push(2);
    channel.close();
    expect(await channel.next()).toEqual({ value: 2, done: false });
    expect(await pending).toEqual({ value: 1, done: false });
    expect(await channel.next()).toEqual({ value: undefined, done: true });
  });

  it('rejects after the queued values when closed with an error', async () => {
    const channel = new Channel<number>(() => {});
    channel.push(1);
    channel.close(new Error('boom'));
    expect(await channel.next()).toEqual({ value: 1, done: false });
    await expect(channel.next()).rejects.toThrow('boom');
  });

  it('return() resolves a pending next() at once and calls onReturn once', async () => {
    const onReturn = vi.fn();
    const channel = new Channel<number>(onReturn);
    const pending = channel.next();
    await channel.return();
    await channel.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(onReturn).toHaveBeenCalledTimes(1);
  });

  it('stops a for-await loop on break', async () => {
    const onReturn = vi.fn();
    const channel = new Channel<number>(onReturn);
    channel.push(1);
    channel.push(2);
    for await (const value of channel) if (value === 1) break;
    expect(onReturn).toHaveBeenCalledTimes(1);
  });
});
