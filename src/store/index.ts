/** The .mtree tree file: atomic writers, an O(1)-open random-access reader, integrity checks. */
export {
  FORMAT_VERSION,
  HEADER_SIZE,
  kLeafModes,
  type LeafMode,
  type LevelEntry,
  type SourceIdentity,
  type TreeFileHeader,
  type TreeFileMeta,
} from './format.js';
export { createTreeFileWriter, writeTreeFile, type TreeFileWriter, type TreeFileWriterOptions } from './writer.js';
export { openTreeFile, type OpenTreeFileOptions, type TreeFileReader } from './reader.js';
export { checkSource, sourceIdentityOf } from './source.js';
