import { Command } from 'commander';
import type { Config } from '../config.js';
import { OpError } from '../ops/errors.js';
import { addRule, checkRuleChanges, checkRuleInput, listRules, removeRule, ruleJson, ruleProblem, updateRule, type RuleChanges, type RuleInput } from '../ops/rules.js';
import { checkRuleName, DEFAULT_RULE_STEPS, describeRule, InvalidRuleError, METRICS, type Rule } from '../rules/rule.js';
import { RuleStore, type RuleView } from '../store/rules-store.js';
import { withStore } from './database.js';
import { parseList, parseNumbers, usageExitCodes, UsageError } from './parse.js';

/** The options of `rules add` and `rules update` as commander hands them over. */
interface RuleFlags {
  name?: string;
  metric?: string;
  above?: string;
  below?: string;
  /** A number, or false for `--no-clear`. */
  clear?: string | false;
  steps?: string;
  perCpu?: boolean;
  host?: string[];
  allHosts?: boolean;
  tag?: string[];
  /** False for `--no-tags`. */
  tags?: boolean;
}

/** The option a rule field is set with, so every refusal names what the user typed. */
function flagFor(field: string, flags: RuleFlags, nameArg: string): string {
  switch (field.replace(/\[\d+\]$/, '')) {
    case 'name':
      return flags.name !== undefined ? '--name' : nameArg;
    case 'above':
      return flags.below !== undefined && flags.above === undefined ? '--below' : '--above';
    case 'hosts':
      return '--host';
    case 'tags':
      return '--tag';
    case 'perCpu':
      return '--per-cpu';
    default:
      return `--${field}`;
  }
}

/**
 * Runs `fn`, turning a refused rule operation (bad field, taken or unknown name) into a usage error that starts with
 * the option to fix: `--clear: invalid rule clear: must be at or below the threshold (90) of an "above" rule`.
 */
async function naming<T>(flags: RuleFlags, nameArg: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof InvalidRuleError) throw new UsageError(`${flagFor(err.field, flags, nameArg)}: ${err.message}`);
    if (err instanceof OpError && err.code === 'not_found') throw new UsageError(`${nameArg}: ${err.message}`);
    if (err instanceof OpError) throw new UsageError(`${flagFor(err.field ?? 'name', flags, nameArg)}: ${err.message}`);
    throw err;
  }
}

function parseNumber(text: string, flag: string): number {
  if (!/^-?(\d+(\.\d*)?|\.\d+)$/.test(text.trim())) throw new UsageError(`${flag} must be a number, got "${text}"`);
  return Number(text);
}

/** `--steps 5,60,240`: whole minutes, as `schedule --steps` takes them; checkRule checks their order and range. */
function parseSteps(text: string): number[] {
  const items = parseList(text);
  if (items.length === 0) throw new UsageError('--steps must name at least one step, e.g. 5,60,240');
  return parseNumbers(text, '--steps');
}

/** `--above X` or `--below X` (not both), parsed. */
function threshold(flags: RuleFlags): Pick<RuleInput, 'above' | 'below'> {
  if (flags.above !== undefined && flags.below !== undefined) throw new UsageError('--above and --below: give one of them, not both');
  if (flags.above !== undefined) return { above: parseNumber(flags.above, '--above') };
  if (flags.below !== undefined) return { below: parseNumber(flags.below, '--below') };
  return {};
}

/** The rule `rules add` stores, checked before any connection (addRule checks it again). */
function inputFromFlags(name: string, flags: RuleFlags): RuleInput {
  const input: RuleInput = {
    name,
    metric: flags.metric ?? '',
    ...threshold(flags),
    ...(typeof flags.clear === 'string' && { clear: parseNumber(flags.clear, '--clear') }),
    ...(flags.perCpu && { perCpu: true }),
    ...(flags.steps !== undefined && { steps: parseSteps(flags.steps) }),
    ...(flags.host !== undefined && { hosts: flags.host }),
    ...(flags.tag !== undefined && { tags: flags.tag }),
  };
  checkRuleInput(input);
  return input;
}

/** The changes `rules update` asks for; only what was named. */
function changesFromFlags(flags: RuleFlags): RuleChanges {
  if (flags.host !== undefined && flags.allHosts) throw new UsageError('--host and --all-hosts: give one of them, not both');
  const changes: RuleChanges = { ...threshold(flags) };
  if (flags.name !== undefined) changes.name = flags.name;
  if (flags.metric !== undefined) changes.metric = flags.metric;
  if (flags.clear === false) changes.clear = null;
  else if (flags.clear !== undefined) changes.clear = parseNumber(flags.clear, '--clear');
  if (flags.perCpu !== undefined) changes.perCpu = flags.perCpu;
  if (flags.steps !== undefined) changes.steps = parseSteps(flags.steps);
  if (flags.host !== undefined) changes.hosts = flags.host;
  if (flags.tag !== undefined && (flags.allHosts || flags.tags === false)) throw new UsageError('--tag with --all-hosts or --no-tags: give one of them');
  if (flags.tag !== undefined) changes.tags = flags.tag;
  if (flags.tags === false) changes.tags = null;
  // Every host again: neither names nor tags select.
  if (flags.allHosts) Object.assign(changes, { hosts: null, tags: null });
  if (Object.keys(changes).length === 0) throw new UsageError('update: name at least one setting to change (see hostwatch rules update --help)');
  checkRuleChanges(changes);
  return changes;
}

const stepsText = (r: Pick<Rule, 'metric' | 'steps'>) => (r.metric === 'reboot' ? 'once' : r.steps.join(','));
const hostsText = (r: Pick<Rule, 'hosts' | 'tags'>) =>
  r.hosts === undefined && r.tags === undefined ? 'all' : [...(r.hosts ?? []), ...(r.tags ?? []).map((t) => `tag:${t}`)].join(',');

/** `disk above 90 %, clears at 85 %; steps 5,60,240,1440 min; every host` */
function summary(r: Rule): string {
  const steps = r.metric === 'reboot' ? 'told once per destination' : `steps ${stepsText(r)} min`;
  const hosts = r.hosts === undefined && r.tags === undefined ? 'every host' : `hosts ${hostsText(r)}`;
  return `${describeRule(r)}; ${steps}; ${hosts}`;
}

/** The `rules list` table. */
export function formatRuleTable(rules: readonly RuleView[]): string {
  if (rules.length === 0) return 'no rules yet; add one with "hostwatch rules add <name> --metric disk --above 90"';
  const header = ['NAME', 'CONDITION', 'STEPS', 'HOSTS'];
  const rows = rules.map((r) => {
    const problem = ruleProblem(r);
    return [r.name, problem === undefined ? describeRule(r) : `${describeRule(r)} (not evaluated: ${problem})`, stepsText(r), hostsText(r)];
  });
  const widths = header.map((_, i) => Math.max(header[i]!.length, ...rows.map((row) => row[i]!.length)));
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** A repeatable option's values, in order. */
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

const METRIC_HELP =
  'what to watch: cpu (% busy), memory (% used), disk (% used, each mount on its own), load1, load5, load15, ' +
  'reboot (uptime went backwards), or data.<path> for any numeric report field (data.temperature)';
const STEPS_HELP = `comma-separated whole minutes; the first is how long it must hold before the first notice (default ${DEFAULT_RULE_STEPS.join(',')})`;

export function rulesCommand(getConfig: () => Readonly<Config>): Command {
  const rules = new Command('rules')
    .description('metric rules: alert when a reported value (disk, memory, CPU, load, a report field) crosses a line, or a host reboots')
    .addHelpText('after', `\nMetrics: ${METRICS.join(', ')}, data.<path>.\nSee docs/rules.md.`);
  const userError = (err: unknown) => err instanceof OpError;
  const run = (flags: RuleFlags, fn: (store: RuleStore) => Promise<string>) =>
    withStore(getConfig, (db) => new RuleStore(db), userError, async (store) => console.log(await naming(flags, 'NAME', () => fn(store))));

  const add = new Command('add')
    .description('add a rule; it is evaluated from the next report of each host it applies to')
    .argument('<name>', 'rule name: 1-64 letters, digits, "_", "." and "-", starting with a letter or digit')
    .requiredOption('--metric <metric>', METRIC_HELP)
    .option('--above <x>', 'breaches while the value is greater than x')
    .option('--below <x>', 'breaches while the value is less than x')
    .option('--clear <c>', 'hysteresis: once breached, it ends only at or past c (default: the threshold); at or below x for --above, at or above x for --below')
    .option('--steps <minutes>', STEPS_HELP)
    .option('--per-cpu', 'load1/load5/load15 divided by the number of CPUs the report states (its "cpus" field)')
    .option('--host <name>', 'a host the rule applies to; repeat for more (default: every host)', collect)
    .option('--tag <tag>', 'hosts carrying this tag (hostwatch hosts tag); repeat for any of several; with --host: those too', collect)
    .action(async (name: string, flags: RuleFlags) => {
      const input = await naming(flags, 'NAME', () => inputFromFlags(name, flags));
      await run(flags, async (store) => {
        const added = await addRule(store, input);
        return `added rule "${added.name}": ${summary(added)}`;
      });
    })
    .addHelpText(
      'after',
      [
        '',
        'A rule without --steps notifies after 5 minutes, then at 60, 240 and 1440. A reboot rule takes no threshold',
        'and no steps: each destination is told once.',
        '',
        'Examples:',
        '  hostwatch rules add disk-full --metric disk --above 90 --clear 85',
        '  hostwatch rules add cpu-hot --metric cpu --above 95 --steps 10,60',
        '  hostwatch rules add low-memory --metric memory --above 90 --host db-1 --host db-2',
        '  hostwatch rules add prod-disk --metric disk --above 80 --tag prod',
        '  hostwatch rules add busy --metric load5 --per-cpu --above 2',
        '  hostwatch rules add too-warm --metric data.temperature --above 70 --clear 65',
        '  hostwatch rules add rebooted --metric reboot',
      ].join('\n'),
    );

  const list = new Command('list')
    .description('show every rule: name, condition, steps and hosts')
    .option('--json', 'print a JSON array instead of a table')
    .action(async (flags: { json?: boolean }) => {
      await run({}, async (store) => {
        const all = await listRules(store);
        return flags.json ? JSON.stringify(all.map(ruleJson), null, 2) : formatRuleTable(all);
      });
    })
    .addHelpText('after', '\nExamples:\n  hostwatch rules list\n  hostwatch rules list --json');

  const update = new Command('update')
    .description('change a rule; settings not named keep their values (open instances keep their start)')
    .argument('<name>', 'rule name')
    .option('--name <new>', 'rename the rule (its instances and what was sent stay)')
    .option('--metric <metric>', METRIC_HELP)
    .option('--above <x>', 'breaches while the value is greater than x')
    .option('--below <x>', 'breaches while the value is less than x')
    .option('--clear <c>', 'hysteresis: once breached, it ends only at or past c')
    .option('--no-clear', 'forget the clear threshold: it ends as soon as it no longer breaches')
    .option('--steps <minutes>', 'comma-separated whole minutes; the first is how long it must hold before the first notice')
    .option('--per-cpu', 'divide the load by the report\'s "cpus"')
    .option('--no-per-cpu', 'the load as reported')
    .option('--host <name>', 'the hosts the rule applies to, replacing the current list; repeat for more', collect)
    .option('--tag <tag>', 'the tags of the hosts it applies to, replacing the current ones; repeat for more', collect)
    .option('--no-tags', 'forget its tags (the hosts named with --host stay)')
    .option('--all-hosts', 'apply it to every host again (forgets --host and --tag)')
    .action(async (name: string, flags: RuleFlags) => {
      await naming({}, 'NAME', () => checkRuleName(name));
      const changes = await naming(flags, 'NAME', () => changesFromFlags(flags));
      await run(flags, async (store) => {
        const updated = await updateRule(store, { name }, changes);
        return `updated rule "${updated.name}": ${summary(updated)}`;
      });
    })
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  hostwatch rules update disk-full --above 95 --clear 90',
        '  hostwatch rules update disk-full --no-clear --steps 15,120',
        '  hostwatch rules update low-memory --all-hosts',
        '  hostwatch rules update prod-disk --tag prod --tag eu',
        '  hostwatch rules update cpu-hot --name cpu-busy --host web-1',
      ].join('\n'),
    );

  const remove = new Command('remove')
    .description('delete a rule; its open instances end without notices at the next check')
    .argument('<name>', 'rule name')
    .action(async (name: string) => {
      await naming({}, 'NAME', () => checkRuleName(name));
      await run({}, async (store) => {
        await removeRule(store, { name });
        return `removed rule "${name}"`;
      });
    })
    .addHelpText(
      'after',
      [
        '',
        'The next check drops the rule\'s instances on every host without telling anyone, not even destinations',
        'that were notified of them (no "resolved" line: the rule is gone, not the condition).',
        '',
        'Example:',
        '  hostwatch rules remove disk-full',
      ].join('\n'),
    );

  for (const c of [add, list, update, remove]) rules.addCommand(usageExitCodes(c));
  return usageExitCodes(rules);
}
