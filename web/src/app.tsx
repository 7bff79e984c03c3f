/** The frame of every page: navigation, sign-in when the API asks for the token, the page of the URL. */
import { useEffect, useState } from 'preact/hooks';
import { getToken, setToken, UNAUTHORIZED_EVENT } from './api/client';
import { SignIn } from './components/sign-in';
import { ArchivePage } from './pages/archive';
import { CameraPage } from './pages/camera';
import { CamerasPage } from './pages/cameras';
import { EventsPage } from './pages/events';
import { PeoplePage } from './pages/people';
import { ToolsPage } from './pages/tools';
import { ProfilePage } from './pages/profile-page';
import { VideoResultsPage } from './pages/video-results';
import { navigate, onLinkClick, usePath } from './router';

const sections = [
  { href: '/cameras', label: 'Cameras' },
  { href: '/events', label: 'Events' },
  { href: '/archive', label: 'Archive' },
  { href: '/people', label: 'People' },
  { href: '/tools', label: 'Timeline tools' },
];

function Page({ path }: { path: string }) {
  if (path === '/' || path === '/cameras') return <CamerasPage />;
  const camera = /^\/cameras\/([^/]+)$/.exec(path);
  if (camera) return <CameraPage id={decodeURIComponent(camera[1]!)} />;
  if (path === '/archive') return <ArchivePage />;
  if (path === '/people') return <PeoplePage />;
  if (path === '/tools') return <ToolsPage />;
  if (path === '/events') return <EventsPage />;
  const video = /^\/videos\/([^/]+)$/.exec(path);
  if (video) return <VideoResultsPage id={decodeURIComponent(video[1]!)} />;
  const person = /^\/people\/([^/]+)$/.exec(path);
  if (person) return <ProfilePage id={decodeURIComponent(person[1]!)} />;
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is no page {path} in kadr's UI. Open <a href="/cameras">the cameras</a>.
      </p>
    </section>
  );
}

export function App() {
  const path = usePath();
  const [signedOut, setSignedOut] = useState(false);
  // Pages remount after a sign-in, so that they load again with the token.
  const [session, setSession] = useState(0);
  useEffect(() => {
    const ask = () => setSignedOut(true);
    window.addEventListener(UNAUTHORIZED_EVENT, ask);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, ask);
  }, []);
  useEffect(() => {
    const section =
      sections.find((s) => path.startsWith(s.href))?.label ??
      (path.startsWith('/videos') ? 'Archive' : 'Cameras');
    document.title = `${section} – kadr`;
  }, [path]);
  const current = path === '/' ? '/cameras' : path;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header>
        <a class="brand" href="/cameras" onClick={onLinkClick}>
          kadr
        </a>
        <nav aria-label="Sections">
          {sections.map((s) => (
            <a
              key={s.href}
              href={s.href}
              onClick={onLinkClick}
              aria-current={current.startsWith(s.href) ? 'page' : undefined}
            >
              {s.label}
            </a>
          ))}
        </nav>
        {getToken() && !signedOut && (
          <button
            type="button"
            class="link"
            onClick={() => {
              setToken('');
              setSignedOut(true);
              navigate(location.pathname);
            }}
          >
            Sign out
          </button>
        )}
      </header>
      <main id="main">
        {signedOut ? (
          <SignIn
            onSignedIn={() => {
              setSignedOut(false);
              setSession((n) => n + 1);
            }}
          />
        ) : (
          <Page key={`${session}:${path}`} path={path} />
        )}
      </main>
    </>
  );
}
