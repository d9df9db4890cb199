// A pull's events on a transfer view (transfer-view.ts), in docker pull's words.

import type { PullEvent } from '../image/pull.js';
import type { TransferView } from './transfer-view.js';

export function showPull(view: TransferView): (event: PullEvent) => void {
  return (event) => {
    if (event.type === 'resolved') {
      view.note(`${event.name}: resolved ${event.digest} (${event.platform}, ${event.packaging})`);
    } else if (event.type === 'bytes') {
      view.advance(event.digest, event.bytes);
    } else if (event.status === 'downloading') {
      view.start(event.digest, event.size, 'Downloading');
    } else {
      view.finish(event.digest, event.size, event.status === 'exists' ? 'Already exists' : 'Pull complete');
    }
  };
}
