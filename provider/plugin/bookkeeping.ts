/**
 * How a kind's provider state is split between the schema's outputs, which the engine stores as
 * the resource's outputs, and the bookkeeping the provider needs beside them, which lives in one
 * internal property (`__keyplane`) that plans never list.
 *
 * The file backend rewrites the whole checkpoint after every step, so the bookkeeping is kept
 * small: for a kind that says what its bookkeeping normally is (`implied`, from the inputs the
 * engine stores beside the outputs and from the outputs themselves), the property holds only
 * what differs from that, and is left out when nothing does. The engine sends those inputs back
 * with every call that carries the state (Diff and Update: old inputs; Read: inputs; Delete: old
 * inputs), so the full state is rebuilt from them.
 *
 * Two forms are read: the compact one (the property absent, or holding the `~` list of fields
 * the state lacks although `implied` has them) and the full one earlier versions wrote (every
 * bookkeeping field, no `~`), which is read as it always was.
 */
import { stable } from "../common";

/** The internal property the bookkeeping lives in. */
export const BOOKKEEPING = "__keyplane";
/** In the compact form: the bookkeeping fields the state lacks although `implied` has them. */
const UNSET = "~";

type Props = Record<string, unknown>;

export interface BookkeepingKind {
  outputs: { shape: Record<string, unknown> };
  /** What the bookkeeping normally is, given the stored inputs and outputs (absent: always the full form). */
  implied?(inputs: Props, outputs: Props): Props;
}

/** Provider state → the outputs the engine stores, compact against `storedInputs` (the inputs the engine stores beside them; undefined: the full form). */
export function toOutputs(k: BookkeepingKind, state: Props, storedInputs?: Props): Props {
  const outs: Props = {};
  const rest: Props = {};
  for (const [name, v] of Object.entries(state)) {
    if (v === undefined) continue;
    if (name in k.outputs.shape) outs[name] = v;
    else rest[name] = v;
  }
  if (!k.implied || !storedInputs) {
    outs[BOOKKEEPING] = rest;
    return outs;
  }
  const implied = k.implied(storedInputs, outs);
  const book: Props = {};
  for (const [name, v] of Object.entries(rest))
    if (stable(v) !== stable(implied[name])) book[name] = v;
  const unset = Object.keys(implied).filter((n) => implied[n] !== undefined && !(n in rest));
  if (unset.length > 0 || Object.keys(book).length > 0)
    outs[BOOKKEEPING] = { ...book, [UNSET]: unset };
  return outs;
}

/** The inverse of toOutputs: the stored outputs and the inputs stored beside them → the provider's state. */
export function fromOutputs(k: BookkeepingKind, outs: Props, storedInputs: Props = {}): Props {
  const { [BOOKKEEPING]: raw, ...pub } = outs;
  const book = raw && typeof raw === "object" ? (raw as Props) : undefined;
  // The full form (earlier versions, and kinds without `implied`): the bookkeeping as it is.
  if (book && !(UNSET in book)) return { ...book, ...pub };
  if (!k.implied) return { ...(book ?? {}), ...pub };
  const { [UNSET]: unset, ...over } = book ?? {};
  const state: Props = { ...k.implied(storedInputs, pub), ...over, ...pub };
  for (const n of (unset as string[] | undefined) ?? []) delete state[n];
  for (const n of Object.keys(state)) if (state[n] === undefined) delete state[n];
  return state;
}
