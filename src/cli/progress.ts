/**
 * A one-line progress bar on stderr: bytes done of total, MB/s and time left. Redrawn at most
 * every 100 ms; cleared when done, so stdout (the root) stays clean for scripts.
 */
const kRedrawMs = 100;
const kBarWidth = 24;

function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export interface ProgressBar {
  /** `note` is shown after the rate (e.g. a queued build's segments and workers). */
  update(progress: { bytesDone: number; bytesTotal: number }, note?: string): void;
  done(): void;
}

/** createProgressBar draws on `stream` (a TTY). */
export function createProgressBar(stream: NodeJS.WriteStream): ProgressBar {
  const started = Date.now();
  let lastDraw = 0;
  let drawn = false;
  return {
    update({ bytesDone, bytesTotal }, note) {
      const now = Date.now();
      if (now - lastDraw < kRedrawMs && bytesDone < bytesTotal) return;
      lastDraw = now;
      const fraction = bytesTotal > 0 ? Math.min(1, bytesDone / bytesTotal) : 1;
      const filled = Math.round(fraction * kBarWidth);
      const seconds = (now - started) / 1000;
      const rate = seconds > 0 ? bytesDone / seconds : 0;
      const eta = rate > 0 ? (bytesTotal - bytesDone) / rate : Infinity;
      const line =
        `[${'#'.repeat(filled)}${'-'.repeat(kBarWidth - filled)}] ${formatBytes(bytesDone)} / ${formatBytes(bytesTotal)}` +
        `  ${(rate / 1e6).toFixed(0)} MB/s  ETA ${formatSeconds(eta)}${note ? `  ${note}` : ''}`;
      stream.write(`\r${line}\x1b[K`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
