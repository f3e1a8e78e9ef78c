/**
 * What the tests of the HTTP example share (the example's own test, the CLI's, the real cluster's): checks
 * made from outside, over real HTTP and TCP.
 */
import { connect } from 'node:net';
import { expect } from 'vitest';

/** Resolves true when nothing accepts connections on the port any more. */
export function portIsClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

/** Sends `count` concurrent requests and checks that each is answered with the caller's address and its path. */
export async function expectHelloAnswers(port: number, count = 20): Promise<void> {
  const paths = Array.from({ length: count }, (_, i) => `/hello/${i}?q=${i}`);
  const responses = await Promise.all(paths.map((p) => fetch(`http://127.0.0.1:${port}${p}`)));
  const bodies = await Promise.all(responses.map((r) => r.text()));
  for (const [i, p] of paths.entries()) {
    expect(responses[i]!.status).toBe(200);
    expect(bodies[i]).toBe(`hello 127.0.0.1, you asked for ${p}\n`);
  }
}
