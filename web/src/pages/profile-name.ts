/** A person's name for events and video results: each profile read once per page load, by id. */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client';
import type { Profile } from './profile-card';

const cache = new Map<string, Promise<Profile | null>>();

export const profileName = (p: Profile): string =>
  [p.lastName, p.firstName, p.middleName].filter(Boolean).join(' ') || 'Unnamed person';

/** The profile, null while it loads or when it is gone (deleted since). */
export function useProfile(id: string | null | undefined): Profile | null {
  const [profile, setProfile] = useState<Profile | null>(null);
  useEffect(() => {
    if (!id) return;
    let stopped = false;
    let pending = cache.get(id);
    if (!pending) {
      pending = api<Profile>('GET', `/api/profiles/${id}`).catch(() => null);
      cache.set(id, pending);
    }
    void pending.then((p) => !stopped && setProfile(p));
    return () => {
      stopped = true;
    };
  }, [id]);
  return profile;
}
