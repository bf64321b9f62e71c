/**
 * Runs the searches the rules ask for (`RuleDecision.documentation`) against the EHR, keeps what
 * passes each requirement's FHIRPath filter, and reports per requirement. EHR failures do not
 * throw: they are reported, and the re-evaluation then says `missing-documentation`.
 */
import type { Resource } from '../fhir/bundle.ts';
import { compileFhirPath, isTruthy, runFhirPath, todayOf, withPatient, type DocRequirement } from '../rules/index.ts';
import { EhrError, type EhrClient } from './client.ts';

export interface FetchReportEntry {
  requirement: string;
  service: string;
  search: string;
  found: number;
  kept: number;
  error?: string;
}

export interface FetchedDocumentation {
  /** Distinct resources that passed a filter: pass as `fetched` to `evaluatePriorAuth`. */
  resources: Resource[];
  report: FetchReportEntry[];
}

/**
 * @example const docs = await fetchDocumentation(ehr, decision.documentation.filter((d) => !d.satisfied), { patientId: 'pat-1', now });
 */
export async function fetchDocumentation(client: EhrClient, requirements: DocRequirement[], opts: { patientId: string; now?: Date }): Promise<FetchedDocumentation> {
  const env = { today: todayOf(opts.now ?? new Date()) };
  const kept = new Map<string, Resource>();
  const report: FetchReportEntry[] = [];
  const cache = new Map<string, Promise<Resource[]>>();
  for (const req of requirements) {
    for (const src of req.sources) {
      const query = withPatient(src.search, opts.patientId);
      const entry: FetchReportEntry = { requirement: req.id, service: req.service, search: query, found: 0, kept: 0 };
      report.push(entry);
      let found: Resource[];
      try {
        if (!cache.has(query)) cache.set(query, client.search(query));
        found = await cache.get(query)!;
      } catch (e) {
        entry.error = e instanceof EhrError ? `${e.kind}: ${e.message}` : String(e);
        continue;
      }
      entry.found = found.length;
      const compiled = src.filter ? compileFhirPath(src.filter) : undefined;
      for (const r of found) {
        let pass = true;
        if (compiled && !compiled.ok) pass = false;
        else if (compiled?.ok) {
          const out = runFhirPath(compiled.fn, r, env);
          pass = out.ok && isTruthy(out.value);
          if (!out.ok) entry.error = `filter failed: ${out.error}`;
        }
        if (!pass) continue;
        entry.kept++;
        kept.set(`${r.resourceType}/${r.id ?? kept.size}`, r);
      }
      if (entry.kept >= req.min) break;
    }
  }
  return { resources: [...kept.values()], report };
}
