/** People profiles, a page at a time (the server's keyset pages: nextCursor), newest first. */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api/client';
import { ErrorMessage } from '../components/field';
import { ProfileCard, type Profile } from './profile-card';

const PAGE_SIZE = 24;

export function PeoplePage() {
  // The cursors of the pages seen so far: the last is the page shown ('' = the first page).
  const [cursors, setCursors] = useState<string[]>(['']);
  const [profiles, setProfiles] = useState<Profile[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const cursor = cursors.at(-1)!;
  useEffect(() => {
    let stopped = false;
    setProfiles(null);
    const query = `limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    api<{ items: Profile[]; nextCursor: string | null }>('GET', `/api/profiles?${query}`)
      .then((page) => {
        if (stopped) return;
        setProfiles(page.items);
        setNext(page.nextCursor);
      })
      .catch((e: unknown) => !stopped && setError(errorText(e)));
    return () => {
      stopped = true;
    };
  }, [cursor]);
  return (
    <section aria-labelledby="people-title">
      <h1 id="people-title">People</h1>
      <ErrorMessage text={error} />
      {profiles === null ? (
        !error && <p>Loading the people…</p>
      ) : profiles.length === 0 ? (
        <p>
          No profile yet. Upload videos in the <a href="/archive">archive</a> with “Find the people in them”
          checked.
        </p>
      ) : (
        <div class="people" role="list" aria-label="People">
          {profiles.map((p) => (
            <div role="listitem" key={p.id}>
              <ProfileCard
                profile={p}
                onSaved={(s) => setProfiles((list) => list && list.map((x) => (x.id === s.id ? s : x)))}
                onDeleted={(id) => setProfiles((list) => list && list.filter((x) => x.id !== id))}
              />
            </div>
          ))}
        </div>
      )}
      <nav class="pager" aria-label="Pages of people">
        <button
          type="button"
          disabled={cursors.length === 1}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Previous page
        </button>
        <span>Page {cursors.length}</span>
        <button type="button" disabled={!next} onClick={() => next && setCursors([...cursors, next])}>
          Next page
        </button>
      </nav>
    </section>
  );
}
