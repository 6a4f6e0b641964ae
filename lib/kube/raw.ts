/**
 * Plain HTTPS requests to the API server with the kubeconfig's credentials, for what the generated
 * client cannot ask: a different Accept (server-side Table), and a watch whose events we parse
 * ourselves.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    readonly body: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function open(kc: KubeConfig, method: string, apiPath: string, accept: string, body?: unknown, signal?: AbortSignal, contentType = 'application/json'): Promise<http.IncomingMessage> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(apiPath, server);
  const opts: https.RequestOptions = {
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port,
    path: `${url.pathname}${url.search}`,
    headers: { Accept: accept, ...(body === undefined ? {} : { 'Content-Type': contentType }) },
    signal,
  };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request(opts, resolve);
    req.on('error', reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

async function readAll(res: http.IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of res) text += chunk;
  return text;
}

/** One request; resolves with the parsed JSON body, rejects with ApiError on a non-2xx status. `contentType`: e.g. application/merge-patch+json for a PATCH. */
export async function requestJson<T>(kc: KubeConfig, method: string, apiPath: string, opts: { accept?: string; body?: unknown; contentType?: string } = {}): Promise<T> {
  const res = await open(kc, method, apiPath, opts.accept ?? 'application/json', opts.body, undefined, opts.contentType);
  const text = await readAll(res);
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  const code = res.statusCode ?? 0;
  if (code < 200 || code >= 300) {
    const msg = (parsed as { message?: string })?.message ?? text.slice(0, 300);
    throw new ApiError(`${method} ${apiPath}: HTTP ${code}: ${msg}`, code, parsed);
  }
  return parsed as T;
}

/** One GET of a plain-text resource (a component's /metrics through the API server); rejects with ApiError on a non-2xx status. */
export async function requestText(kc: KubeConfig, apiPath: string): Promise<string> {
  const res = await open(kc, 'GET', apiPath, 'text/plain, */*');
  const text = await readAll(res);
  const code = res.statusCode ?? 0;
  if (code < 200 || code >= 300) throw new ApiError(`GET ${apiPath}: HTTP ${code}: ${text.slice(0, 300)}`, code, text);
  return text;
}

/** A streamed response read line by line (a watch, a followed log); resolves when the server ends it. */
export async function streamLines(kc: KubeConfig, apiPath: string, accept: string, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
  const res = await open(kc, 'GET', apiPath, accept, undefined, signal);
  if ((res.statusCode ?? 0) !== 200) {
    const text = await readAll(res);
    throw new ApiError(`GET ${apiPath}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`, res.statusCode ?? 0, text);
  }
  let buffered = '';
  try {
    for await (const chunk of res) {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        onLine(line);
      }
    }
    if (buffered) onLine(buffered);
  } catch (err) {
    if (!signal.aborted) throw err;
  }
}

/** A watch: calls `onEvent` per event of the response; resolves when the server ends the stream. */
export function watchStream(
  kc: KubeConfig,
  apiPath: string,
  accept: string,
  onEvent: (event: { type: string; object: any }) => void,
  signal: AbortSignal,
): Promise<void> {
  return streamLines(kc, apiPath, accept, (line) => {
    if (line.trim()) onEvent(JSON.parse(line));
  }, signal);
}
