// Boots the engine worker from TypeScript source (tests, the bench, a checkout
// without a build): Node does not carry a parent's `--import tsx` into a worker
// whose entry is a .ts file, so this plain module registers tsx in the worker
// thread first, then runs worker.ts. A separate file, so that no build of the
// engine asks for tsx (a dev dependency): source-worker.ts names it only as a path.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
