/** Wallclock times between ISO 8601 (the API) and the browser's local datetime-local inputs. */

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * The value of a datetime-local input (local time) for a time, to the millisecond or to the second
 * (an input with step="1" holding milliseconds would not be valid).
 */
export function toLocalInput(date: Date, withMs = true): string {
  const ms = withMs ? `.${pad(date.getMilliseconds(), 3)}` : '';
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}${ms}`
  );
}

/** ISO 8601 (UTC) of a datetime-local value, or null when it is not a time. */
export function fromLocalInput(value: string): string | null {
  const date = new Date(value);
  return value && !Number.isNaN(date.getTime()) ? date.toISOString() : null;
}

/** A time for a person: local date and time with milliseconds. */
export function showTime(iso: string): string {
  return toLocalInput(new Date(iso)).replace('T', ' ');
}
