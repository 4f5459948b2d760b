import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TITLE_RECORD_FILE } from '../catalogue/title-record.ts';
import type { DataLayout } from './data-layout.ts';

/** A title being made: `work/` for intermediates (the mezzanine), `title/` becomes `vod/<id>/`. */
export interface TitleBuild {
  titleId: string;
  dir: string;
  workDir: string;
  outputDir: string;
}

export async function createTitleBuild(layout: DataLayout, titleId: string): Promise<TitleBuild> {
  await mkdir(layout.tmpDir, { recursive: true });
  await mkdir(layout.vodDir, { recursive: true });
  const dir = await mkdtemp(join(layout.tmpDir, `${titleId}-`));
  const build = { titleId, dir, workDir: join(dir, 'work'), outputDir: join(dir, 'title') };
  await mkdir(build.workDir);
  await mkdir(build.outputDir);
  return build;
}

/**
 * Publish by renaming the finished directory into `vod/`: readers see either no title or all of it.
 * Fails (and publishes nothing) if the title already exists.
 */
export async function publishTitleBuild(layout: DataLayout, build: TitleBuild): Promise<void> {
  await stat(join(build.outputDir, TITLE_RECORD_FILE)); // never publish a title without its record
  await rename(build.outputDir, layout.titleDir(build.titleId));
  await discardTitleBuild(build);
}

export async function discardTitleBuild(build: TitleBuild): Promise<void> {
  await rm(build.dir, { recursive: true, force: true });
}

/** Remove every build left by a previous run that crashed or was killed half-way; returns their names. */
export async function removeBuildLeftovers(layout: DataLayout): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(layout.tmpDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  await Promise.all(names.map((name) => rm(join(layout.tmpDir, name), { recursive: true, force: true })));
  return names;
}

export type TitleState = 'published' | 'absent' | 'broken';

/** A title directory without its record was not made by us (publishing is atomic) and cannot be served. */
export async function titleState(layout: DataLayout, titleId: string): Promise<TitleState> {
  try {
    await stat(join(layout.titleDir(titleId), TITLE_RECORD_FILE));
    return 'published';
  } catch {
    try {
      await stat(layout.titleDir(titleId));
      return 'broken';
    } catch {
      return 'absent';
    }
  }
}

/** Move a broken title directory out of `vod/` (rename first, so it vanishes at once) and delete it. */
export async function removeTitleDir(layout: DataLayout, titleId: string): Promise<void> {
  await mkdir(layout.tmpDir, { recursive: true });
  const trash = join(layout.tmpDir, `${titleId}-removed-${Date.now()}`);
  await rename(layout.titleDir(titleId), trash);
  await rm(trash, { recursive: true, force: true });
}
