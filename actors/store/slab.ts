// Values loaded at startup, packed into shared slabs.

const encoder = new TextEncoder();

/**
 * Copies loaded values into shared slabs. Each value a SQLite row hands back is
 * a Buffer with its own ArrayBuffer and backing store, about 250 bytes of
 * bookkeeping on a 300-byte ConfigMap; a view into a slab costs only the view.
 * A slab lives while any of its views does, so values replaced after startup
 * can keep at most the loaded size alive, never more.
 */
export class SlabPacker {
  private slab = new Uint8Array(0);
  private used = 0;

  constructor(private readonly slabBytes = 256 * 1024) {}

  /** The UTF-8 bytes of `text`, written straight into a slab (no Buffer of its own, ever). */
  packText(text: string): Uint8Array {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    const worst = text.length * 3;
    if (worst > this.slabBytes / 4) return encoder.encode(text);
    if (this.used + worst > this.slab.byteLength) {
      this.slab = new Uint8Array(this.slabBytes);
      this.used = 0;
    }
    const { written } = encoder.encodeInto(text, this.slab.subarray(this.used));
    const view = this.slab.subarray(this.used, this.used + written);
    this.used += written;
    return view;
  }
}

