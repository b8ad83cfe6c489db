import { getPath, isJsonArray, isJsonObject, type JsonObject } from '../../base/index.js';
import type { ResourceInfo } from './resources.js';
import { apiErrors, type StatusCause } from './status.js';

/*
 * Label and field selectors with Kubernetes' grammar, matching rules and error wording
 * (apimachinery pkg/labels, pkg/fields, pkg/util/validation). Also home of the label key/value
 * syntax checks, which validation.ts reuses.
 */

// ---------------------------------------------------------------------------------------------
// Label key / value syntax
// ---------------------------------------------------------------------------------------------

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);

export const NAME_LIMITS = { dns1123Label: 63, dns1123Subdomain: 253, qualifiedName: 63, labelValue: 63 } as const;

/** Go's `%q` for the strings we print (close enough: JSON string quoting). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** apimachinery's RegexError: the message, examples and the regex used. */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  let out = `${msg} (e.g. `;
  examples.forEach((e, i) => {
    if (i > 0) out += ' or ';
    out += `'${e}', `;
  });
  return `${out}regex used for validation is '${fmt}')`;
}

export function maxLenError(n: number): string {
  return `must be no more than ${n} characters`;
}

/** UTF-8 byte length, as Go's len() counts. */
export function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > NAME_LIMITS.dns1123Label) errs.push(maxLenError(NAME_LIMITS.dns1123Label));
  if (!DNS1123_LABEL_RE.test(value)) {
    if (DNS1123_SUBDOMAIN_RE.test(value)) errs.push('must not contain dots');
    else
      errs.push(
        regexError(
          'a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character',
          DNS1123_LABEL_FMT,
          'my-name',
          '123-abc',
        ),
      );
  }
  return errs;
}

export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > NAME_LIMITS.dns1123Subdomain) errs.push(maxLenError(NAME_LIMITS.dns1123Subdomain));
  if (!DNS1123_SUBDOMAIN_RE.test(value))
    errs.push(
      regexError(
        'a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character',
        DNS1123_SUBDOMAIN_FMT,
        'example.com',
      ),
    );
  return errs;
}

const QUALIFIED_NAME_MSG =
  'must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character';

/** A label key / annotation key: `[prefix/]name`, prefix a DNS subdomain, name ≤ 63. */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else for (const m of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${m}`);
  } else {
    return [
      'a qualified name ' +
        regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc') +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (byteLength(name) > NAME_LIMITS.qualifiedName) errs.push(`name part ${maxLenError(NAME_LIMITS.qualifiedName)}`);
  if (!QUALIFIED_NAME_RE.test(name)) errs.push(`name part ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > NAME_LIMITS.labelValue) errs.push(maxLenError(NAME_LIMITS.labelValue));
  if (!LABEL_VALUE_RE.test(value))
    errs.push(
      regexError(
        'a valid label must be an empty string or consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character',
        LABEL_VALUE_FMT,
        'MyValue',
        'my_value',
        '12345',
      ),
    );
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Label selectors
// ---------------------------------------------------------------------------------------------

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

/** Builds a requirement with NewRequirement's checks; returns the error text instead of throwing. */
function newRequirement(key: string, operator: LabelOperator, values: readonly string[]): LabelRequirement | string {
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length > 0) return `<nil>: Invalid value: ${goQuote(key)}: ${keyErrs.join('; ')}`;
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
const SYMBOLS: ReadonlyMap<string, Tok> = new Map<string, Tok>([
  [')', ')'],
  [',', ','],
  ['!', '!'],
  ['==', '=='],
  ['=', '='],
  ['>', '>'],
  ['<', '<'],
  ['!=', '!='],
  ['(', '('],
]);
const BINARY_OPERATORS: ReadonlyMap<Tok, LabelOperator> = new Map<Tok, LabelOperator>([
  ['in', 'in'],
  ['notin', 'notin'],
  ['=', '='],
  ['==', '=='],
  ['!=', '!='],
  ['>', 'gt'],
  ['<', 'lt'],
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
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length > 0) return `<nil>: Invalid value: ${goQuote(key)}: ${keyErrs.join('; ')}`;
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
  if (!isJsonObject(sel)) return [{ reason: 'FieldValueInvalid', field: path, message: 'Invalid value: "": must be an object' }];
  const ml = sel['matchLabels'];
  if (ml !== undefined && ml !== null) {
    if (!isJsonObject(ml)) out.push({ reason: 'FieldValueInvalid', field: `${path}.matchLabels`, message: 'Invalid value: "": must be a map of strings' });
    else
      for (const [k, v] of Object.entries(ml)) {
        for (const m of isQualifiedName(k)) out.push({ reason: 'FieldValueInvalid', field: `${path}.matchLabels`, message: `Invalid value: ${goQuote(k)}: ${m}` });
        if (typeof v !== 'string') out.push({ reason: 'FieldValueInvalid', field: `${path}.matchLabels`, message: `Invalid value: ${JSON.stringify(v ?? null)}: must be a string` });
        else for (const m of isValidLabelValue(v)) out.push({ reason: 'FieldValueInvalid', field: `${path}.matchLabels`, message: `Invalid value: ${goQuote(v)}: ${m}` });
      }
  }
  const me = sel['matchExpressions'];
  if (me !== undefined && me !== null) {
    if (!isJsonArray(me)) out.push({ reason: 'FieldValueInvalid', field: `${path}.matchExpressions`, message: 'Invalid value: "": must be a list' });
    else
      me.forEach((expr, i) => {
        const p = `${path}.matchExpressions[${i}]`;
        const e = isJsonObject(expr) ? expr : {};
        const op = typeof e['operator'] === 'string' ? e['operator'] : '';
        const key = typeof e['key'] === 'string' ? e['key'] : '';
        const values = isJsonArray(e['values']) ? e['values'] : [];
        if (op === 'In' || op === 'NotIn') {
          if (values.length === 0) out.push({ reason: 'FieldValueRequired', field: `${p}.values`, message: "Required value: must be specified when `operator` is 'In' or 'NotIn'" });
        } else if (op === 'Exists' || op === 'DoesNotExist') {
          if (values.length > 0) out.push({ reason: 'FieldValueForbidden', field: `${p}.values`, message: "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'" });
        } else {
          out.push({ reason: 'FieldValueInvalid', field: `${p}.operator`, message: `Invalid value: ${goQuote(op)}: not a valid selector operator` });
        }
        for (const m of isQualifiedName(key)) out.push({ reason: 'FieldValueInvalid', field: `${p}.key`, message: `Invalid value: ${goQuote(key)}: ${m}` });
        values.forEach((v, j) => {
          const s = typeof v === 'string' ? v : '';
          for (const m of isValidLabelValue(s)) out.push({ reason: 'FieldValueInvalid', field: `${p}.values[${j}]`, message: `Invalid value: ${goQuote(s)}: ${m}` });
        });
      });
  }
  return out;
}

const META_OPERATORS: ReadonlyMap<string, LabelOperator> = new Map<string, LabelOperator>([
  ['In', 'in'],
  ['NotIn', 'notin'],
  ['Exists', 'exists'],
  ['DoesNotExist', '!'],
]);

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

// ---------------------------------------------------------------------------------------------
// Field selectors
// ---------------------------------------------------------------------------------------------

export interface FieldRequirement {
  readonly field: string;
  readonly operator: '=' | '==' | '!=';
  readonly value: string;
}

export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  readonly empty: boolean;
  matches(obj: JsonObject): boolean;
  /** The value of an exact `field=value` (or `==`) requirement, for index fast paths. */
  exactValue(field: string): string | undefined;
  toString(): string;
}

type Getter = (o: JsonObject) => string;

function str(path: readonly string[]): Getter {
  return (o) => {
    const v = getPath(o, path);
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return '';
  };
}
function bool(path: readonly string[]): Getter {
  return (o) => String(getPath(o, path) === true);
}
function int(path: readonly string[]): Getter {
  return (o) => {
    const v = getPath(o, path);
    return String(typeof v === 'number' ? Math.trunc(v) : 0);
  };
}

const META_NAME: Getter = str(['metadata', 'name']);
const META_NAMESPACE: Getter = str(['metadata', 'namespace']);

const podIP: Getter = (o) => {
  const ips = getPath(o, ['status', 'podIPs']);
  if (isJsonArray(ips)) {
    const first = ips[0];
    if (isJsonObject(first) && typeof first['ip'] === 'string') return first['ip'];
  }
  return str(['status', 'podIP'])(o);
};
const eventSource: Getter = (o) => str(['source', 'component'])(o) || str(['reportingController'])(o);

interface FieldRules {
  readonly fields: Readonly<Record<string, Getter>>;
  /** Old names rewritten to current ones (pods: spec.host → spec.nodeName). */
  readonly aliases?: Readonly<Record<string, string>>;
  readonly reject: (field: string) => string;
}

const notSupported = (f: string): string => `field label not supported: ${f}`;
const defaultReject = (f: string): string => `${goQuote(f)} is not a known field selector: only "metadata.name", "metadata.namespace"`;
const META_FIELDS = { 'metadata.name': META_NAME, 'metadata.namespace': META_NAMESPACE } as const;

/** Selectable fields per `<group>/<plural>`, as the conversion funcs and ToSelectableFields of Kubernetes allow. */
const FIELD_RULES: Readonly<Record<string, FieldRules>> = {
  '/pods': {
    fields: {
      ...META_FIELDS,
      'spec.nodeName': str(['spec', 'nodeName']),
      'spec.restartPolicy': str(['spec', 'restartPolicy']),
      'spec.schedulerName': str(['spec', 'schedulerName']),
      'spec.serviceAccountName': str(['spec', 'serviceAccountName']),
      'spec.hostNetwork': bool(['spec', 'hostNetwork']),
      'status.phase': str(['status', 'phase']),
      'status.podIP': podIP,
      'status.podIPs': () => '',
      'status.nominatedNodeName': str(['status', 'nominatedNodeName']),
    },
    aliases: { 'spec.host': 'spec.nodeName' },
    reject: notSupported,
  },
  '/events': {
    fields: {
      ...META_FIELDS,
      'involvedObject.kind': str(['involvedObject', 'kind']),
      'involvedObject.namespace': str(['involvedObject', 'namespace']),
      'involvedObject.name': str(['involvedObject', 'name']),
      'involvedObject.uid': str(['involvedObject', 'uid']),
      'involvedObject.apiVersion': str(['involvedObject', 'apiVersion']),
      'involvedObject.resourceVersion': str(['involvedObject', 'resourceVersion']),
      'involvedObject.fieldPath': str(['involvedObject', 'fieldPath']),
      reason: str(['reason']),
      reportingComponent: str(['reportingController']),
      source: eventSource,
      type: str(['type']),
    },
    reject: notSupported,
  },
  '/secrets': { fields: { ...META_FIELDS, type: str(['type']) }, reject: notSupported },
  '/services': { fields: { ...META_FIELDS, 'spec.clusterIP': str(['spec', 'clusterIP']), 'spec.type': str(['spec', 'type']) }, reject: notSupported },
  '/namespaces': { fields: { 'metadata.name': META_NAME, 'status.phase': str(['status', 'phase']) }, reject: notSupported },
  '/nodes': { fields: { 'metadata.name': META_NAME, 'spec.unschedulable': bool(['spec', 'unschedulable']) }, reject: notSupported },
  '/replicationcontrollers': { fields: { ...META_FIELDS, 'status.replicas': int(['status', 'replicas']) }, reject: notSupported },
  'apps/replicasets': { fields: { ...META_FIELDS, 'status.replicas': int(['status', 'replicas']) }, reject: notSupported },
  'batch/jobs': { fields: { ...META_FIELDS, 'status.successful': int(['status', 'succeeded']) }, reject: notSupported },
};

function rulesFor(res: ResourceInfo): FieldRules {
  if (res.custom) {
    const fields: Record<string, Getter> = { 'metadata.name': META_NAME };
    if (res.namespaced) fields['metadata.namespace'] = META_NAMESPACE;
    return { fields, reject: notSupported };
  }
  return FIELD_RULES[`${res.group}/${res.plural}`] ?? { fields: META_FIELDS, reject: defaultReject };
}

/** The field names `--field-selector` accepts for a resource. */
export function selectableFields(res: ResourceInfo): string[] {
  return Object.keys(rulesFor(res).fields);
}

/** The value a field selector compares against ('' when the field is missing; booleans as "true"/"false"). */
export function fieldValue(res: ResourceInfo, obj: JsonObject, field: string): string {
  const rules = rulesFor(res);
  const getter = rules.fields[rules.aliases?.[field] ?? field];
  return getter ? getter(obj) : '';
}

function splitTerms(s: string): string[] {
  if (s === '') return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (escaped) escaped = false;
    else if (c === '\\') escaped = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

function splitTerm(term: string): [string, FieldRequirement['operator'], string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

function unescapeValue(s: string): string {
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') throw apiErrors.badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
    } else if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') throw apiErrors.badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0) ?? 0}`);
    else out += c;
  }
  if (inSlash) throw apiErrors.badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

function escapeValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/**
 * Parses `?fieldSelector=` (`a=b`, `a==b`, `a!=b`, comma-separated, `\,` `\=` `\\` escapes) and checks every
 * field against what Kubernetes allows for the resource. Unsupported field → ApiError BadRequest with
 * Kubernetes' wording (`field label not supported: <f>`, or the default-conversion wording for kinds with
 * only metadata fields).
 */
export function parseFieldSelector(s: string, res: ResourceInfo): FieldSelector {
  const rules = rulesFor(res);
  const reqs: FieldRequirement[] = [];
  for (const part of splitTerms(s).sort()) {
    if (part === '') continue;
    const t = splitTerm(part);
    if (!t) throw apiErrors.badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    const [lhs, operator, rhs] = t;
    const value = unescapeValue(rhs);
    const field = rules.aliases?.[lhs] ?? lhs;
    if (!Object.prototype.hasOwnProperty.call(rules.fields, field)) throw apiErrors.badRequest(rules.reject(lhs));
    reqs.push({ field, operator, value });
  }
  const getters = reqs.map((r) => ({ r, get: rules.fields[r.field] ?? (() => '') }));
  return {
    requirements: reqs,
    empty: reqs.length === 0,
    matches: (obj) => getters.every(({ r, get }) => (r.operator === '!=' ? get(obj) !== r.value : get(obj) === r.value)),
    exactValue: (field) => reqs.find((r) => r.field === field && r.operator !== '!=')?.value,
    toString: () => reqs.map((r) => `${r.field}${r.operator === '!=' ? '!=' : '='}${escapeValue(r.value)}`).join(','),
  };
}
