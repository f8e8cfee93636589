export * from './profile.js';
export * from './hasher.js';
export * from './levels.js';
export * from './build.js';
export * from './proof.js';
