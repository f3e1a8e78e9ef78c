/** The runtime id of the cluster daemon: its loss never ends the children of its root (it comes back). */
export const ROOT_WORKER = 'root';
/** The root process's name: the same after every restart of the cluster daemon. */
export const ROOT_NAME = `${ROOT_WORKER}:1`;
