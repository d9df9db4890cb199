// Pull progress for the terminal: on a TTY a bar per layer and one for the total (cli-progress's
// MultiBar, the most used Node progress library, redraws in place); otherwise one line per event.

import type { SingleBar } from 'cli-progress';
import type { PullEvent } from '../image/pull.js';
import { formatSize } from './image-env.js';

export interface PullProgress {
  onProgress(event: PullEvent): void;
  stop(): void;
}

const short = (digest: string) => digest.slice(7, 19);

export function plainProgress(write: (line: string) => void): PullProgress {
  return {
    onProgress(event) {
      if (event.type === 'resolved')
        write(`${event.name}: resolved ${event.digest} (${event.platform}, ${event.packaging})`);
      else if (event.type === 'blob') {
        const what =
          event.status === 'exists'
            ? 'Already exists'
            : event.status === 'downloading'
              ? `Downloading ${formatSize(event.size)}`
              : 'Pull complete';
        write(`${short(event.digest)}: ${what}`);
      }
    },
    stop() {},
  };
}

export async function ttyProgress(stream: NodeJS.WriteStream): Promise<PullProgress> {
  const { MultiBar, Presets } = await import('cli-progress');
  const multi = new MultiBar(
    {
      stream,
      hideCursor: true,
      clearOnComplete: false,
      format: '{id}: {bar} {done}/{size} {status}',
      barsize: 30,
      autopadding: true,
    },
    Presets.shades_classic,
  );
  const bars = new Map<string, SingleBar>();
  let total: SingleBar | undefined;
  let totalBytes = 0;
  let doneBytes = 0;
  let stopped = false;
  const payload = (done: number, size: number, status: string) => ({
    done: formatSize(done),
    size: formatSize(size),
    status,
  });
  return {
    onProgress(event) {
      if (event.type === 'blob' && event.role === 'layer') {
        if (event.status === 'downloading') {
          totalBytes += event.size;
          bars.set(
            event.digest,
            multi.create(event.size, 0, {
              id: short(event.digest),
              ...payload(0, event.size, 'Downloading'),
            }),
          );
          total ??= multi.create(1, 0, { id: 'total       ', ...payload(0, 0, '') });
          total.setTotal(totalBytes);
          total.update(doneBytes, payload(doneBytes, totalBytes, ''));
        } else if (event.status === 'exists') {
          multi.create(1, 1, {
            id: short(event.digest),
            ...payload(event.size, event.size, 'Already exists'),
          });
        } else {
          const bar = bars.get(event.digest);
          bar?.update(event.size, payload(event.size, event.size, 'Pull complete'));
        }
      } else if (event.type === 'bytes') {
        const bar = bars.get(event.digest);
        if (!bar) return;
        doneBytes += event.bytes;
        const value = bar.getProgress() * bar.getTotal() + event.bytes;
        bar.update(value, payload(value, bar.getTotal(), 'Downloading'));
        total?.update(doneBytes, payload(doneBytes, totalBytes, ''));
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      multi.stop();
    },
  };
}
