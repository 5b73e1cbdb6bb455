/**
 * Progress of long work on stderr, one bar per step: redrawn in place on a terminal (at most ten
 * times a second), otherwise a plain line at each tenth of the step and at its end, so a log file
 * stays short. Never writes to stdout, which belongs to the table or the JSON document.
 */
export function createProgress(stream: NodeJS.WriteStream = process.stderr) {
  const tty = Boolean(stream.isTTY);
  let step: string | undefined;
  let lastDraw = 0;
  let lastTenth = -1;
  const width = 30;

  const endLine = () => {
    if (tty && step !== undefined) stream.write('\n');
  };

  return {
    update(name: string, done: number, total: number): void {
      if (name !== step) {
        endLine();
        step = name;
        lastDraw = 0;
        lastTenth = -1;
      }
      const fraction = total > 0 ? Math.min(1, done / total) : 1;
      const finished = done >= total;
      if (tty) {
        const now = performance.now();
        if (!finished && now - lastDraw < 100) return;
        lastDraw = now;
        const filled = Math.round(fraction * width);
        stream.write(`\r${name.padEnd(12)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${done}/${total}\u001b[K`);
        return;
      }
      const tenth = Math.floor(fraction * 10);
      if (tenth === lastTenth && !finished) return;
      if (finished && lastTenth === 10) return;
      lastTenth = finished ? 10 : tenth;
      stream.write(`${name}: ${done}/${total}\n`);
    },
    /** Ends the bar being drawn, before anything else is written. */
    finish(): void {
      endLine();
      step = undefined;
    },
  };
}
