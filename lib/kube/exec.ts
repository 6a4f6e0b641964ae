/** Commands in a pod's container through the exec API, with their exit code and output. */
import { Writable } from 'node:stream';
import { Exec } from '@kubernetes/client-node';
import type { KubeConfig, V1Status } from '@kubernetes/client-node';

/** A pod by namespace and name. */
export interface PodRef {
  namespace: string;
  pod: string;
}

export const formatPodRef = (r: PodRef) => `${r.namespace}/${r.pod}`;

/** The exit code an exec's final status reports (pure): 0 on Success, the ExitCode cause otherwise; undefined when it carries none (the exec itself failed). */
export function execExitCode(status: V1Status | undefined): number | undefined {
  if (!status) return undefined;
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  return cause?.message !== undefined && /^\d+$/.test(cause.message) ? Number(cause.message) : undefined;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const collector = (chunks: Buffer[]) =>
  new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });

/** Runs `argv` in a container through the exec API; resolves with its exit code and output, rejects when the exec itself fails or takes longer than `timeoutMs`. */
export async function execInPod(kc: KubeConfig, ref: PodRef, container: string, argv: string[], timeoutMs = 60_000): Promise<ExecResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let status: V1Status | undefined;
  return new Promise<ExecResult>((resolve, reject) => {
    let ws: { close(): void } | undefined;
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      f();
    };
    const timer = setTimeout(() => settle(() => (ws?.close(), reject(new Error(`exec ${argv.join(' ')} in ${formatPodRef(ref)}: no answer within ${timeoutMs / 1000}s`)))), timeoutMs);
    new Exec(kc)
      .exec(ref.namespace, ref.pod, container, argv, collector(out), collector(err), null, false, (s) => (status = s))
      .then(
        (socket) => {
          ws = socket;
          socket.on('error', (e: Error) => settle(() => reject(e)));
          socket.on('close', () =>
            settle(() => {
              const code = execExitCode(status);
              const stderr = Buffer.concat(err).toString('utf8');
              if (code === undefined) reject(new Error(`exec in ${formatPodRef(ref)} failed: ${status?.message ?? (stderr.trim() || 'the connection closed without a status')}`));
              else resolve({ exitCode: code, stdout: Buffer.concat(out).toString('utf8'), stderr });
            }),
          );
        },
        (e: unknown) => settle(() => reject(e instanceof Error ? e : new Error(String((e as { message?: string })?.message ?? e)))),
      );
  });
}
