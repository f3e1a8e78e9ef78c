/** @hypernode-module Named **/
import { Process, type Context } from 'hypernode';

/** Registers itself under `state.name` and answers a GET call with its name and pid. */
export default class Named extends Process<{ name: string }> {
  override async processWillRun(state: { name: string }, { register }: Context) {
    await register(state.name);
    return state;
  }

  override processDidReceiveMessage(state: { name: string }, _message: unknown, _from: string, { reply, getProcessName }: Context) {
    reply({ name: state.name, pid: getProcessName() });
  }
}
