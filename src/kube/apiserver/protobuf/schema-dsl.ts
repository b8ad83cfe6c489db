/**
 * The vocabulary of the protobuf schema tables: a message is a map from field number to the field's
 * JSON name and type. Field numbers and types come from the upstream `generated.proto` files
 * (k8s.io/api, k8s.io/apimachinery); JSON names and omitempty behaviour from the Go struct tags.
 */

export type ScalarType = 'string' | 'bytes' | 'bool' | 'int32' | 'int64' | 'double';
export type MapType = 'map<string,string>' | 'map<string,bytes>' | 'map<string,Quantity>';
/** Well-known apimachinery types whose JSON form is not an object of their proto fields. */
export type SpecialType = 'Time' | 'IntOrString' | 'Quantity' | 'RawExtension' | 'FieldsV1';
export type FieldType = ScalarType | MapType | SpecialType | `message:${string}`;

export interface FieldSpec {
  /** JSON name. Unused (empty) for `inline` fields. */
  readonly name: string;
  readonly type: FieldType;
  readonly repeated?: true;
  /**
   * Emit a scalar even when it holds its zero value: pointer fields (presence is meaningful, and
   * gogo-protobuf writes them only when non-nil) and fields whose Go JSON tag has no `omitempty`.
   * Scalars without it follow `omitempty`: gogo writes every non-pointer field, so "", 0 and false
   * arrive on the wire and are dropped here.
   */
  readonly keep?: true;
  /** Go embeds the struct without a JSON name (e.g. `LocalObjectReference` in key selectors): merge its fields into the parent. */
  readonly inline?: true;
}

export interface MessageSpec {
  readonly fields: Readonly<Record<number, FieldSpec>>;
  /**
   * Accepted only when every field on the wire holds its zero value, and then decoded as `{}`.
   * Used for status messages, which clients send all-zero on create.
   */
  readonly zeroOnly?: true;
}

export type MessageTable = Readonly<Record<string, MessageSpec>>;

/** Marks a scalar as `keep` (pointer field, or JSON tag without omitempty). */
export const KEEP = true;

function scalar(type: ScalarType) {
  return (name: string, keep = false): FieldSpec => (keep ? { name, type, keep: true } : { name, type });
}

export const str = scalar('string');
export const bytes = scalar('bytes');
export const bool = scalar('bool');
export const i32 = scalar('int32');
export const i64 = scalar('int64');

export function msg(name: string, type: string): FieldSpec {
  return { name, type: `message:${type}` };
}

export function list(name: string, type: ScalarType | SpecialType | `message:${string}`): FieldSpec {
  return { name, type, repeated: true };
}

/** A repeated message field. */
export function msgs(name: string, type: string): FieldSpec {
  return { name, type: `message:${type}`, repeated: true };
}

export function inline(type: string): FieldSpec {
  return { name: '', type: `message:${type}`, inline: true };
}

export function map(name: string, value: 'string' | 'bytes' | 'Quantity'): FieldSpec {
  return { name, type: `map<string,${value}>` };
}

export function special(name: string, type: SpecialType): FieldSpec {
  return { name, type };
}

export function message(fields: Readonly<Record<number, FieldSpec>>): MessageSpec {
  return { fields };
}

/** A status message: only its all-zero form is accepted (see `MessageSpec.zeroOnly`). */
export const ZERO_ONLY: MessageSpec = { fields: {}, zeroOnly: true };
