/**
 * Reads the ownership report `authority review --format json` wrote, and checks the parts the
 * gate and apply rely on. A report this code cannot trust is bad input (exit 2), named by file.
 */
import * as fs from 'node:fs';
import { InputError } from './gate-errors';
import type { OwnershipReport } from './report';

/** The report format's major version this reader knows. */
export const REPORT_MAJOR = '1';

export function loadReport(file: string): OwnershipReport {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new InputError(`${file}: no report there. Write one with \`authority review --format json > ${file}\`, or pass its path to --report.`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${(e as Error).message}). Pass the JSON report that \`authority review --format json\` writes.`);
  }
  return checkReport(file, data);
}

export function checkReport(file: string, data: unknown): OwnershipReport {
  const r = data as Partial<OwnershipReport> | null;
  const bad = (what: string) => new InputError(`${file}: ${what}. Pass the JSON report that \`authority review --format json\` writes.`);
  if (!r || typeof r !== 'object' || Array.isArray(r)) throw bad('expected a JSON object (an ownership report)');
  if (typeof r.formatVersion !== 'string') throw bad('"formatVersion" is missing');
  if (r.formatVersion.split('.')[0] !== REPORT_MAJOR) {
    throw new InputError(`${file}: report format ${r.formatVersion} is not one this authority reads (${REPORT_MAJOR}.x). Use the authority version that wrote it.`);
  }
  if (typeof r.planDigest !== 'string' || !/^[0-9a-f]{64}$/.test(r.planDigest)) throw bad('"planDigest" must be a sha256 in hex');
  if (!Array.isArray(r.plans)) throw bad('"plans" must be a list');
  r.plans.forEach((p, i) => {
    if (!p || typeof p.domain !== 'string' || typeof p.planFile !== 'string' || typeof p.digest !== 'string') {
      throw bad(`plans[${i}] needs "domain", "planFile" and "digest"`);
    }
  });
  if (!Array.isArray(r.changes)) throw bad('"changes" must be a list');
  r.changes.forEach((c, i) => {
    if (!c || typeof c.domain !== 'string' || typeof c.fact !== 'string' || !Array.isArray(c.approvers)) {
      throw bad(`changes[${i}] needs "domain", "fact" and "approvers"`);
    }
  });
  return r as OwnershipReport;
}
