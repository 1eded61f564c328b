// An example front end's use of Briefing API, written against the types openapi-typescript
// generates from openapi.yaml (src/api.d.ts) and called through openapi-fetch.
//
//   npm install && npm run generate && npm run build
//   BRIEFING_URL=http://localhost:8000 BRIEFING_TOKEN=<an editor's token> npm start
import createClient from "openapi-fetch";
import { randomUUID } from "node:crypto";
import type { components, paths } from "./api.js";

type Stance = components["schemas"]["Stance"];
type Problem = components["schemas"]["Problem"];

const baseUrl = process.env.BRIEFING_URL ?? "http://localhost:8000";
const token = process.env.BRIEFING_TOKEN;
// The client as openapi-fetch's docs make it: every list's items are typed in full; a list
// narrowed by `fields=` is its own operation, at the list's path with `.sparse`.
const api = createClient<paths>({ baseUrl });

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function explain(problem: Problem): string {
  return `${problem.status} ${problem.title}: ${problem.detail}`;
}

// Who opposes what: every page of a filtered collection, following the cursor.
async function opponents(): Promise<Stance[]> {
  const stances: Stance[] = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await api.GET("/v1/stances", {
      params: { query: { position: "opposes", limit: 2, cursor } },
    });
    if (error) throw new Error(explain(error));
    check(data.data.every((stance) => stance.actor.name.length > 0), "every stance's actor");
    stances.push(...data.data);
    cursor = data.meta.next_cursor ?? undefined;
  } while (cursor);
  check(stances.length > 2, "more than one page of stances");
  return stances;
}

// A copy kept by its ETag is revalidated with If-None-Match: 304 while it is current.
async function revalidate(stanceId: string): Promise<void> {
  const path = { stance_id: stanceId };
  const first = await api.GET("/v1/stances/{stance_id}", { params: { path } });
  if (first.error) throw new Error(explain(first.error));
  const etag = first.response.headers.get("ETag");
  check(etag !== null, "an ETag");
  const again = await api.GET("/v1/stances/{stance_id}", {
    params: { path, header: { "If-None-Match": etag } },
  });
  check(again.response.status === 304, `304 for a current copy, not ${again.response.status}`);
}

// References come compact ({id, name, url}); expanded, they are the full item.
async function expanded(): Promise<string[]> {
  const { data, error } = await api.GET("/v1/stances", {
    params: { query: { expand: ["actor", "proposal"], limit: 5 } },
  });
  if (error) throw new Error(explain(error));
  return data.data.map(({ actor, proposal }) => {
    const kind = "kind" in actor ? actor.kind : "unknown";
    const status = "status" in proposal ? proposal.status : "unknown";
    return `${actor.name} (${kind}) on ${proposal.title} (${status})`;
  });
}

async function briefingAndSearch(): Promise<void> {
  const briefing = await api.GET("/v1/briefing");
  if (briefing.error) throw new Error(explain(briefing.error));
  const { counts, proposals } = briefing.data;
  check(counts.stances > 0 && proposals.length === counts.proposals, "the whole briefing");

  const search = await api.GET("/v1/search", { params: { query: { q: "Lancaster House" } } });
  if (search.error) throw new Error(explain(search.error));
  check(search.data.data.some((hit) => hit.type === "events"), "the summit among the hits");
}

// Only the fields asked for (and `id`): every other field is optional in the sparse page.
async function summaries(): Promise<string[]> {
  const { data, error } = await api.GET("/v1/stances.sparse", {
    params: { query: { fields: ["position", "summary"], position: ["opposes", "skeptical"] } },
  });
  if (error) throw new Error(explain(error));
  check(data.data.every((stance) => stance.actor === undefined), "only the fields asked for");
  return data.data.map((stance) => `${stance.id}: ${stance.position ?? "?"}`);
}

// A bad request is a problem+json with what to fix.
async function badRequest(): Promise<void> {
  const { data, error } = await api.GET("/v1/stances", { params: { query: { limit: 0 } } });
  check(data === undefined && error !== undefined, "limit=0 is refused");
  check(error.status === 400 && error.errors?.limit !== undefined, explain(error));
}

// Across articles: the picture as of a day (one date, a plain string), the current stances
// (a boolean), each cell's other stances, when each fact was reported, where sources disagree.
async function overTime(): Promise<void> {
  const then = await api.GET("/v1/stances/matrix", {
    params: { query: { actor: "IT", as_of: "2025-03-31" } },
  });
  if (then.error) throw new Error(explain(then.error));
  const cell = then.data.cells[0]?.[0];
  check(cell !== null && cell !== undefined && cell.others >= 0, "a cell counts its others");
  const now = await api.GET("/v1/stances", { params: { query: { current: true, actor: "IT" } } });
  if (now.error) throw new Error(explain(now.error));
  const reported: (string | null)[] = now.data.data.map((stance) => stance.reported_on);
  check(reported.every((day) => day === null || day.startsWith("2025")), "reported in 2025");
  const disputes = await api.GET("/v1/disagreements");
  if (disputes.error) throw new Error(explain(disputes.error));
  check(disputes.data.meta.total >= 0, "the disagreements counted");
}

// An editor's round trip: POST (retried safely with an Idempotency-Key), PATCH with If-Match,
// DELETE with If-Match.
async function edit(): Promise<void> {
  check(token !== undefined, "BRIEFING_TOKEN: an editor's token");
  const headers = { Authorization: `Bearer ${token}` };
  const body: components["schemas"]["StanceInput"] = {
    actor: "italy",
    proposal: { id: "macron-30-day-ceasefire" },
    position: "skeptical",
    certainty: "likely",
    summary: "An example client's draft stance.",
    basis: "reported",
    asserted_by: "italy",
    evidence: [
      { source: "nato-divisions-ukraine", quote: "others, like Italy, have outright rejected the idea" },
    ],
  };
  const key = randomUUID();
  const create = () =>
    api.POST("/v1/stances", { params: { header: { "Idempotency-Key": key } }, body, headers });
  const created = await create();
  if (created.error) throw new Error(explain(created.error));
  const retried = await create();
  check(retried.data?.id === created.data.id, "a retried POST answers the first answer");

  const path = { stance_id: created.data.id };
  const etag = created.response.headers.get("ETag") ?? "";
  const changed = await api.PATCH("/v1/stances/{stance_id}", {
    params: { path, header: { "If-Match": etag } },
    body: { summary: "An example client's corrected draft." },
    headers,
  });
  if (changed.error) throw new Error(explain(changed.error));
  check(changed.data.summary.endsWith("corrected draft."), "the PATCH took");

  const stale = await api.DELETE("/v1/stances/{stance_id}", {
    params: { path, header: { "If-Match": etag } },
    headers,
  });
  check(stale.response.status === 412, "the old ETag no longer matches");
  const deleted = await api.DELETE("/v1/stances/{stance_id}", {
    params: { path, header: { "If-Match": changed.response.headers.get("ETag") ?? "" } },
    headers,
  });
  check(deleted.response.status === 204, `deleted, not ${deleted.response.status}`);
}

const stances = await opponents();
await revalidate(stances[0]?.id ?? "italy-opposes-coalition");
const lines = await expanded();
await briefingAndSearch();
const opposing = await summaries();
check(opposing.length > 0, "sparse opposing stances");
await badRequest();
await overTime();
await edit();
console.log(`ok: ${stances.length} opposing stances; ${lines[0]}`);
