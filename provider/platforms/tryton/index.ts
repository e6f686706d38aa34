/**
 * The Tryton kind: a copy in a Tryton model's fields is protected by Tryton's own field access
 * rules (ir.model.field.access: people's groups read but do not write, the sync principal's
 * group writes), and the correction path is appended to each field's help (protection*.ts).
 * Tryton's root user (id 0: trytond-admin, cron) is not held to access rules, nor is direct SQL on
 * its database: protect the model's table on the PostgreSQL platform of Tryton's database too. No
 * sync router. Registered in ../index.ts.
 */
import { PlatformKind } from '../kind';
import { configureTryton, trytonBlock } from './config';
import { checkTrytonName } from './names';

export const tryton: PlatformKind = {
  name: 'tryton',
  block: trytonBlock,
  example: 'tryton { url = ..., database = ..., password_env = ... }',
  configure: configureTryton,
  checkName: checkTrytonName,
};
