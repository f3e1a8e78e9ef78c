/**
 * The least-privilege RabbitMQ permissions of a cluster's clients (the CLI, `connectCluster`): what
 * docs/operations.md's recipe grants, as code, so that the recipe and its test cannot drift apart
 * (docs/design/027-tls-and-broker-permissions.md). The daemons' user gets `.*` on the cluster's vhost.
 */

/** RabbitMQ's regexes are Erlang's; a cluster name has only letters, digits, '_' and '-', nothing to escape. */
const q = (cluster: string): string => `hypernode\\.${cluster}\\.`;

/**
 * The `rabbitmqctl set_permissions` regexes (configure, write, read) and the `set_topic_permissions` ones (write,
 * read on the exchange `hypernode.<cluster>.rpc`) of a clients' user for `cluster`: it may declare and consume its
 * own inbox (`inbox.client-…`) and events queue, declare the cluster's exchanges, and publish requests to the
 * `rpc` exchange with the routing key `admin` only. It gets no write on the default exchange (`amq.default`),
 * hence cannot publish into a worker's queue, and no write on the `events` exchange, hence cannot publish events.
 */
export function clientPermissions(cluster: string): { configure: string; write: string; read: string; topic: { exchange: string; write: string; read: string } } {
  const p = q(cluster);
  return {
    configure: `^${p}(events|rpc|inbox\\.client-[^.]+|events\\.[0-9a-f-]+)$`,
    write: `^${p}(rpc|events\\.[0-9a-f-]+)$`,
    read: `^${p}(events|inbox\\.client-[^.]+|events\\.[0-9a-f-]+)$`,
    topic: { exchange: `hypernode.${cluster}.rpc`, write: '^admin$', read: '^$' },
  };
}

/**
 * The `rabbitmqctl` commands (argument lists) that apply the recipe on `vhost` for `cluster`: the vhost, a daemons'
 * user with every permission on it, a clients' user with {@link clientPermissions}. Passwords are arguments here
 * for tests; operators type them at `rabbitmqctl add_user`'s prompt instead.
 */
export function permissionCommands(vhost: string, cluster: string, users: { daemons: [string, string]; clients: [string, string] }): string[][] {
  const c = clientPermissions(cluster);
  const [daemons, daemonsPassword] = users.daemons;
  const [clients, clientsPassword] = users.clients;
  return [
    ['add_vhost', vhost],
    ['add_user', daemons, daemonsPassword],
    ['set_permissions', '-p', vhost, daemons, '.*', '.*', '.*'],
    ['add_user', clients, clientsPassword],
    ['set_permissions', '-p', vhost, clients, c.configure, c.write, c.read],
    ['set_topic_permissions', '-p', vhost, clients, c.topic.exchange, c.topic.write, c.topic.read],
  ];
}
