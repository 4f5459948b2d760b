import { join } from 'node:path';

/**
 * Where things live under the data dir. Published titles are whole directories under `vod/`; work in
 * progress lives under `tmp/` on the same file system, so publishing is one atomic rename.
 */
export interface DataLayout {
  dataDir: string;
  vodDir: string;
  tmpDir: string;
  titleDir(titleId: string): string;
}

export function dataLayout(dataDir: string): DataLayout {
  const vodDir = join(dataDir, 'vod');
  return {
    dataDir,
    vodDir,
    tmpDir: join(dataDir, 'tmp'),
    titleDir: (titleId) => join(vodDir, titleId),
  };
}
