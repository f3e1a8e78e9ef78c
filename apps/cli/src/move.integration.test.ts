/**
 * `hypernode-cli move` against a real cluster on this machine's RabbitMQ and Redis (`hypernode-cluster` and a
 * `hypernode-node` with 2 workers as OS processes; each command its own CLI process).
 */
import { describe, expect, it } from 'vitest';
import type { ClusterClient } from '@hypernode/daemon';
import { repoPath, testClusterPerTest } from '../../../packages/daemon/src/test-support';
import { expectOneLineError, startCli } from './test-cli';

const { start } = testClusterPerTest();

async function get(client: ClusterClient, to: string): Promise<unknown> {
  return client.call(to, { type: 'GET' }, 10_000);
}

describe('hypernode-cli move', { timeout: 240_000 }, () => {
  it('moves a process by its registered name; the name keeps answering, with its state, from the other worker; bad moves fail with one line', async () => {
    const t = await start([{ id: 'n1', workers: 2 }]);
    const [a, b] = t.workers.get('n1')!;
    const cli = (...args: string[]) => startCli(args, { HYPERNODE_CLUSTER: t.cluster }).finished();
    await t.client.load(repoPath('packages/daemon/test-fixtures/counter-v1.ts'));
    await t.client.load(repoPath('packages/daemon/test-fixtures/named.ts'));
    await t.client.load(repoPath('packages/daemon/test-fixtures/homebody.ts'));
    const named = await t.client.spawn('Named', { name: 'svc-main' }, { worker: a });
    expect(await get(t.client, 'svc-main')).toEqual({ name: 'svc-main', pid: named });

    const moved = await cli('move', 'svc-main', '--to', b!);
    expect(moved.code, moved.err.join('\n')).toBe(0);
    expect(moved.out).toEqual([expect.stringMatching(new RegExp(`^moved '${named}' from worker '${a}' to '${b}' \\(paused \\d+ ms\\)$`))]);
    // Its registered name and its process name still reach it.
    expect(await get(t.client, 'svc-main')).toEqual({ name: 'svc-main', pid: expect.any(String) });
    expect((await t.client.ps()).find((p) => p.names.includes('svc-main'))?.worker).toBe(b);

    const counter = await t.client.spawn('Counter', { count: 41 }, { worker: a });
    t.client.send(counter, { type: 'INC' });
    const json = await cli('move', counter, '--json');
    expect(json.code, json.err.join('\n')).toBe(0);
    expect(JSON.parse(json.out.join('\n'))).toMatchObject({ name: counter, moved: true, from: a, to: b });
    expect(await get(t.client, counter)).toMatchObject({ count: 42 });

    const homebody = await t.client.spawn('Homebody', { count: 0 }, { worker: a });
    const [refused, unknown, nope, same] = await Promise.all([
      cli('move', homebody, '--to', b!),
      cli('move', 'no-such-name'),
      cli('move', counter, '--to', 'nope'),
      cli('move', counter, '--to', b!),
    ]);
    expect(refused.code).toBe(1);
    expectOneLineError(refused.err, new RegExp(`Process '${homebody}' did not move \\(refused\\): `));
    expect(unknown.code).toBe(1);
    expectOneLineError(unknown.err, new RegExp(`Process 'no-such-name' did not move \\(not-found\\): No process 'no-such-name' in cluster '${t.cluster}'`));
    expect(nope.code).toBe(1);
    expectOneLineError(nope.err, new RegExp(`Worker 'nope' is not a live worker of cluster '${t.cluster}'; live workers: `));
    expect(same.code).toBe(1);
    expectOneLineError(same.err, new RegExp(`Process '${counter}' already runs on worker '${b}'; give another worker with --to`));
    // The refusing process stayed where it was, unchanged.
    expect((await t.client.ps()).find((p) => p.name === homebody)?.worker).toBe(a);
  });
});
