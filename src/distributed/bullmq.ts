/**
 * BullMQ, loaded on first use: ordinary builds never load it (nor ioredis with it). require(),
 * not import(), for the reason pool.ts gives for piscina: both are CommonJS, and the `merkle`
 * command is a CommonJS bundle in which bullmq stays external (scripts/bundle.mjs).
 */
import { createRequire } from 'node:module';

export type BullMQ = typeof import('bullmq');

let loaded: BullMQ | undefined;

export function bullmq(): BullMQ {
  loaded ??= createRequire(import.meta.url)('bullmq') as BullMQ;
  return loaded;
}
