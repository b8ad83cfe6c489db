/*
 * Label and field selectors with Kubernetes' grammar, matching rules and error wording, and the label key/value
 * syntax checks they use. This module only re-exports: name-syntax.ts, label-selector.ts, field-selector.ts.
 */

export { NAME_LIMITS, byteLength, goQuote, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, maxLenError, regexError } from './name-syntax.js';
export {
  EVERYTHING,
  LabelOperators,
  NOTHING,
  labelSelectorCauses,
  labelSelectorFromMeta,
  labelsOf,
  parseLabelSelector,
  selectorFromSet,
  type LabelOperator,
  type LabelRequirement,
  type LabelSelector,
  type Labels,
} from './label-selector.js';
export { fieldValue, parseFieldSelector, selectableFields, type FieldRequirement, type FieldSelector } from './field-selector.js';
