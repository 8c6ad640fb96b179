import type { Db } from '../db/database.js';
import { ondateOfCase } from './ondate.js';
import { visitsOfCase } from './visits.js';

/** What a case's detail (GET /api/cases/:id) shows of the mayor's sessions. */
export async function mayorSessionsOfCase(db: Db, caseId: number) {
  const [ondate, visits] = await Promise.all([ondateOfCase(db, caseId), visitsOfCase(db, caseId)]);
  return { ondate, visits };
}
