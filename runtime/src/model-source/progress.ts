export type ModelSourceLog = (event: Record<string, unknown>) => void;

export interface ProgressReporter {
  update(downloadedBytes: number, totalBytes?: number): void;
  /** Logs the final line and returns the average speed in MB/s. */
  finish(downloadedBytes: number): number;
}

const REPORT_EVERY_PERCENT = 10;
const REPORT_AT_LEAST_EVERY_MS = 5_000;

/**
 * Turns a stream of byte counts into a few log lines (every 10 % or 5 s, whichever comes first), so a
 * 1 GB download writes about ten lines instead of thousands.
 */
export function createProgressReporter(log: ModelSourceLog, fields: Record<string, unknown>, totalBytes = 0): ProgressReporter {
  const startedAt = Date.now();
  let total = totalBytes;
  let lastReportAt = startedAt;
  let lastReportedStep = -1;

  const mbPerSecond = (bytes: number): number => {
    const seconds = Math.max((Date.now() - startedAt) / 1000, 0.001);
    return Math.round((bytes / 1e6 / seconds) * 10) / 10;
  };

  return {
    update(downloadedBytes, totalBytesNow) {
      if (totalBytesNow !== undefined && totalBytesNow > 0) total = totalBytesNow;
      const percent = total > 0 ? Math.min(100, (downloadedBytes / total) * 100) : undefined;
      const step = percent === undefined ? lastReportedStep : Math.floor(percent / REPORT_EVERY_PERCENT);
      const now = Date.now();
      if (step <= lastReportedStep && now - lastReportAt < REPORT_AT_LEAST_EVERY_MS) return;
      lastReportedStep = step;
      lastReportAt = now;
      log({
        event: 'model_download_progress',
        ...fields,
        downloadedBytes,
        totalBytes: total || undefined,
        percent: percent === undefined ? undefined : Math.floor(percent),
        mbPerSecond: mbPerSecond(downloadedBytes),
      });
    },
    finish(downloadedBytes) {
      const speed = mbPerSecond(downloadedBytes);
      log({
        event: 'model_download_complete',
        ...fields,
        bytes: downloadedBytes,
        seconds: Math.round((Date.now() - startedAt) / 100) / 10,
        mbPerSecond: speed,
      });
      return speed;
    },
  };
}

/** A URL fit for logs and error messages: no query string (it may carry a signature or token), no credentials. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    const hadQuery = parsed.search !== '';
    parsed.search = '';
    parsed.hash = '';
    return parsed.toString() + (hadQuery ? '?…' : '');
  } catch {
    return url.replace(/\?.*$/, '?…');
  }
}
