// The dashboard's entry: token hand-over from the URL fragment, the login form when no token is
// stored, then the shell (banner, navigation, main) and the page of the current route.
import { type MouseEvent, StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { getToken, onTokenChange, setToken } from './client/api.js';
import { Link } from './components.js';
import { navigate, useRoute } from './hooks.js';
import { tokenFromHash } from './lib/route.js';
import { AppPage } from './pages/app-page.js';
import { AppsPage } from './pages/apps-page.js';
import { LoginPage } from './pages/login-page.js';
import { NodesPage } from './pages/nodes-page.js';
import { PodPage } from './pages/pod-page.js';
import { PodsPage } from './pages/pods-page.js';
import { RolloutPage } from './pages/rollout-page.js';
import './styles.css';

// a token handed over as #token=… is stored once and removed from the address bar (also when
// the link is opened on an already loaded dashboard: a fragment change does not reload the page)
function takeTokenFromHash(): void {
  const handed = tokenFromHash(location.hash);
  if (handed.token) {
    setToken(handed.token);
    history.replaceState(null, '', `${location.pathname}${location.search}${handed.rest}`);
  }
}
takeTokenFromHash();
window.addEventListener('hashchange', takeTokenFromHash);

function useToken(): string | undefined {
  const [token, set] = useState(getToken());
  useEffect(() => onTokenChange(() => set(getToken())), []);
  return token;
}

function Page() {
  const route = useRoute();
  // biome-ignore lint/correctness/useExhaustiveDependencies: move the focus to the new page
  useEffect(() => {
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [route]);
  switch (route.page) {
    case 'apps':
      return <AppsPage />;
    case 'app':
      return <AppPage key={route.name} name={route.name} />;
    case 'rollout':
      return (
        <RolloutPage key={`${route.namespace}/${route.name}`} namespace={route.namespace} name={route.name} />
      );
    case 'nodes':
      return <NodesPage />;
    case 'pods':
      return <PodsPage namespace={route.namespace} />;
    case 'pod':
      return (
        <PodPage key={`${route.namespace}/${route.name}`} namespace={route.namespace} name={route.name} />
      );
    case 'notFound':
      return (
        <>
          <h1>Not found</h1>
          <p>
            No page at <code>{route.path}</code>. <Link to="/ui/">Applications</Link>
          </p>
        </>
      );
  }
}

function Shell() {
  const token = useToken();
  const route = useRoute();
  const current = (p: string) => (route.page === p ? 'page' : undefined);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="banner">
        <span className="brand">Gantry</span>
        {token ? (
          <nav aria-label="Main">
            <ul>
              <li>
                <a href="/ui/" aria-current={current('apps') ?? current('app')} onClick={navClick('/ui/')}>
                  Applications
                </a>
              </li>
              <li>
                <a href="/ui/nodes" aria-current={current('nodes')} onClick={navClick('/ui/nodes')}>
                  Nodes
                </a>
              </li>
              <li>
                <a
                  href="/ui/pods"
                  aria-current={current('pods') ?? current('pod')}
                  onClick={navClick('/ui/pods')}
                >
                  Pods
                </a>
              </li>
            </ul>
          </nav>
        ) : null}
      </header>
      <main id="main" tabIndex={-1}>
        {token ? <Page /> : <LoginPage />}
      </main>
    </>
  );
}

function navClick(to: string) {
  return (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) {
      return;
    }
    e.preventDefault();
    navigate(to);
  };
}

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <Shell />
    </StrictMode>,
  );
}
