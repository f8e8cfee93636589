/**
 * The options of who may talk to a sync server, shared by `serve`, `kv serve`, `sync` and
 * `kv sync`: TLS files, a token file (read here, never printed), and `--insecure`.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { ServerAccess } from '../sync/http.js';
import type { PeerAccess } from '../sync/transport.js';

type Values = Record<string, string | boolean | undefined>;

export const kServeAccessOptions = {
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'token-file': { type: 'string' },
  insecure: { type: 'boolean' },
} as const;

export const kServeAccessHelp = `  --tls-cert FILE --tls-key FILE
                serve HTTPS only, with this PEM certificate (chain) and private key
  --token-file FILE
                require "Authorization: Bearer TOKEN" on every request (TOKEN: the file's
                content, one line); required for a --host other than loopback
  --insecure    serve a non-loopback --host without a token (anyone who reaches it reads it all)
`;

export const kSyncAccessOptions = {
  ca: { type: 'string' },
  'token-file': { type: 'string' },
} as const;

export const kSyncAccessHelp = `  --ca FILE     PEM certificate(s) an https:// peer's certificate must chain to (default:
                the system's authorities)
  --token-file FILE
                send the token in FILE (one line) as "Authorization: Bearer TOKEN"
`;

function readOption(values: Values, name: string): Buffer | undefined {
  const path = values[name];
  if (path === undefined) return undefined;
  if (typeof path !== 'string' || path === '') throw new InputError(`--${name} takes a file path`);
  try {
    return readFileSync(path);
  } catch (error) {
    throw new InputError(`--${name} ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
  }
}

/** The token in --token-file: its one line, without the line end. The message never shows it. */
function tokenOf(values: Values): string | undefined {
  const bytes = readOption(values, 'token-file');
  if (bytes === undefined) return undefined;
  const token = bytes.toString('utf8').replace(/\r?\n$/, '');
  if (token.length === 0) throw new InputError(`--token-file ${String(values['token-file'])}: the file is empty`);
  if (/[\r\n]/.test(token) || !/^[\x21-\x7e]+$/.test(token)) {
    throw new InputError(`--token-file ${String(values['token-file'])}: a token is one line of printable ASCII without spaces`);
  }
  return token;
}

export function serverAccessOf(values: Values): ServerAccess {
  const cert = readOption(values, 'tls-cert');
  const key = readOption(values, 'tls-key');
  if ((cert === undefined) !== (key === undefined)) throw new InputError('--tls-cert and --tls-key go together');
  return { tls: cert && key ? { cert, key } : undefined, token: tokenOf(values), insecure: values.insecure === true };
}

export function peerAccessOf(values: Values): PeerAccess {
  return { ca: readOption(values, 'ca'), token: tokenOf(values) };
}
