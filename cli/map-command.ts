/** `npx authority map`: the authority map of the organization, as JSON, Markdown, ODCS, OpenLineage or the catalog page. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mapMarkdown } from '../map/markdown';
import { mapOdcs } from '../map/odcs';
import { mapOpenLineage } from '../map/openlineage';
import { buildMap } from '../map/build';
import { organizationSource } from '../map/organization';
import { renderCatalogPage } from '../map/page';
import type { DomainOwnership } from '../constructs/src/ownership';
import { checkMap } from '../map/schema';
import type { AuthorityMap } from '../map/map-types';
import { Command, CommandIo, UsageError } from './command';

export const FORMATS = ['json', 'markdown', 'odcs', 'openlineage', 'html'] as const;
export type MapFormat = typeof FORMATS[number];

export interface MapOptions {
  readonly format: MapFormat;
  /** @default standard output */
  readonly out?: string;
  /** The app to map: a command that synthesizes it, or a folder it synthesized. @default cdktf.json's app */
  readonly app?: string;
}

/** Takes `--app X` / `--app=X` out of `args`: the organization to map (see map/organization.ts). */
export function takeAppOption(args: readonly string[]): { app?: string; rest: string[] } {
  const rest: string[] = [];
  let app: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s);
    if (flag !== '--app') { rest.push(args[i]); continue; }
    app = inline ?? args[++i];
    if (app === undefined || app.trim() === '') throw new UsageError('--app needs a command (e.g. --app "npx ts-node main.ts") or a synthesized folder (e.g. --app cdktf.out).');
  }
  return { ...(app !== undefined ? { app } : {}), rest };
}

/** The --app option's help, shared by map, explain and mcp. */
export const APP_HELP = [
  '  --app CMD|DIR  the organization: a command that synthesizes your cdktf app, or a folder it',
  '                 synthesized (cdktf.out). Default: the app cdktf.json names here (inside the',
  '                 authority package itself: the example organization in policies/).',
];

/** Reads `--format X` / `--format=X`, `--out PATH` and `--app CMD|DIR`. */
export function parseMapArgs(all: readonly string[]): MapOptions {
  const { app, rest: args } = takeAppOption(all);
  let format: string = 'json';
  let out: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s);
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value.`);
      return v;
    };
    if (flag === '--format') format = value();
    else if (flag === '--out') out = value();
    else throw new UsageError(`unknown option "${args[i]}".`);
  }
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, not "${format}".`);
  return { format: format as MapFormat, ...(out ? { out } : {}), ...(app !== undefined ? { app } : {}) };
}

/**
 * The files a format writes: name -> content. ODCS writes one per domain; the rest one file. The
 * catalog page renders the ownership facts the map is built from (`domains`), so both agree.
 */
export function renderMap(map: AuthorityMap, format: MapFormat, domains: readonly DomainOwnership[] = []): Record<string, string> {
  const json = (x: unknown) => JSON.stringify(x, null, 2) + '\n';
  switch (format) {
    case 'html': return { 'authority-catalog.html': renderCatalogPage({ domains, generatedAt: new Date().toISOString().slice(0, 10) }) };
    case 'json': return { 'authority-map.json': json(checkMap(map)) };
    case 'markdown': return { 'authority-map.md': mapMarkdown(map) + '\n' };
    case 'odcs': return Object.fromEntries(Object.entries(mapOdcs(map)).map(([d, doc]) => [`${d}.odcs.json`, json(doc)]));
    case 'openlineage': return { 'authority-lineage.json': json(mapOpenLineage(map)) };
  }
}

/**
 * Writes the rendered files. Without --out: to standard output (ODCS as one JSON array). With
 * --out: a folder for ODCS (and for any format when the path is an existing folder or ends in
 * "/"), else the file itself.
 */
export function writeMap(files: Record<string, string>, format: MapFormat, io: CommandIo, out?: string): string[] {
  if (!out) {
    const texts = Object.values(files);
    io.out(format === 'odcs' ? `[\n${texts.map((t) => t.trimEnd()).join(',\n')}\n]` : texts[0]);
    return [];
  }
  const target = path.resolve(io.cwd, out);
  try {
    return writeFiles(files, format, target, out);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'EEXIST' || (e as NodeJS.ErrnoException).code === 'ENOTDIR'
      ? 'a file stands where a folder is needed' : (e as Error).message;
    throw new Error(`--out ${out}: cannot write there (${why}); name a file or folder you may write.`);
  }
}

function writeFiles(files: Record<string, string>, format: MapFormat, target: string, out: string): string[] {
  const asDir = format === 'odcs' || out.endsWith('/') || (fs.existsSync(target) && fs.statSync(target).isDirectory());
  if (!asDir) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, Object.values(files)[0]);
    return [target];
  }
  fs.mkdirSync(target, { recursive: true });
  return Object.entries(files).map(([name, text]) => {
    fs.writeFileSync(path.join(target, name), text);
    return path.join(target, name);
  });
}

export const mapCommand: Command = {
  name: 'map',
  summary: 'Write the authority map (JSON, Markdown, ODCS, OpenLineage, an HTML catalog) of every fact',
  help: [
    'usage: authority map [--format json|markdown|odcs|openlineage|html] [--out FILE|DIR] [--app CMD|DIR]',
    '',
    'Maps every governed fact of the organization from the model alone: no running platform is needed.',
    '',
    '  --format json         the map as data, checked against schemas/authority-map.schema.json (default)',
    '  --format markdown     a page for the wiki',
    '  --format odcs         Open Data Contract Standard v3.1.0, one document per domain (<domain>.odcs.json)',
    '  --format openlineage  OpenLineage JobEvents: column lineage of each sync route, ownership',
    '  --format html         the catalog page: one self-contained, searchable HTML file with the flow graph (works offline)',
    '  --out FILE|DIR        write there instead of standard output (ODCS: a folder)',
    ...APP_HELP,
    '',
    'example: npx authority map --format markdown --out docs/authority-map.md',
  ].join('\n'),
  async run(args, io) {
    const options = parseMapArgs(args);
    const source = organizationSource(io.cwd, options.app);
    const written = writeMap(renderMap(buildMap(source.domains, source.organization), options.format, source.domains), options.format, io, options.out);
    for (const f of written) io.err(`authority map: wrote ${path.relative(io.cwd, f) || f}`);
    return 0;
  },
};
