// Syntax checks for the names Kubernetes uses everywhere: DNS labels and subdomains, qualified
// names (label and annotation keys), label values, IANA service names, config keys. Each check
// returns a list of human-readable problems (empty when the value is fine), so callers can wrap
// them into field errors or parse errors as they need.

export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN_MAX = 253;
export const QUALIFIED_NAME_MAX = 63;
export const LABEL_VALUE_MAX = 63;

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1035LabelFmt = '[a-z]([-a-z0-9]*[a-z0-9])?';
const qualifiedNameFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const labelValueFmt = `(${qualifiedNameFmt})?`;
const configKeyFmt = '[-._a-zA-Z0-9]+';

const dns1123LabelRe = new RegExp(`^${dns1123LabelFmt}$`);
const dns1123SubdomainRe = new RegExp(`^${dns1123SubdomainFmt}$`);
const dns1035LabelRe = new RegExp(`^${dns1035LabelFmt}$`);
const qualifiedNameRe = new RegExp(`^${qualifiedNameFmt}$`);
const labelValueRe = new RegExp(`^${labelValueFmt}$`);
const configKeyRe = new RegExp(`^${configKeyFmt}$`);

function maxLen(n: number): string {
  return `must be no more than ${n} characters`;
}

export function dns1123LabelErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > DNS1123_LABEL_MAX) {
    errs.push(maxLen(DNS1123_LABEL_MAX));
  }
  if (!dns1123LabelRe.test(v)) {
    errs.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start " +
        `and end with an alphanumeric character (e.g. 'my-name', or '123-abc', regex used for validation is '${dns1123LabelFmt}')`,
    );
  }
  return errs;
}

export function dns1123SubdomainErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > DNS1123_SUBDOMAIN_MAX) {
    errs.push(maxLen(DNS1123_SUBDOMAIN_MAX));
  }
  if (!dns1123SubdomainRe.test(v)) {
    errs.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must " +
        `start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${dns1123SubdomainFmt}')`,
    );
  }
  return errs;
}

export function dns1035LabelErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > DNS1123_LABEL_MAX) {
    errs.push(maxLen(DNS1123_LABEL_MAX));
  }
  if (!dns1035LabelRe.test(v)) {
    errs.push(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic " +
        `character, and end with an alphanumeric character (e.g. 'my-name', or 'abc-123', regex used for validation is '${dns1035LabelFmt}')`,
    );
  }
  return errs;
}

/** A qualified name: `[prefix/]name` where prefix is a DNS subdomain and name ≤ 63 characters. */
export function qualifiedNameErrors(v: string): string[] {
  const errs: string[] = [];
  const parts = v.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) {
      errs.push('prefix part must be non-empty');
    } else {
      for (const e of dns1123SubdomainErrors(prefix)) {
        errs.push(`prefix part ${e}`);
      }
    }
  } else {
    errs.push(
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an " +
        "alphanumeric character, with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    );
    return errs;
  }
  if (name.length === 0) {
    errs.push('name part must be non-empty');
  } else if (name.length > QUALIFIED_NAME_MAX) {
    errs.push(`name part ${maxLen(QUALIFIED_NAME_MAX)}`);
  }
  if (name.length > 0 && !qualifiedNameRe.test(name)) {
    errs.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an " +
        `alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc', regex used for validation is '${qualifiedNameFmt}')`,
    );
  }
  return errs;
}

export function labelValueErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > LABEL_VALUE_MAX) {
    errs.push(maxLen(LABEL_VALUE_MAX));
  }
  if (!labelValueRe.test(v)) {
    errs.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must " +
        `start and end with an alphanumeric character (e.g. 'MyValue', or 'my_value', or '12345', regex used for validation is '${labelValueFmt}')`,
    );
  }
  return errs;
}

/** IANA service name (port names): ≤ 15 chars, lowercase alphanumerics and '-', at least one letter. */
export function ianaSvcNameErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 15) {
    errs.push(maxLen(15));
  }
  if (!/^[-a-z0-9]+$/.test(v)) {
    errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  }
  if (v.includes('--')) {
    errs.push('must not contain consecutive hyphens');
  }
  if (!/[a-z]/.test(v)) {
    errs.push('must contain at least one letter (a-z)');
  }
  if (v.startsWith('-') || v.endsWith('-')) {
    errs.push('must not begin or end with a hyphen');
  }
  return errs;
}

/** ConfigMap and Secret data keys. */
export function configKeyErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > DNS1123_SUBDOMAIN_MAX) {
    errs.push(maxLen(DNS1123_SUBDOMAIN_MAX));
  }
  if (!configKeyRe.test(v)) {
    errs.push(
      `a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name', or 'KEY_NAME', or 'key-name', regex used for validation is '${configKeyFmt}')`,
    );
  }
  if (v === '.') {
    errs.push("must not be '.'");
  } else if (v === '..') {
    errs.push("must not be '..'");
  } else if (v.startsWith('..')) {
    errs.push("must not start with '..'");
  }
  return errs;
}

export function portNumberErrors(n: unknown): string[] {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535
    ? []
    : ['must be between 1 and 65535, inclusive'];
}

/** A trailing '-' is allowed in generateName prefixes (the server appends random characters). */
export function maskTrailingDash(prefix: string): string {
  return prefix.length > 1 && prefix.endsWith('-') ? `${prefix.slice(0, -1)}a` : prefix;
}
