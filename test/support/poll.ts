/** Polls `cond` every 2 ms until it holds; fails the test, naming `what`, after 1.5 s. For loopback tests whose conditions come in milliseconds. */
import { expect } from 'chai';

export async function untilTrue(what: string, cond: () => boolean): Promise<void> {
  const limit = Date.now() + 1500;
  while (!cond()) {
    if (Date.now() > limit) expect.fail(`${what}: not within 1.5 s`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
