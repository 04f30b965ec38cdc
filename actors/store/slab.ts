// Values loaded at startup, packed into shared slabs.

const encoder = new TextEncoder();

/** Every slab by its buffer: an entry keeps the slab and an offset, not a view of its own. */
const slabs = new WeakMap<ArrayBufferLike, Uint8Array>();

/**
 * The byte a slab holds after each value: values load in key order, so a page of a list is
 * most often values lying next to each other in one slab, and with their separators between them
 * it is one slice of it, copied at once (listBytes in respond.ts).
 */
export const SLAB_SEPARATOR = 0x2c;

/** The whole slab `view` lies in, if it lies in one. */
export function slabOf(view: Uint8Array): Uint8Array | undefined {
  return slabs.get(view.buffer);
}

/**
 * Copies loaded values into shared slabs. Each value a SQLite row hands back is
 * a Buffer with its own ArrayBuffer and backing store, about 250 bytes of
 * bookkeeping on a 300-byte ConfigMap; a CachedEntry (resource-cache.ts) keeps only the slab and
 * an offset into it, and makes a view when its bytes are asked for.
 * A slab lives while any entry or view in it does, so values replaced after startup
 * can keep at most the loaded size alive, never more.
 */
export class SlabPacker {
  private slab = new Uint8Array(0);
  private used = 0;

  constructor(private readonly slabBytes = 256 * 1024) {}

  /**
   * The UTF-8 bytes of `text`, written straight into a slab (no Buffer of its own, ever) and followed
   * there by SLAB_SEPARATOR; the view is for the moment only.
   */
  packText(text: string): Uint8Array {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit; the separator one more.
    const worst = text.length * 3 + 1;
    if (worst > this.slabBytes / 4) return encoder.encode(text);
    if (this.used + worst > this.slab.byteLength) {
      this.slab = new Uint8Array(this.slabBytes);
      slabs.set(this.slab.buffer, this.slab);
      this.used = 0;
    }
    const { written } = encoder.encodeInto(text, this.slab.subarray(this.used));
    const view = this.slab.subarray(this.used, this.used + written);
    this.slab[this.used + written] = SLAB_SEPARATOR;
    this.used += written + 1;
    return view;
  }
}

