/**
 * The team directory (authority.teams.json): each governing team's handle on the code host. One
 * file that CODEOWNERS and the gate both read, so "Marketing operations" in a policy, the owner of
 * policies/campaigns.ts and an approval by @example/marketing-ops are the same team.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from './gate-errors';

/** The file's name in the project folder. */
export const TEAMS_FILE = 'authority.teams.json';

export interface TeamDirectoryData {
  /** Team name (as in `governedBy`) -> handle on the code host, e.g. "@example/marketing-ops". */
  readonly teams: Readonly<Record<string, string>>;
  /** The team that owns the files every domain shares (platforms, connections, the app). */
  readonly platformTeam: string;
  /** Files (relative to the project) owned by the platform team. @default none */
  readonly sharedFiles?: readonly string[];
}

export class TeamDirectory {
  /** Reads and checks the directory; bad content is an InputError naming the file and the fix. */
  public static load(file: string): TeamDirectory {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      throw new InputError(`${file}: no team directory there. Create it with "teams" (team name -> handle, e.g. "Finance": "@example/finance") and "platformTeam", or pass --teams FILE.`);
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new InputError(`${file}: not valid JSON (${(e as Error).message}). Fix the file; it maps team names to handles under "teams".`);
    }
    return new TeamDirectory(file, checkData(file, data));
  }

  /** The directory `authority.teams.json` in `projectDir`, or the one named. */
  public static inProject(projectDir: string, named?: string): TeamDirectory {
    return TeamDirectory.load(path.resolve(projectDir, named ?? TEAMS_FILE));
  }

  private readonly byHandle = new Map<string, string>();

  constructor(public readonly file: string, public readonly data: TeamDirectoryData) {
    for (const [team, handle] of Object.entries(data.teams)) this.byHandle.set(normalHandle(handle), team);
  }

  /** The handle of `team`; an InputError naming the directory when it has none. */
  public handleOf(team: string, why = ''): string {
    const handle = this.data.teams[team];
    if (!handle) {
      throw new InputError(`${this.file}: team "${team}"${why ? ` (${why})` : ''} has no handle. Add "${team}": "@org/team-slug" under "teams".`);
    }
    return handle;
  }

  /** The handle of `team`, or the team's name when the directory lacks it (for messages). */
  public shown(team: string): string {
    const handle = this.data.teams[team];
    return handle ? `${team} (${handle})` : team;
  }

  /**
   * The team an approval names: a team name (any case) or its handle (with or without "@", or
   * only the slug after "org/"). Undefined when nothing matches.
   */
  public teamOf(entry: string): string | undefined {
    const wanted = entry.trim();
    const byName = Object.keys(this.data.teams).find((t) => t.toLowerCase() === wanted.toLowerCase());
    if (byName) return byName;
    const byHandle = this.byHandle.get(normalHandle(wanted));
    if (byHandle) return byHandle;
    const slugs = [...this.byHandle.entries()].filter(([h]) => h.split('/').pop() === normalHandle(wanted));
    return slugs.length === 1 ? slugs[0][1] : undefined;
  }
}

function normalHandle(handle: string): string {
  return handle.trim().replace(/^@/, '').toLowerCase();
}

function checkData(file: string, data: unknown): TeamDirectoryData {
  const d = data as Partial<TeamDirectoryData> | null;
  if (!d || typeof d !== 'object' || Array.isArray(d)) throw new InputError(`${file}: expected a JSON object with "teams" and "platformTeam".`);
  if (!d.teams || typeof d.teams !== 'object' || Array.isArray(d.teams)) {
    throw new InputError(`${file}: "teams" must map each team name to its handle, e.g. { "Finance": "@example/finance" }.`);
  }
  for (const [team, handle] of Object.entries(d.teams)) {
    if (typeof handle !== 'string' || !/^@[\w.-]+(\/[\w.-]+)?$/.test(handle)) {
      throw new InputError(`${file}: teams["${team}"] must be a handle like "@org/team-slug" or "@user", not ${JSON.stringify(handle)}.`);
    }
  }
  if (typeof d.platformTeam !== 'string' || !d.teams[d.platformTeam]) {
    throw new InputError(`${file}: "platformTeam" must name one of the teams (it owns the shared files), not ${JSON.stringify(d.platformTeam)}.`);
  }
  if (d.sharedFiles !== undefined && (!Array.isArray(d.sharedFiles) || d.sharedFiles.some((f) => typeof f !== 'string' || !f))) {
    throw new InputError(`${file}: "sharedFiles" must be a list of file paths relative to the project.`);
  }
  return d as TeamDirectoryData;
}
