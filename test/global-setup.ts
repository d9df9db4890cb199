// Builds dist/ as `npm run build` does (modules, the vm worker bundle, the CLI bundle) once before
// the tests that spawn `wasmbox`, so they run what users run (a tsc alone leaves the CLI bundle stale).
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/build-worker.mjs'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/build-cli.mjs'], { stdio: 'inherit' });
}
