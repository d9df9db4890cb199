// `wasmbox tag SOURCE TARGET`: a second name for a local image (no blob is copied).

import type { Command } from 'commander';
import { RuntimeError } from '../errors.js';
import { findImage } from '../image/images.js';
import { openNodeStore } from '../platform/node/images.js';
import { formatReference, parseReference } from '../reference/reference.js';
import type { VerbContext } from './main.js';

export function registerTag(program: Command, ctx: VerbContext): void {
  program
    .command('tag')
    .description('give a local image another name')
    .argument('<source>', 'name or manifest digest of a local image')
    .argument('<target>', 'the new name, NAME[:TAG]')
    .action(async (source: string, target: string) => {
      const store = openNodeStore(process.env);
      const record = await findImage(store, source);
      if (!record) throw new RuntimeError('ERR_NOT_FOUND', `image ${source} is not in the local store`);
      const ref = parseReference(target);
      if (ref.transport !== 'registry' || ref.digest) {
        throw new RuntimeError(
          'ERR_INVALID_ARGUMENT',
          `${target}: a tag is NAME[:TAG], not a digest or a layout`,
        );
      }
      await store.putImage({ ...record, name: formatReference(ref) });
      ctx.setExit(0);
    });
}
