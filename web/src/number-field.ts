/** A number field's text as the API gets it: left out when empty, sent as typed otherwise, so the daemon names what is wrong with it. */
export function numberOrUnset(text: string): number | undefined {
  return text.trim() === "" ? undefined : Number(text);
}
