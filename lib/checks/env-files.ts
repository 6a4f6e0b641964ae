/**
 * EnvFiles (KEP-3721): an init container writes an env file into an emptyDir and a later
 * container's variable takes its value with `valueFrom.fileKeyRef`. What the kubelet does, read at
 * v1.36.5 pkg/kubelet/kubelet_pods.go makeEnvironmentVariables and pkg/kubelet/util/env/env_util.go
 * ParseEnv: the value is read when the container is created; its syntax changed with the gate's
 * stage (envFileSyntax); a key missing from the file is
 * left out when `optional`, else the container is not created; a file that cannot be opened or
 * parsed stops the container whether or not the key is optional ("couldn't parse env file"). Pure.
 */
import type { Recording } from './recording.js';
import { containerIn, everRan, fail } from './recording.js';

/** `NAME=value` lines the app printed at its start; `<unset>` for a variable it did not have. */
export function envPrinted(appLog: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of appLog.split('\n')) {
    const m = /^env ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) vars.set(m[1]!, m[2]!);
  }
  return vars;
}

export const UNSET = '<unset>';

export type EnvFileSyntax = 'quoted' | 'plain';

/**
 * The syntax the kubelet reads, by its EnvFiles stage: alpha (v1.34.12 ParseEnv) takes KEY=value,
 * with backslash continuations, and keeps quotes as part of the value; beta (v1.35.8, v1.36.5)
 * needs KEY='value' and refuses a file with any other value ("value must be enclosed in single quotes").
 */
export function envFileSyntax(stage: string): EnvFileSyntax {
  return stage === 'ALPHA' ? 'plain' : 'quoted';
}

/** A line of `key` = `value` in that syntax. */
export function envLine(syntax: EnvFileSyntax, key: string, value: string) {
  return syntax === 'quoted' ? `${key}='${value}'` : `${key}=${value}`;
}

/** The other syntax's line for `value`, and what the kubelet makes of it: refused (beta), or read with its quotes (alpha). */
export function otherSyntax(syntax: EnvFileSyntax, key: string, value: string): { line: string; refused: boolean; read?: string } {
  return syntax === 'quoted' ? { line: `${key}=${value}`, refused: true } : { line: `${key}='${value}'`, refused: false, read: `'${value}'` };
}

/** The app ran and saw `name` as `want` (UNSET: without it). */
export function checkEnvSeen(rec: Recording, app: string, appLog: string, name: string, want: string): void {
  if (!everRan(rec.rows, app)) fail(`${app} to run`, `${app} never ran`, rec.rows);
  const got = envPrinted(appLog).get(name);
  if (got === undefined) fail(`${app} to print ${name} at its start`, `no "env ${name}=" line in its log: ${JSON.stringify(appLog.slice(0, 200))}`);
  if (got !== want) fail(`${app} to see ${name}=${want === UNSET ? '(unset)' : want}`, `${name}=${got === UNSET ? '(unset)' : got}`);
}

/**
 * The kubelet did not create `app`: it waited with reason CreateContainerConfigError, never ran,
 * and the waiting message (from the pod's last status) says why, matching `why`.
 */
export function checkNotCreated(rec: Recording, app: string, waitingMessage: string | undefined, why: RegExp): void {
  if (everRan(rec.rows, app)) fail(`${app} never to run`, `${app} ran`, rec.rows);
  const reasons = [...new Set(rec.rows.map((r) => containerIn(r, app)).filter((c) => c?.state === 'waiting').map((c) => c!.reason ?? ''))];
  if (!reasons.includes('CreateContainerConfigError')) fail(`${app} waiting with reason CreateContainerConfigError`, `waiting reasons seen: ${reasons.join(', ') || 'none'}`, rec.rows.slice(-5));
  if (!waitingMessage || !why.test(waitingMessage)) fail(`the waiting message to match ${why}`, waitingMessage ?? 'no message');
}
