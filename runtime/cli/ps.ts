// `wasmbox ps [-a]`: lists kept containers like docker ps (CONTAINER ID, IMAGE, COMMAND, CREATED,
// STATUS, NAMES), newest first.

import type { Command } from 'commander';
import type { ContainerRecord } from '../container/record.js';
import { openNodeContainers } from '../platform/node/containers.js';
import { familiarName } from '../reference/reference.js';
import type { VerbContext } from './main.js';

interface PsFlags {
  all?: boolean;
  quiet?: boolean;
  trunc: boolean;
}

export function registerPs(program: Command, ctx: VerbContext): void {
  program
    .command('ps')
    .description('list containers (kept with run --name); -a includes exited ones')
    .option('-a, --all', 'show all containers (default: only running ones)')
    .option('-q, --quiet', 'print only container ids')
    .option('--no-trunc', 'do not truncate ids and commands')
    .action(async (flags: PsFlags) => {
      const now = Date.now();
      const warn = (message: string) => process.stderr.write(`wasmbox: warning: ${message}\n`);
      const records = (await openNodeContainers(process.env, warn).list())
        .filter((r) => flags.all || r.state === 'running')
        .sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
      const id = (r: ContainerRecord) => (flags.trunc ? r.id.slice(0, 12) : r.id);
      if (flags.quiet) {
        for (const r of records) process.stdout.write(`${id(r)}\n`);
      } else {
        const table = [
          ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'NAMES'],
          ...records.map((r) => [
            id(r),
            familiarName(r.image.name),
            JSON.stringify(flags.trunc ? ellipsis(r.argv.join(' '), 20) : r.argv.join(' ')),
            `${humanDuration(now - Date.parse(r.created))} ago`,
            status(r, now),
            r.name,
          ]),
        ];
        const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
        for (const row of table) {
          const line = row.map((c, i) => c.padEnd(widths[i]! + 3)).join('');
          process.stdout.write(`${line.trimEnd()}\n`);
        }
      }
      ctx.setExit(0);
    });
}

/** Docker's STATUS column. */
function status(r: ContainerRecord, now: number): string {
  switch (r.state) {
    case 'exited':
      return `Exited (${r.exitCode ?? 0}) ${humanDuration(now - Date.parse(r.finished ?? r.created))} ago`;
    case 'running':
      return `Up ${humanDuration(now - Date.parse(r.created))}`;
    default:
      return r.state[0]!.toUpperCase() + r.state.slice(1);
  }
}

function ellipsis(text: string, max: number): string {
  return [...text].length <= max ? text : `${[...text].slice(0, max - 1).join('')}…`;
}

/** go-units' HumanDuration, which docker ps uses. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(Math.max(0, ms) / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(seconds / 3600);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(seconds / 3600 / 24 / 365)} years`;
}
