import { cpSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

interface ProjectConfig {
  miniprogramRoot?: string;
  setting?: { packNpmRelationList?: { packageJsonPath: string; miniprogramNpmDistDir: string }[] };
}

/**
 * What WeChat DevTools' "构建 npm" does with packages that declare a `miniprogram` directory: for each dependency of
 * each `packNpmRelationList` package.json, copy `node_modules/<name>/<miniprogram>/` to
 * `<miniprogramNpmDistDir>/miniprogram_npm/<name>/` (packages without the field get their `main` bundled instead,
 * which this stand-in refuses: the SDK must not need it). Returns the copied directories.
 */
export function buildNpm(projectDir: string): string[] {
  const config = JSON.parse(readFileSync(join(projectDir, 'project.config.json'), 'utf8')) as ProjectConfig;
  const relations = config.setting?.packNpmRelationList ?? [
    { packageJsonPath: './package.json', miniprogramNpmDistDir: config.miniprogramRoot ?? './' },
  ];
  const built: string[] = [];
  for (const relation of relations) {
    const packageJson = join(projectDir, relation.packageJsonPath);
    const dependencies = Object.keys(
      (JSON.parse(readFileSync(packageJson, 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {},
    );
    for (const name of dependencies) {
      const installed = join(dirname(packageJson), 'node_modules', name);
      const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { miniprogram?: string };
      if (!manifest.miniprogram) throw new Error(`${name} has no "miniprogram" field`);
      const source = join(installed, manifest.miniprogram);
      if (!existsSync(source))
        throw new Error(`${name}: "miniprogram" points at ${manifest.miniprogram}, which is missing`);
      const target = join(projectDir, relation.miniprogramNpmDistDir, 'miniprogram_npm', name);
      cpSync(source, target, { recursive: true });
      built.push(target);
    }
  }
  return built;
}
