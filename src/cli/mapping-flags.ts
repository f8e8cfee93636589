/** The --mmap / --no-mmap flags of the commands that hash files (build, worker). */
import { UsageError } from '../errors.js';
import type { MappingChoice } from '../io/mapped-file.js';

/** mappingChoice reads --mmap / --no-mmap; neither gives undefined, the library's 'auto'. */
export function mappingChoice(values: { readonly mmap?: unknown; readonly 'no-mmap'?: unknown }): MappingChoice | undefined {
  if (values.mmap && values['no-mmap']) throw new UsageError('--mmap and --no-mmap exclude each other');
  return values.mmap ? true : values['no-mmap'] ? false : undefined;
}
