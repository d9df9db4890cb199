// `wasmbox images`: lists pulled images (repository, tag, digest, size, created).

import type { Command } from 'commander';
import { recordAnnotations } from '../content/store.js';
import { imageSize } from '../image/images.js';
import { familiarName } from '../reference/reference.js';
import { formatAge, formatSize, openImageEnv } from './image-env.js';
import type { VerbContext } from './main.js';

interface ImagesFlags {
  quiet?: boolean;
  format?: string;
}

/** Splits `domain/repo:tag@digest` into docker's REPOSITORY and TAG columns. */
function splitName(name: string): { repository: string; tag: string } {
  const at = name.indexOf('@');
  const base = at === -1 ? name : name.slice(0, at);
  const colon = base.lastIndexOf(':');
  if (colon > base.lastIndexOf('/')) return { repository: base.slice(0, colon), tag: base.slice(colon + 1) };
  return { repository: base, tag: '<none>' };
}

export function registerImages(program: Command, ctx: VerbContext): void {
  program
    .command('images')
    .description('list the images in the local store')
    .option('-q, --quiet', 'print only manifest digests')
    .option('--format <json>', 'output format: "json" for one JSON object per line')
    .action(async (flags: ImagesFlags) => {
      const { store } = await openImageEnv();
      const now = Date.now();
      const rows = [];
      for (const record of (await store.listImages()).sort((a, b) => a.name.localeCompare(b.name))) {
        const { repository, tag } = splitName(record.name);
        rows.push({
          repository: familiarName(repository),
          tag,
          digest: record.digest,
          size: await imageSize(store, record),
          created: record.annotations[recordAnnotations.created],
          platform: record.annotations[recordAnnotations.platform] ?? '',
        });
      }
      if (flags.quiet) {
        for (const row of rows) process.stdout.write(`${row.digest}\n`);
      } else if (flags.format === 'json') {
        for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`);
      } else {
        const table = [
          ['REPOSITORY', 'TAG', 'DIGEST', 'SIZE', 'CREATED'],
          ...rows.map((r) => [
            r.repository,
            r.tag,
            r.digest.slice(7, 19),
            formatSize(r.size),
            formatAge(r.created, now),
          ]),
        ];
        const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
        for (const row of table)
          process.stdout.write(
            `${row
              .map((c, i) => c.padEnd(widths[i]! + 3))
              .join('')
              .trimEnd()}\n`,
          );
      }
      ctx.setExit(0);
    });
}
