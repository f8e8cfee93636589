/**
 * The CLI's standard output, and whether standard error is a terminal, without creating
 * `process.stdout` or `process.stderr` unless they are needed.
 *
 * Why: on a pipe, `process.stdout` is a net.Socket; creating it loads node:net and Node's
 * stream modules, about 4 ms of every command's start (a 1 GiB build takes ~0.2 s, a proof
 * lookup a few ms), to print one line. Node writes to pipes and files synchronously on Linux
 * anyway, so `fs.writeSync` on fd 1 keeps the same order and back-pressure.
 */
import { fstatSync, writeSync } from 'node:fs';

/** Set once a write had to go through process.stdout: later ones follow it there, in order. */
let viaStream = false;
/** Where writeOut sends text instead of fd 1 while withOutputTo runs. */
let capture: ((text: string) => void) | undefined;

/**
 * withOutputTo runs `run` with the CLI's standard output handed to `sink` (the bench runs
 * `merkle build -` in its own process to measure that build's peak memory, and reads the
 * command's --json output this way).
 */
export async function withOutputTo<T>(sink: (text: string) => void, run: () => Promise<T>): Promise<T> {
  capture = sink;
  try {
    return await run();
  } finally {
    capture = undefined;
  }
}

/**
 * writeOut writes `text` to standard output. A reader that stops early (`merkle backends |
 * head`) is not an error: the process ends quietly with its exit code so far. A non-blocking
 * stdout that is full (EAGAIN: a parent set O_NONBLOCK on a shared pipe) hands the rest to
 * process.stdout, which waits for the pipe.
 */
export function writeOut(text: string): void {
  if (capture) {
    capture(text);
    return;
  }
  if (viaStream) {
    process.stdout.write(text);
    return;
  }
  const bytes = Buffer.from(text, 'utf8');
  let done = 0;
  try {
    while (done < bytes.length) done += writeSync(1, bytes, done, bytes.length - done);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') endIfReaderGone(error);
    viaStream = true;
    process.stdout.on('error', endIfReaderGone);
    process.stdout.write(bytes.subarray(done));
  }
}

/** endIfReaderGone ends the process quietly on EPIPE (the reader stopped early); any other error is thrown. */
function endIfReaderGone(error: unknown): never {
  if ((error as NodeJS.ErrnoException).code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
}

/**
 * stderrIsTerminal says whether standard error is a terminal. A cheap fstat first: only a
 * character device can be one, and for anything else (a pipe, a file: scripts, CI, benches)
 * process.stderr is never created here.
 */
export function stderrIsTerminal(): boolean {
  try {
    if (!fstatSync(2).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return process.stderr.isTTY === true;
}
