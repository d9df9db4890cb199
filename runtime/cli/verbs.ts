// The verbs and the module of each, loaded on demand: a run pays only for the verb it names.
// scripts/build-cli.mjs also bundles single verbs by keeping one line of this table.

import type { Command } from 'commander';
import type { VerbContext } from './main.js';

export type Register = (program: Command, ctx: VerbContext) => void;

export const VERBS: Record<string, () => Promise<Register>> = {
  run: () => import('./run.js').then((m) => m.registerRun),
  pull: () => import('./pull.js').then((m) => m.registerPull),
  images: () => import('./images.js').then((m) => m.registerImages),
  rmi: () => import('./rmi.js').then((m) => m.registerRmi),
  image: () => import('./image.js').then((m) => m.registerImage),
  inspect: () => import('./inspect.js').then((m) => m.registerInspect),
  login: () => import('./login.js').then((m) => m.registerLogin),
  logout: () => import('./logout.js').then((m) => m.registerLogout),
  build: () => import('./build.js').then((m) => m.registerBuild),
  push: () => import('./push.js').then((m) => m.registerPush),
  tag: () => import('./tag.js').then((m) => m.registerTag),
  save: () => import('./save.js').then((m) => m.registerSave),
  load: () => import('./load.js').then((m) => m.registerLoad),
  ps: () => import('./ps.js').then((m) => m.registerPs),
  diff: () => import('./diff.js').then((m) => m.registerDiff),
  cp: () => import('./cp.js').then((m) => m.registerCp),
  rm: () => import('./rm.js').then((m) => m.registerRm),
};
