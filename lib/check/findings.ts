/**
 * Static findings on the user's workload, before anything runs: each names the object, the field
 * path, what is wrong and why it matters when init containers run again (after a lost sandbox, a
 * node reboot, a new pod). Pure: the unit tests call it on parsed manifests. The API server's own
 * refusals (server-side dry run) are added by dry-run.ts.
 */
import type { V1Container } from '@kubernetes/client-node';
import type { Workload } from './manifests.js';

export type Severity = 'refused' | 'error' | 'warning';

export interface Finding {
  severity: Severity;
  /** "Deployment/web" */
  object: string;
  /** "spec.template.spec.initContainers[1].livenessProbe" */
  path: string;
  message: string;
  why: string;
}

const FORBIDDEN_ON_PLAIN_INIT = ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'] as const;

/** The shell text of a container's command and args, for the heuristics. */
export function commandText(c: V1Container): string {
  return [...(c.command ?? []), ...(c.args ?? [])].join(' ');
}

/** A loop (`until` / `while` / `for ;;`) in the command, as a shell waits for a dependency. */
const LOOPS = /\b(until|while)\b|\bfor\s*\(\(\s*;\s*;\s*\)\)/;
/** Something that bounds it: `timeout N`, a deadline variable, a counted loop, wget -T / curl --max-time alone do not bound the loop. */
const BOUNDED = /\btimeout\s+\d|\b(deadline|max_?tries|attempts?|retries|tries)\b|\$\(\(\s*\w+\s*[<>+-]/i;

/**
 * `timeout` as the last command of `sh -c`: the shell execs it, it execs the command it bounds, and
 * that command is the container's PID 1, which ignores the SIGTERM `timeout` sends: the bound never
 * fires (seen on kind with busybox: the wait ran through a 20 s outage under `timeout 10`).
 */
export function timeoutAsPid1(c: V1Container): boolean {
  const argv = [...(c.command ?? []), ...(c.args ?? [])];
  const i = argv.findIndex((a) => a === '-c');
  if (i < 0 || !/(^|\/)(ba|a|da)?sh$/.test(argv[0] ?? '')) return false;
  const script = argv[i + 1] ?? '';
  // Quoted text (an inner script) is one word: its own separators do not end the outer command.
  const last = script.replace(/'[^']*'|"[^"]*"/g, 'Q').trim().split(/;|&&|\n/).filter((x) => x.trim()).at(-1)?.trim() ?? '';
  return /^timeout\s/.test(last) && !/-s\s*(KILL|9)\b/.test(last);
}

export function isUnboundedWait(c: V1Container): boolean {
  const text = commandText(c);
  return LOOPS.test(text) && !BOUNDED.test(text);
}

/** An image that is pulled again on every start: tagged :latest, untagged (implicitly :latest), or imagePullPolicy Always. */
export function repullReason(c: V1Container): string | undefined {
  const image = c.image ?? '';
  if (c.imagePullPolicy === 'Always') return `imagePullPolicy: Always`;
  if (image.includes('@')) return undefined; // pinned by digest
  const lastPart = image.split('/').at(-1) ?? '';
  const tag = lastPart.includes(':') ? lastPart.split(':').at(-1) : undefined;
  if (c.imagePullPolicy === 'IfNotPresent' || c.imagePullPolicy === 'Never') return undefined;
  if (!tag) return `image ${image} has no tag (it means :latest, and imagePullPolicy defaults to Always)`;
  if (tag === 'latest') return `image ${image} is tagged :latest (imagePullPolicy defaults to Always)`;
  return undefined;
}

export function staticFindings(w: Workload): Finding[] {
  const object = `${w.kind}/${w.name}`;
  const out: Finding[] = [];
  const spec = w.podSpec;
  // A Job's own activeDeadlineSeconds bounds its pods too.
  const deadline = spec.activeDeadlineSeconds ?? (w.kind === 'Job' ? (w.object.spec as { activeDeadlineSeconds?: number } | undefined)?.activeDeadlineSeconds : undefined);
  (spec.initContainers ?? []).forEach((c, i) => {
    const at = `${w.specPath}.initContainers[${i}]`;
    const sidecar = c.restartPolicy === 'Always';
    if (!sidecar) {
      for (const f of FORBIDDEN_ON_PLAIN_INIT) {
        if (c[f] !== undefined && c[f] !== null) {
          out.push({ severity: 'error', object, path: `${at}.${f}`, message: `${f} on init container ${c.name}, which is not a sidecar (no restartPolicy: Always)`, why: 'the API server refuses the pod ("may not be set for init containers without restartPolicy=Always"): an init container runs to completion, so it is never probed; make it a sidecar or move the probe to the app' });
        }
      }
      if (timeoutAsPid1(c)) {
        out.push({
          severity: 'warning',
          object,
          path: `${at}.command`,
          message: `init container ${c.name} ends its shell script with \`timeout\`: the shell execs it, so what it bounds runs as the container's PID 1`,
          why: 'PID 1 ignores the SIGTERM that `timeout` sends when no handler is installed, so the bound never fires and the wait goes on for ever; put the timeout in an `if` (`if timeout 60 sh -c \'…\'; then …; else exit 1; fi`) or add a command after it',
        });
      }
      if (isUnboundedWait(c) && deadline === undefined) {
        out.push({
          severity: 'warning',
          object,
          path: `${at}.command`,
          message: `init container ${c.name} waits in a loop with no bound (no \`timeout\` around it, and no activeDeadlineSeconds on the pod)`,
          why: 'when the dependency it waits for is gone (a Service deleted, a database down), the pod stays Init:N/M forever and says nothing: no restart, no event, no failure to alert on; bound the wait (`timeout 60 sh -c \'until …; do sleep 1; done\'`) so it fails, restarts with back-off and shows Init:CrashLoopBackOff',
        });
      }
    }
    const repull = repullReason(c);
    if (repull) {
      out.push({ severity: 'warning', object, path: `${at}.${c.imagePullPolicy === 'Always' ? 'imagePullPolicy' : 'image'}`, message: `init container ${c.name}: ${repull}`, why: 'every re-run of the init containers (a lost sandbox, a node reboot, a new pod) pulls the image again: slower recovery, a registry outage blocks it, and a re-run may get other code than the first run did; pin a version or a digest, with imagePullPolicy IfNotPresent' });
    }
    const r = c.resources;
    if (!r || (!Object.keys(r.requests ?? {}).length && !Object.keys(r.limits ?? {}).length)) {
      out.push({ severity: 'warning', object, path: `${at}.resources`, message: `init container ${c.name} has no resources (requests or limits)`, why: 'the pod\'s effective request is the larger of the biggest init container\'s and the sum of the app containers\': without requests the scheduler cannot place the re-run sensibly, and a busy node may OOM-kill it mid-run, which runs it again' });
    }
  });
  return out;
}

export function formatFinding(f: Finding): string {
  const mark = f.severity === 'warning' ? '⚠' : '✘';
  return `${mark} ${f.severity.padEnd(7)} ${f.object} ${f.path}\n    ${f.message}\n    why: ${f.why}`;
}
