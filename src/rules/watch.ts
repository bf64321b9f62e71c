/**
 * Hot reload of the rules directory: on any change, reload; a set with problems is reported and
 * not applied, so the gateway keeps deciding with the last good rules.
 */
import { watch, type FSWatcher } from 'node:fs';
import { loadRuleSet, type RuleSet } from './load.ts';
import type { RuleProblem } from './yaml-file.ts';

export interface RulesReload {
  /** The rules in force after this reload (the previous set when `applied` is false). */
  ruleSet: RuleSet;
  problems: RuleProblem[];
  applied: boolean;
}

export interface RulesWatcher {
  current(): RuleSet;
  problems(): RuleProblem[];
  /** Reloads now (also what a file change triggers); resolves once `onChange` has been called. */
  reload(): RulesReload;
  close(): void;
}

/**
 * @example const rules = rulesWatcher('rules', (r) => r.problems.length && log.warn({ problems: r.problems }, 'rules not reloaded'));
 *          evaluatePriorAuth(rules.current(), input)
 */
export function rulesWatcher(dir: string, onChange: (r: RulesReload) => void, opts: { debounceMs?: number } = {}): RulesWatcher {
  const first = loadRuleSet(dir);
  let current = first.ruleSet;
  let problems = first.problems;
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;

  function reload(): RulesReload {
    const next = loadRuleSet(dir);
    problems = next.problems;
    const applied = next.problems.length === 0;
    if (applied) current = next.ruleSet;
    const r = { ruleSet: current, problems, applied };
    onChange(r);
    return r;
  }

  try {
    watcher = watch(dir, { recursive: true }, () => {
      clearTimeout(timer);
      timer = setTimeout(reload, opts.debounceMs ?? 100);
    });
    watcher.on('error', () => undefined);
  } catch {
    // No directory (yet): the first load already reported it.
  }

  return {
    current: () => current,
    problems: () => problems,
    reload,
    close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
