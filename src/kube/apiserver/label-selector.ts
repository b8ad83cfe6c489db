import { getPath, isJsonArray, isJsonObject } from '../../base/index.js';
import { fieldErrors, labelEntryCauses } from './meta-validation.js';
import { goQuote, isQualifiedName, isValidLabelValue } from './name-syntax.js';
import { apiErrors, type StatusCause } from './status.js';

/*
 * Label selectors with Kubernetes' grammar, matching rules and error wording (apimachinery pkg/labels and
 * metav1.LabelSelector validation/conversion).
 */

export const LabelOperators = {
  In: 'in',
  NotIn: 'notin',
  Equals: '=',
  DoubleEquals: '==',
  NotEquals: '!=',
  Exists: 'exists',
  DoesNotExist: '!',
  GreaterThan: 'gt',
  LessThan: 'lt',
} as const;
export type LabelOperator = (typeof LabelOperators)[keyof typeof LabelOperators];

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Sorted, without duplicates. */
  readonly values: readonly string[];
}

export type Labels = Readonly<Record<string, string>>;

export interface LabelSelector {
  readonly requirements: readonly LabelRequirement[];
  /** No requirement: matches every object (labels.Everything()). */
  readonly empty: boolean;
  /** The nil selector: matches no object (labels.Nothing()). */
  readonly matchesNothing: boolean;
  matches(labels: Labels | undefined): boolean;
  /** Kubernetes' canonical string form (sorted by key), '' for Everything and Nothing. */
  toString(): string;
}

function requirementMatches(r: LabelRequirement, labels: Labels | undefined): boolean {
  const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && value !== undefined && r.values.includes(value);
    case 'notin':
    case '!=':
      return !has || value === undefined || !r.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || value === undefined || !/^[+-]?\d+$/.test(value)) return false;
      const v = Number(value);
      const bound = Number(r.values[0]);
      return r.operator === 'gt' ? v > bound : v < bound;
    }
  }
}

function requirementString(r: LabelRequirement): string {
  const ops: Record<LabelOperator, string> = { '=': '=', '==': '==', '!=': '!=', in: ' in ', notin: ' notin ', gt: '>', lt: '<', exists: '', '!': '' };
  const head = (r.operator === '!' ? '!' : '') + r.key;
  if (r.operator === 'exists' || r.operator === '!') return head;
  const vals = r.values.join(',');
  return r.operator === 'in' || r.operator === 'notin' ? `${head}${ops[r.operator]}(${vals})` : `${head}${ops[r.operator]}${vals}`;
}

function makeSelector(reqs: LabelRequirement[], nothing = false): LabelSelector {
  const sorted = [...reqs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    requirements: sorted,
    empty: !nothing && sorted.length === 0,
    matchesNothing: nothing,
    matches: (labels) => !nothing && sorted.every((r) => requirementMatches(r, labels)),
    toString: () => sorted.map(requirementString).join(','),
  };
}

/** Matches everything (an empty selector string, or an empty metav1.LabelSelector `{}`). */
export const EVERYTHING: LabelSelector = makeSelector([]);
/** Matches nothing (a nil metav1.LabelSelector). */
export const NOTHING: LabelSelector = makeSelector([], true);

/** NewRequirement's error text for a key that is no qualified name, undefined for a good key. */
function keyError(key: string): string | undefined {
  const errs = isQualifiedName(key);
  return errs.length > 0 ? `<nil>: Invalid value: ${goQuote(key)}: ${errs.join('; ')}` : undefined;
}

/** Builds a requirement with NewRequirement's checks; returns the error text instead of throwing. */
function newRequirement(key: string, operator: LabelOperator, values: readonly string[]): LabelRequirement | string {
  const badKey = keyError(key);
  if (badKey !== undefined) return badKey;
  const vals = [...new Set(values)].sort();
  switch (operator) {
    case 'in':
    case 'notin':
      if (vals.length === 0) return "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty";
      break;
    case '=':
    case '==':
    case '!=':
      if (vals.length !== 1) return "values: Invalid value: exact-match compatibility requires one single value";
      break;
    case 'exists':
    case '!':
      if (vals.length !== 0) return "values: Invalid value: values set must be empty for exists and does not exist";
      break;
    case 'gt':
    case 'lt':
      if (vals.length !== 1 || !/^[+-]?\d+$/.test(vals[0] ?? ''))
        return `values[0]: Invalid value: ${goQuote(vals[0] ?? '')}: for 'Gt', 'Lt' operators, the value must be an integer`;
      break;
  }
  for (const v of vals) {
    const errs = isValidLabelValue(v);
    if (errs.length > 0) return `values[0][${key}]: Invalid value: ${goQuote(v)}: ${errs.join('; ')}`;
  }
  return { key, operator, values: vals };
}

// --- lexer (labels/selector.go) ---

type Tok = 'id' | 'eos' | 'err' | '!' | '=' | '==' | '!=' | 'in' | 'notin' | '(' | ')' | ',' | '>' | '<';
interface Token {
  readonly tok: Tok;
  readonly lit: string;
}
const SYMBOL_TOKENS: readonly Tok[] = [')', ',', '!', '==', '=', '>', '<', '!=', '('];
const SYMBOLS: ReadonlyMap<string, Tok> = new Map(SYMBOL_TOKENS.map((t) => [t, t]));
const BINARY_OPERATORS: ReadonlyMap<Tok, LabelOperator> = new Map<Tok, LabelOperator>([
  ['in', 'in'], ['notin', 'notin'], ['=', '='], ['==', '=='], ['!=', '!='], ['>', 'gt'], ['<', 'lt'],
]);
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string): boolean => '=!(),><'.includes(c);

function lex(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] ?? '';
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (isSpecial(c)) {
      // longest run of special characters that is still a known symbol
      let buf = '';
      let last: Token | undefined;
      let j = i;
      while (j < input.length && isSpecial(input[j] ?? '')) {
        buf += input[j];
        const t = SYMBOLS.get(buf);
        if (t !== undefined) {
          last = { tok: t, lit: buf };
          j++;
        } else if (last !== undefined) {
          break;
        } else {
          j++;
        }
      }
      if (last === undefined) {
        out.push({ tok: 'err', lit: `error expected: keyword found '${buf}'` });
        return out;
      }
      out.push(last);
      i += last.lit.length;
      continue;
    }
    let j = i;
    while (j < input.length && !isSpace(input[j] ?? '') && !isSpecial(input[j] ?? '')) j++;
    const word = input.slice(i, j);
    out.push({ tok: word === 'in' ? 'in' : word === 'notin' ? 'notin' : 'id', lit: word });
    i = j;
  }
  out.push({ tok: 'eos', lit: '' });
  return out;
}

class LabelParser {
  private pos = 0;
  constructor(private readonly toks: readonly Token[]) {}

  /** In "values" context the keywords in/notin are plain identifiers. */
  private peek(values: boolean): Token {
    const t = this.toks[this.pos] ?? { tok: 'eos', lit: '' };
    return values && (t.tok === 'in' || t.tok === 'notin') ? { tok: 'id', lit: t.lit } : t;
  }
  private next(values: boolean): Token {
    const t = this.peek(values);
    if (this.pos < this.toks.length) this.pos++;
    return t;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const t = this.peek(true);
      if (t.tok === 'eos') return reqs;
      if (t.tok !== 'id' && t.tok !== '!') throw new Error(`found '${t.lit}', expected: !, identifier, or 'end of string'`);
      const r = this.requirement();
      if (typeof r === 'string') throw new Error(`unable to parse requirement: ${r}`);
      reqs.push(r);
      const sep = this.next(true);
      if (sep.tok === 'eos') return reqs;
      if (sep.tok !== ',') throw new Error(`found '${sep.lit}', expected: ',' or 'end of string'`);
      const after = this.peek(true);
      if (after.tok !== 'id' && after.tok !== '!') throw new Error(`found '${after.lit}', expected: identifier after ','`);
    }
  }

  private requirement(): LabelRequirement | string {
    let t = this.next(true);
    let notExists = false;
    if (t.tok === '!') {
      notExists = true;
      t = this.next(true);
    }
    if (t.tok !== 'id') return `found '${t.lit}', expected: identifier`;
    const key = t.lit;
    const badKey = keyError(key);
    if (badKey !== undefined) return badKey;
    // `!key` is complete by itself; anything after it is the caller's "expected ',' or end" error
    if (notExists) return newRequirement(key, '!', []);
    const la = this.peek(true).tok;
    if (la === 'eos' || la === ',') return newRequirement(key, 'exists', []);
    const opTok = this.next(false);
    const op = BINARY_OPERATORS.get(opTok.tok);
    if (op === undefined) return `found '${opTok.lit}', expected: in, notin, =, ==, !=, gt, lt`;
    const values = op === 'in' || op === 'notin' ? this.setValues() : this.exactValue();
    if (typeof values === 'string') return values;
    return newRequirement(key, op, values);
  }

  /** `(a,b,c)`; empty members (`()`, `(a,)`, `(,a)`) stand for the empty value, as in Kubernetes. */
  private setValues(): string[] | string {
    const open = this.next(true);
    if (open.tok !== '(') return `found '${open.lit}' expected: '('`;
    const first = this.peek(true);
    if (first.tok === ')') {
      this.next(true);
      return [''];
    }
    if (first.tok !== 'id' && first.tok !== ',') return `found '${first.lit}', expected: ',', ')' or identifier`;
    const vals = new Set<string>();
    for (;;) {
      const t = this.next(true);
      if (t.tok === 'id') {
        vals.add(t.lit);
        const n = this.peek(true);
        if (n.tok === ',') continue;
        if (n.tok === ')') break;
        return `found '${n.lit}', expected: ',' or ')'`;
      }
      if (t.tok !== ',') return `found '${t.lit}', expected: ',', or identifier`;
      if (vals.size === 0) vals.add('');
      const n = this.peek(true);
      if (n.tok === ')') {
        vals.add('');
        break;
      }
      if (n.tok === ',') {
        this.next(true);
        vals.add('');
      }
    }
    const close = this.next(true);
    if (close.tok !== ')') return `found '${close.lit}', expected: ')'`;
    return [...vals];
  }

  private exactValue(): string[] | string {
    const t = this.peek(true);
    if (t.tok === 'eos' || t.tok === ',') return [''];
    const v = this.next(true);
    if (v.tok === 'id') return [v.lit];
    return `found '${v.lit}', expected: identifier`;
  }
}

/**
 * Parses the string form of a label selector (`?labelSelector=`), e.g. `app=web,tier!=db,env in (a,b),!legacy`.
 * An empty or blank string selects everything. Throws ApiError BadRequest with Kubernetes' message on bad input.
 */
export function parseLabelSelector(s: string): LabelSelector {
  const toks = lex(s);
  const err = toks.find((t) => t.tok === 'err');
  if (err) throw apiErrors.badRequest(`unable to parse requirement: ${err.lit}`);
  try {
    return makeSelector(new LabelParser(toks).parse());
  } catch (e) {
    throw apiErrors.badRequest(e instanceof Error ? e.message : String(e));
  }
}

/** A selector from a label map (every key=value must match), e.g. a Service's spec.selector. */
export function selectorFromSet(set: Labels): LabelSelector {
  return makeSelector(Object.entries(set).map(([key, v]) => ({ key, operator: '=' as const, values: [v] })));
}

/**
 * Causes for a metav1.LabelSelector (ValidateLabelSelector), with fields under `path`
 * (e.g. `spec.selector.matchExpressions[0].operator`). Empty when valid or absent.
 */
export function labelSelectorCauses(sel: unknown, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (sel === undefined || sel === null) return out;
  if (!isJsonObject(sel)) return [fieldErrors.invalid(path, '', 'must be an object')];
  const ml = sel['matchLabels'];
  if (ml !== undefined && ml !== null) {
    const p = `${path}.matchLabels`;
    if (!isJsonObject(ml)) out.push(fieldErrors.invalid(p, '', 'must be a map of strings'));
    else out.push(...labelEntryCauses(ml, p, 'must be a string'));
  }
  const me = sel['matchExpressions'];
  if (me !== undefined && me !== null) {
    if (!isJsonArray(me)) out.push(fieldErrors.invalid(`${path}.matchExpressions`, '', 'must be a list'));
    else
      me.forEach((expr, i) => {
        const p = `${path}.matchExpressions[${i}]`;
        const e = isJsonObject(expr) ? expr : {};
        const op = typeof e['operator'] === 'string' ? e['operator'] : '';
        const key = typeof e['key'] === 'string' ? e['key'] : '';
        const values = isJsonArray(e['values']) ? e['values'] : [];
        if (op === 'In' || op === 'NotIn') {
          if (values.length === 0) out.push(fieldErrors.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        } else if (op === 'Exists' || op === 'DoesNotExist') {
          if (values.length > 0) out.push(fieldErrors.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        } else {
          out.push(fieldErrors.invalid(`${p}.operator`, op, 'not a valid selector operator'));
        }
        for (const m of isQualifiedName(key)) out.push(fieldErrors.invalid(`${p}.key`, key, m));
        values.forEach((v, j) => {
          const s = typeof v === 'string' ? v : '';
          for (const m of isValidLabelValue(s)) out.push(fieldErrors.invalid(`${p}.values[${j}]`, s, m));
        });
      });
  }
  return out;
}

const META_OPERATORS: ReadonlyMap<string, LabelOperator> = new Map<string, LabelOperator>([['In', 'in'], ['NotIn', 'notin'], ['Exists', 'exists'], ['DoesNotExist', '!']]);

/**
 * Converts a metav1.LabelSelector object (`{matchLabels, matchExpressions}`) as LabelSelectorAsSelector does:
 * null/undefined → NOTHING (the nil selector matches no object), `{}` → EVERYTHING. Throws ApiError
 * BadRequest when the selector is malformed (use labelSelectorCauses to report it as validation causes).
 */
export function labelSelectorFromMeta(sel: unknown): LabelSelector {
  if (sel === undefined || sel === null) return NOTHING;
  const causes = labelSelectorCauses(sel, 'selector');
  if (causes.length > 0 || !isJsonObject(sel)) {
    throw apiErrors.badRequest(causes.map((c) => `${c.field ?? ''}: ${c.message}`).join(', ') || 'invalid label selector');
  }
  const reqs: LabelRequirement[] = [];
  const ml = sel['matchLabels'];
  if (isJsonObject(ml)) for (const [k, v] of Object.entries(ml)) if (typeof v === 'string') reqs.push({ key: k, operator: '=', values: [v] });
  const me = sel['matchExpressions'];
  if (isJsonArray(me))
    for (const expr of me) {
      if (!isJsonObject(expr)) continue;
      const key = String(expr['key'] ?? '');
      const values = isJsonArray(expr['values']) ? [...new Set(expr['values'].map(String))].sort() : [];
      const op = META_OPERATORS.get(String(expr['operator']));
      if (op === undefined) continue; // rejected by labelSelectorCauses above
      reqs.push({ key, operator: op, values: op === 'exists' || op === '!' ? [] : values });
    }
  return makeSelector(reqs);
}

/** Reads `metadata.labels` as a string map (non-string values are ignored). */
export function labelsOf(obj: unknown): Record<string, string> {
  const l = getPath(obj, ['metadata', 'labels']);
  const out: Record<string, string> = {};
  if (isJsonObject(l)) for (const [k, v] of Object.entries(l)) if (typeof v === 'string') out[k] = v;
  return out;
}
