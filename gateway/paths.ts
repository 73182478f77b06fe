import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root: the nearest folder above this module holding package.json and schemas/ (works from source and from dist/). */
function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'schemas'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the project root (package.json beside schemas/)');
    dir = up;
  }
}

export const projectRoot = findRoot();
export const projectPath = (...parts: string[]) => path.join(projectRoot, ...parts);
