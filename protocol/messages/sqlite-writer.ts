// What crosses between the SQLite revision log (actors/store/sqlite-log.ts, on
// the main thread) and its writer thread (actors/store/sqlite-writer.ts).
//
// The log sends:                          the writer answers:
//   writer.append  a batch of rows,         writer.committed  every row up to `through` is durable
//                  in revision order        writer.failed     the transaction holding rows up to `through` rolled back
//   writer.compact start compacting         writer.compacted  compaction to `target` is done (or failed: `message`)
//   writer.close   commit, then stop        writer.closed     the file is closed
//
// Every message is one msgpackr buffer. Both ends build their Packr from the
// same list of record structures, so a batch of rows carries no key names;
// a shape not on the list is encoded inline, not shared.

import { Packr } from 'msgpackr';

/** One change, as the log's table stores it: the id is the revision. */
export interface WriterRow {
  id: number;
  name: string;
  created: 0 | 1;
  deleted: 0 | 1;
  value: Uint8Array;
}

export type ToWriter =
  | { type: 'writer.append'; rows: WriterRow[] }
  | { type: 'writer.compact'; target: number }
  | { type: 'writer.close' };

export type FromWriter =
  | { type: 'writer.committed'; through: number }
  | { type: 'writer.failed'; through: number; message: string }
  | { type: 'writer.compacted'; target: number; message?: string }
  | { type: 'writer.closed' };

/** What the writer thread is started with (its workerData). */
export interface WriterData {
  path: string;
}

const SHARED_STRUCTURES: string[][] = [
  ['type', 'rows'],
  ['id', 'name', 'created', 'deleted', 'value'],
  ['type', 'through'],
  ['type', 'through', 'message'],
  ['type', 'target'],
];

/** One end's codec: packs what it sends and unpacks what it receives. */
export function writerCodec(): { pack(message: ToWriter | FromWriter): Uint8Array; unpack<T extends ToWriter | FromWriter>(bytes: Uint8Array): T } {
  const packr = new Packr({ structures: SHARED_STRUCTURES.map((s) => [...s]), maxSharedStructures: SHARED_STRUCTURES.length });
  return {
    // pack() answers a view of msgpackr's reused buffer: copy it out before it is posted.
    pack: (message) => Uint8Array.prototype.slice.call(packr.pack(message)),
    unpack: <T extends ToWriter | FromWriter>(bytes: Uint8Array) => packr.unpack(bytes) as T,
  };
}
