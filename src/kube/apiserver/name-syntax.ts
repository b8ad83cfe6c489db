/*
 * Name and label syntax checks with Kubernetes' rules and error wording (apimachinery pkg/util/validation):
 * DNS-1123 labels and subdomains, DNS-1035 labels, qualified names (label / annotation keys) and label values.
 */

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;

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

/** A length limit plus a whole-string regex, reported as maxLenError and regexError. */
export interface SyntaxRule {
  readonly maxBytes: number;
  readonly fmt: string;
  readonly re: RegExp;
  readonly msg: string;
  readonly examples: readonly string[];
}

export function syntaxRule(maxBytes: number, fmt: string, msg: string, ...examples: string[]): SyntaxRule {
  return { maxBytes, fmt, re: new RegExp(`^${fmt}$`), msg, examples };
}

function lengthErrors(value: string, maxBytes: number): string[] {
  return byteLength(value) > maxBytes ? [maxLenError(maxBytes)] : [];
}

/** The errors of `value` under `rule`: too long, then not matching the regex. */
export function checkSyntax(value: string, rule: SyntaxRule): string[] {
  const errs = lengthErrors(value, rule.maxBytes);
  if (!rule.re.test(value)) errs.push(regexError(rule.msg, rule.fmt, ...rule.examples));
  return errs;
}

const DNS1123_LABEL = syntaxRule(
  NAME_LIMITS.dns1123Label,
  DNS1123_LABEL_FMT,
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
  'my-name',
  '123-abc',
);
const DNS1123_SUBDOMAIN = syntaxRule(
  NAME_LIMITS.dns1123Subdomain,
  DNS1123_SUBDOMAIN_FMT,
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
  'example.com',
);
const DNS1035_LABEL = syntaxRule(
  63,
  DNS1035_LABEL_FMT,
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
  'my-name',
  'abc-123',
);
const LABEL_VALUE = syntaxRule(
  NAME_LIMITS.labelValue,
  LABEL_VALUE_FMT,
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
  'MyValue',
  'my_value',
  '12345',
);
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const QUALIFIED_NAME_REGEX_ERROR = regexError(
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
  QUALIFIED_NAME_FMT,
  'MyName',
  'my.name',
  '123-abc',
);

export function isDNS1123Label(value: string): string[] {
  // a valid subdomain fails as a label only for its dots, which gets the shorter message
  if (DNS1123_LABEL.re.test(value) || !DNS1123_SUBDOMAIN.re.test(value)) return checkSyntax(value, DNS1123_LABEL);
  return [...lengthErrors(value, DNS1123_LABEL.maxBytes), 'must not contain dots'];
}

export function isDNS1123Subdomain(value: string): string[] {
  return checkSyntax(value, DNS1123_SUBDOMAIN);
}

export function isDNS1035Label(value: string): string[] {
  return checkSyntax(value, DNS1035_LABEL);
}

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
    return [`a qualified name ${QUALIFIED_NAME_REGEX_ERROR} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (byteLength(name) > NAME_LIMITS.qualifiedName) errs.push(`name part ${maxLenError(NAME_LIMITS.qualifiedName)}`);
  if (!QUALIFIED_NAME_RE.test(name)) errs.push(`name part ${QUALIFIED_NAME_REGEX_ERROR}`);
  return errs;
}

export function isValidLabelValue(value: string): string[] {
  return checkSyntax(value, LABEL_VALUE);
}
