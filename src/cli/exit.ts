/** Exit codes and error reporting: the one place errors become a line on stderr and a code. */
import { MerkleError, ProofError } from '../errors.js';

export const EXIT_OK = 0;
/** A proof did not verify, or trees differ. */
export const EXIT_FAILED = 1;
/** Usage or input error. */
export const EXIT_USAGE = 2;


/** exitCodeFor maps an error to the exit code the CLI contract gives it. */
export function exitCodeFor(error: unknown): number {
  return error instanceof ProofError ? EXIT_FAILED : EXIT_USAGE;
}

/** describeError is the one-line message for stderr. */
export function describeError(error: unknown): string {
  if (error instanceof MerkleError) return error.message;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  // parseArgs reports unknown options and bad values with codes like ERR_PARSE_ARGS_UNKNOWN_OPTION.
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return (error as Error).message;
  if (error instanceof Error) return `${error.message}${code ? ` (${code})` : ''}`;
  return String(error);
}
