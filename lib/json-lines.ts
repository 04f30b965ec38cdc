// Watch streams are newline-delimited JSON that arrives in arbitrary chunks:
// this keeps the partial last line and hands back each complete value.

export class JsonLines<T> {
  private pending = '';

  /** The values completed by `text`, in order; blank lines (a watch's header flush) are skipped. */
  push(text: string): T[] {
    this.pending += text;
    const values: T[] = [];
    let newline: number;
    while ((newline = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, newline).trim();
      this.pending = this.pending.slice(newline + 1);
      if (line) values.push(JSON.parse(line) as T);
    }
    return values;
  }

  /** Whether everything received so far has been handed back. */
  get drained(): boolean {
    return this.pending === '';
  }
}
