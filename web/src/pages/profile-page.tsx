/** One person (`/people/<id>`), the target of the links from events and video results, with their events. */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api/client';
import { ErrorMessage } from '../components/field';
import { navigate, onLinkClick } from '../router';
import { ProfileCard, type Profile } from './profile-card';

export function ProfilePage({ id }: { id: string }) {
  const [profile, setProfile] = useState<Profile | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<Profile>('GET', `/api/profiles/${id}`)
      .then(setProfile)
      .catch((e: unknown) => setError(`${errorText(e)}. Find the person in the list of people.`));
  }, [id]);
  return (
    <section aria-labelledby="person-title">
      <p>
        <a href="/people" onClick={onLinkClick}>
          All people
        </a>
      </p>
      <h1 id="person-title">Person</h1>
      <ErrorMessage text={error} />
      {profile ? (
        <>
          <div class="people">
            <ProfileCard profile={profile} onSaved={setProfile} onDeleted={() => navigate('/people')} />
          </div>
          <p>
            <a href={`/events?profile=${id}`} onClick={onLinkClick}>
              Events where this person was recognised
            </a>
          </p>
        </>
      ) : (
        !error && <p>Loading the person…</p>
      )}
    </section>
  );
}
