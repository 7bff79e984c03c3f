/** One person: the face crop, the personal data, and its edit form (the server's messages at each field). */
import { useState } from 'preact/hooks';
import { api, ApiError, errorText } from '../api/client';
import type { paths } from '../api/schema';
import { ErrorMessage, Field } from '../components/field';
import { onLinkClick } from '../router';
import { FaceCrop } from './face-crop';

export type Profile =
  paths['/api/profiles']['get']['responses'][200]['content']['application/json']['items'][number];

const GENDERS = ['female', 'male', 'other', 'unknown'] as const;
const nameOf = (p: Profile) =>
  [p.lastName, p.firstName, p.middleName].filter(Boolean).join(' ') || 'Unnamed person';

function seconds(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function ProfileCard({
  profile,
  onSaved,
  onDeleted,
}: {
  profile: Profile;
  onSaved: (p: Profile) => void;
  onDeleted: (id: string) => void;
}) {
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [form, setForm] = useState({
    lastName: profile.lastName ?? '',
    firstName: profile.firstName ?? '',
    middleName: profile.middleName ?? '',
    gender: profile.gender ?? '',
    birthDate: profile.birthDate ?? '',
  });
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const id = (f: string) => `${f}-${profile.id}`;
  const set = (key: keyof typeof form) => (e: { currentTarget: HTMLInputElement | HTMLSelectElement }) =>
    setForm({ ...form, [key]: e.currentTarget.value });
  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setFields({});
    try {
      const saved = await api<Profile>('PATCH', `/api/profiles/${profile.id}`, {
        lastName: form.lastName.trim() || null,
        firstName: form.firstName.trim() || null,
        middleName: form.middleName.trim() || null,
        gender: form.gender || null,
        birthDate: form.birthDate.trim() || null,
      });
      onSaved(saved);
      setEditing(false);
    } catch (e) {
      const named = e instanceof ApiError ? e.fields : {};
      setFields(named);
      setError(
        Object.keys(named).length ? 'Nothing was saved: correct the fields marked above.' : errorText(e),
      );
    }
  };
  const remove = async () => {
    try {
      await api('DELETE', `/api/profiles/${profile.id}`);
      onDeleted(profile.id);
    } catch (e) {
      setError(errorText(e));
    }
  };
  const titleId = id('title');
  return (
    <article class="card person" aria-labelledby={titleId}>
      <FaceCrop url={profile.cropUrl} alt={`Face of ${nameOf(profile)}`} />
      <div class="person-body">
        <h2 id={titleId}>{nameOf(profile)}</h2>
        <p class="muted">
          {profile.gender ?? 'gender not set'} ·{' '}
          {profile.birthDate ? `born ${profile.birthDate}` : 'birth date not set'}
        </p>
        {profile.videos.length > 0 && (
          <p class="seen">
            Seen in{' '}
            {profile.videos.map((v, i) => (
              <span key={v.id}>
                {i > 0 && ', '}
                <a href={`/videos/${v.id}?at=${v.firstMs}`} onClick={onLinkClick}>
                  {v.name} ({seconds(v.firstMs)}–{seconds(v.lastMs)})
                </a>
              </span>
            ))}
          </p>
        )}
        {editing ? (
          <form onSubmit={save} noValidate aria-label={`Edit ${nameOf(profile)}`}>
            <div class="form-grid">
              <Field id={id('last')} label="Last name" error={fields.lastName}>
                {(a) => <input {...a} value={form.lastName} onInput={set('lastName')} />}
              </Field>
              <Field id={id('first')} label="First name" error={fields.firstName}>
                {(a) => <input {...a} value={form.firstName} onInput={set('firstName')} />}
              </Field>
              <Field id={id('middle')} label="Middle name" error={fields.middleName}>
                {(a) => <input {...a} value={form.middleName} onInput={set('middleName')} />}
              </Field>
              <Field id={id('gender')} label="Gender" error={fields.gender}>
                {(a) => (
                  <select {...a} value={form.gender} onChange={set('gender')}>
                    <option value="">not set</option>
                    {GENDERS.map((g) => (
                      <option key={g} value={g}>
                        {g}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field id={id('birth')} label="Birth date" hint="YYYY-MM-DD" error={fields.birthDate}>
                {(a) => (
                  <input {...a} value={form.birthDate} onInput={set('birthDate')} placeholder="1990-04-21" />
                )}
              </Field>
            </div>
            <div class="actions">
              <button type="submit">Save</button>
              <button type="button" onClick={() => setEditing(false)}>
                Cancel
              </button>
            </div>
          </form>
        ) : (
          <div class="actions">
            <button type="button" onClick={() => setEditing(true)}>
              Edit
            </button>
            {confirming ? (
              <>
                <button type="button" class="danger" onClick={remove}>
                  Delete this profile for good
                </button>
                <button type="button" onClick={() => setConfirming(false)}>
                  Keep it
                </button>
              </>
            ) : (
              <button type="button" onClick={() => setConfirming(true)}>
                Delete…
              </button>
            )}
          </div>
        )}
        <ErrorMessage text={error} />
      </div>
    </article>
  );
}
