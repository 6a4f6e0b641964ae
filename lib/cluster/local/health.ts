/**
 * Readiness checks used while the embedded cluster starts. These poll a component's own health
 * endpoint (a process that is starting has nothing to watch yet) and give up early when the
 * process has exited.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { execa } from 'execa';
import https from 'node:https';
import { InitcError } from '../../errors.js';
import type { ProcessRecord } from './processes.js';
import { sleep } from '../../util/time.js';
import { describeFailure, isRunning } from './processes.js';

export interface TlsClient {
  ca?: string;
  cert?: string;
  key?: string;
  /** Components serving a self-signed certificate (controller-manager, scheduler) are checked without verification. */
  insecure?: boolean;
}

/**
 * GET `url`, resolving to the HTTP status (0 when nothing answered). With `netns` (a file under
 * /run/netns) the request is made from inside that network namespace, by curl under nsenter: a
 * component listening on the namespace's loopback cannot be reached from the host otherwise.
 */
export function httpStatus(url: string, tls: TlsClient = {}, { timeoutMs = 2000, netns }: { timeoutMs?: number; netns?: string } = {}): Promise<number> {
  if (netns) return curlStatus(netns, url, tls, timeoutMs);
  return new Promise((resolve) => {
    const isHttps = url.startsWith('https:');
    const options: https.RequestOptions = { timeout: timeoutMs };
    if (isHttps) {
      if (tls.ca) options.ca = readFileSync(tls.ca);
      if (tls.cert) options.cert = readFileSync(tls.cert);
      if (tls.key) options.key = readFileSync(tls.key);
      options.rejectUnauthorized = !tls.insecure;
    }
    const req = (isHttps ? https : http).get(url, options, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** The curl command line of httpStatus inside a namespace. Pure. */
export function curlArgv(netns: string, url: string, tls: TlsClient, timeoutMs: number): string[] {
  const auth = url.startsWith('https:')
    ? [...(tls.insecure ? ['--insecure'] : []), ...(tls.ca ? ['--cacert', tls.ca] : []), ...(tls.cert ? ['--cert', tls.cert] : []), ...(tls.key ? ['--key', tls.key] : [])]
    : [];
  return ['nsenter', `--net=${netns}`, '--', 'curl', '--silent', '--output', '/dev/null', '--write-out', '%{http_code}', '--max-time', String(timeoutMs / 1000), ...auth, url];
}

async function curlStatus(netns: string, url: string, tls: TlsClient, timeoutMs: number): Promise<number> {
  const [file, ...args] = curlArgv(netns, url, tls, timeoutMs);
  const r = await execa(file!, args, { reject: false, timeout: timeoutMs + 3000 });
  const code = Number(String(r.stdout ?? '').trim());
  return Number.isInteger(code) ? code : 0;
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Fail at once, with its log, when this process is gone. */
  process?: ProcessRecord;
  intervalMs?: number;
}

/** Polls `check` until it is true; throws a componentFailed error naming the process and its log otherwise. */
export async function waitUntil(what: string, check: () => Promise<boolean>, o: WaitOptions): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    if (o.signal?.aborted) throw new InitcError('interrupted', `interrupted while waiting for ${what}`);
    if (await check().catch(() => false)) return;
    if (o.process && !(await isRunning(o.process))) {
      throw new InitcError('componentFailed', `${what}: ${await describeFailure(o.process)}`);
    }
    if (Date.now() > deadline) {
      const detail = o.process ? await describeFailure(o.process) : 'no answer';
      throw new InitcError('componentFailed', `${what} not ready after ${Math.round(o.timeoutMs / 1000)}s: ${detail}`);
    }
    await sleep(o.intervalMs ?? 100);
  }
}
