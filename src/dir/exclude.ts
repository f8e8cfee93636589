/**
 * --exclude patterns, as in .gitignore's simple cases: `*` matches within one path segment, `?`
 * one character, `**` any number of whole segments. A pattern without `/` matches an entry's
 * name at any depth (`*.tmp`, `.git`); one with `/` matches the whole relative path
 * (`build/**`, `logs/*.log`). A matching directory is not entered.
 */
import { InputError } from '../errors.js';

export type Excluder = (relativePath: string, name: string) => boolean;

function segmentPattern(glob: string): string {
  let out = '';
  for (const char of glob) {
    if (char === '*') out += '[^/]*';
    else if (char === '?') out += '[^/]';
    else out += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return out;
}

function patternRegex(pattern: string): RegExp {
  const segments = pattern.split('/');
  let source = '';
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '**') source += last ? '.*' : '(?:[^/]+/)*';
    else source += segmentPattern(segment) + (last ? '' : '/');
  });
  return new RegExp(`^${source}$`);
}

/** excluderOf compiles patterns (none: undefined, nothing excluded); an empty or absolute pattern is refused by name. */
export function excluderOf(patterns: readonly string[]): Excluder | undefined {
  if (patterns.length === 0) return undefined;
  const byName: RegExp[] = [];
  const byPath: RegExp[] = [];
  for (const pattern of patterns) {
    if (typeof pattern !== 'string' || pattern === '' || pattern.startsWith('/')) {
      throw new InputError(`exclude pattern ${JSON.stringify(pattern)} must be a non-empty relative pattern`);
    }
    const trimmed = pattern.endsWith('/') ? pattern.slice(0, -1) : pattern;
    (trimmed.includes('/') ? byPath : byName).push(patternRegex(trimmed));
  }
  return (relativePath, name) => byName.some((r) => r.test(name)) || byPath.some((r) => r.test(relativePath));
}
