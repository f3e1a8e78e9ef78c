/**
 * The chaos suite's cluster: as test-support's `startTestCluster` (a cluster daemon, node daemons, a client), but with
 * waits fit for a machine under heavy load (a daemon under tsx can take a minute to say it is up on 2 busy cores),
 * and every daemon tracked from the moment it is started, so that a failed start leaves nothing running.
 */
import { connectCluster } from '../packages/daemon/src/connect-cluster';
import { amqpUrl, clusterName, daemonEnv, DaemonProcess, deleteTestCluster, redisUrl, type TestCluster, type TestClusterOptions } from '../packages/daemon/src/test-support';
import { until } from './workload';

/** How long a daemon may take to say it is up, and the cluster to have every worker placing on every other. */
export const UP_MS = 120_000;

/** Starts the cluster daemon and one node daemon per entry of `nodes`, connects a client, and waits for every worker. */
export async function startChaosCluster(nodes: { id: string; workers: number }[], servers: TestClusterOptions): Promise<TestCluster> {
  const cluster = servers.cluster ?? clusterName();
  const started: DaemonProcess[] = [];
  let client: Awaited<ReturnType<typeof connectCluster>> | undefined;
  const stop = async () => {
    await client?.stop();
    for (const p of started.reverse()) await p.stop();
    await deleteTestCluster(cluster, servers);
  };
  try {
    const clusterDaemon = new DaemonProcess('cluster', servers.clusterArgs ?? [], daemonEnv(cluster, servers));
    started.push(clusterDaemon);
    await clusterDaemon.waitFor(/cluster daemon of cluster .* is up/, UP_MS);
    const nodeMap = new Map<string, DaemonProcess>();
    for (const n of nodes) {
      const p = new DaemonProcess('node', ['--id', n.id, '--workers', String(n.workers), '--affinity-slack', '0', ...(servers.nodeArgs ?? [])], daemonEnv(cluster, servers));
      started.push(p);
      nodeMap.set(n.id, p);
    }
    await Promise.all([...nodeMap.values()].map((p) => p.waitFor(/node daemon .* is up with/, UP_MS)));
    client = await connectCluster({ cluster, amqp: servers.amqpUrl ?? amqpUrl, redis: servers.redisUrl ?? redisUrl });
    const c = client;
    const total = nodes.reduce((sum, n) => sum + n.workers, 0);
    const status = await until(`${total} workers that place on each other`, UP_MS, async () => {
      const s = await c.status();
      return s.workers.length === total && s.workers.every((w) => w.placesOn?.length === total) ? s : undefined;
    });
    const workers = new Map<string, string[]>();
    for (const n of nodes) workers.set(n.id, status.workers.filter((w) => w.node === n.id).map((w) => w.id).sort());
    return { cluster, clusterDaemon, nodes: nodeMap, client: c, workers, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
