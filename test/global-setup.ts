// Builds dist/ (modules, then the vm worker bundle) once before the tests that spawn `wasmbox`.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/build-worker.mjs'], { stdio: 'inherit' });
}
