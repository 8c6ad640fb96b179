// Frozen: once released, a migration is never edited. Change the schema with a new file.
import { type Kysely, sql } from 'kysely';

/*
 * The router learns proposals (제안·건의, 14 working days) and questions (질의) apart from
 * complaints, since the kind sets the legal deadline: its labelled examples carry those kinds.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table routing_examples drop constraint if exists routing_examples_kind_check`.execute(db);
  await sql`
    alter table routing_examples add constraint routing_examples_kind_check
      check (kind in ('complaint', 'proposal', 'question', 'thanks', 'spam'))
  `.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`update routing_examples set kind = 'complaint' where kind in ('proposal', 'question')`.execute(db);
  await sql`alter table routing_examples drop constraint routing_examples_kind_check`.execute(db);
  await sql`
    alter table routing_examples add constraint routing_examples_kind_check
      check (kind in ('complaint', 'thanks', 'spam'))
  `.execute(db);
}
