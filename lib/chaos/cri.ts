/** Finding a pod's sandbox and containers on the node through the CRI, by the kubelet's labels. */
import type { NodeAccess } from '../cluster/provider.js';

function podLabels(namespace: string, pod: string) {
  return ['--label', `io.kubernetes.pod.namespace=${namespace}`, '--label', `io.kubernetes.pod.name=${pod}`];
}
function ids(out: string) {
  return out.split('\n').map((l) => l.trim()).filter(Boolean);
}

export async function sandboxIds(node: NodeAccess, namespace: string, pod: string, readyOnly = true): Promise<string[]> {
  return ids(await node.crictl(['pods', ...podLabels(namespace, pod), ...(readyOnly ? ['--state', 'ready'] : []), '-q']));
}

export async function runningContainerId(node: NodeAccess, namespace: string, pod: string, container: string): Promise<string> {
  const found = ids(await node.crictl(['ps', ...podLabels(namespace, pod), '--label', `io.kubernetes.container.name=${container}`, '--state', 'running', '-q']));
  if (found.length !== 1) throw new Error(`expected one running container ${container} of ${namespace}/${pod} on the node, found ${found.length}`);
  return found[0]!;
}

/** The pid, as the node sees it, of a container's main process (or a sandbox's pause process). */
export async function pidOf(node: NodeAccess, id: string, sandbox = false): Promise<number> {
  const out = await node.crictl([sandbox ? 'inspectp' : 'inspect', '--output', 'go-template', '--template', '{{.info.pid}}', id]);
  const pid = Number(out.trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no pid for ${sandbox ? 'sandbox' : 'container'} ${id}: "${out.trim()}"`);
  return pid;
}

export async function allSandboxIds(node: NodeAccess): Promise<string[]> {
  return ids(await node.crictl(['pods', '-q']));
}

/** The runtime's state of a container (CONTAINER_RUNNING, CONTAINER_EXITED, ...) and its exit code; state "gone" when the runtime no longer has it. */
export async function containerState(node: NodeAccess, id: string): Promise<{ state: string; exitCode?: number }> {
  let out: string;
  try {
    out = await node.crictl(['inspect', '--output', 'go-template', '--template', '{{.status.state}} {{.status.exitCode}}', id]);
  } catch (err) {
    if (/not found|does not exist/i.test((err as Error).message)) return { state: 'gone' };
    throw err;
  }
  const [state = '', code] = out.trim().split(/\s+/);
  const exitCode = Number(code);
  return { state, ...(code !== undefined && Number.isInteger(exitCode) ? { exitCode } : {}) };
}

/** Asks `read` every `everyMs` until `done` says so or `timeoutMs` passed; returns the last answer. */
export async function pollUntil<T>(read: () => Promise<T>, done: (t: T) => boolean, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() >= deadline) return value;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
