/**
 * The driver app's page: sign-in through the pool's managed login or another OpenID Connect provider
 * (code + PKCE, oidc-client-ts), then the handover form. The handover code lives only in its input field: it is never stored, put in a URL or
 * history entry, or logged, and the field is emptied as soon as an answer makes it useless.
 */
import { type User, UserManager, WebStorageStateStore } from 'oidc-client-ts';
import { routePath, VERIFY_PATH } from '../../lambdas/contracts/http/paths.ts';
import { type AppConfig, parseConfig } from './config.ts';
import { pickLanguage, wordsFor } from './messages.ts';
import {
  asksForAnotherCode,
  canRetry,
  invalidInput,
  linkedParcel,
  OFFLINE,
  type Screen,
  screenFor,
} from './outcome.ts';

/** Refresh the access token when it has less than this left, so it cannot lapse between check and call. */
const REFRESH_MARGIN_SECONDS = 30;

const language = pickLanguage(navigator.languages?.length ? navigator.languages : [navigator.language]);
const words = wordsFor(language);
const timeFormat = new Intl.DateTimeFormat(language, { hour: '2-digit', minute: '2-digit' });

const element = <T extends HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} missing`);
  return found as T;
};
const ui = {
  title: element('title'),
  driver: element('driver'),
  offlineBanner: element('offline-banner'),
  signInView: element('signin-view'),
  signInHint: element('signin-hint'),
  signIn: element<HTMLButtonElement>('signin'),
  form: element<HTMLFormElement>('handover-form'),
  parcelLabel: element('parcel-label'),
  parcelId: element<HTMLInputElement>('parcel-id'),
  scan: element<HTMLButtonElement>('scan'),
  scanHint: element('scan-hint'),
  scanner: element<HTMLVideoElement>('scanner'),
  codeLabel: element('code-label'),
  code: element<HTMLInputElement>('code'),
  codeHint: element('code-hint'),
  submit: element<HTMLButtonElement>('submit'),
  result: element('result'),
  resultTitle: element('result-title'),
  resultBody: element('result-body'),
  retry: element<HTMLButtonElement>('retry'),
  next: element<HTMLButtonElement>('next'),
  signOut: element<HTMLButtonElement>('signout'),
};

function applyWords(): void {
  document.documentElement.lang = language;
  document.title = words.appTitle;
  ui.title.textContent = words.appTitle;
  ui.signInHint.textContent = words.signInHint;
  ui.signIn.textContent = words.signIn;
  ui.parcelLabel.textContent = words.parcelId;
  ui.scan.textContent = words.scan;
  ui.codeLabel.textContent = words.code;
  ui.codeHint.textContent = words.codeHint;
  ui.submit.textContent = words.handOver;
  ui.next.textContent = words.next;
  ui.retry.textContent = words.retry;
  ui.signOut.textContent = words.signOut;
  ui.offlineBanner.textContent = words.offlineBanner;
}

function showOnlineState(): void {
  ui.offlineBanner.hidden = navigator.onLine;
}

function managerFor(config: AppConfig): UserManager {
  const appUrl = new URL('./', location.href).href;
  return new UserManager({
    authority: config.authority,
    client_id: config.clientId,
    redirect_uri: appUrl,
    post_logout_redirect_uri: appUrl,
    response_type: 'code',
    scope: config.scope,
    // Cognito's discovery document names neither; both live on the managed-login domain. Any other
    // provider's discovery document names its own.
    ...(config.authDomain
      ? {
          metadataSeed: {
            end_session_endpoint: `${config.authDomain}/logout`,
            revocation_endpoint: `${config.authDomain}/oauth2/revoke`,
          },
        }
      : {}),
    // Tokens in this tab's session only; refreshed on demand with the refresh token (no hidden iframe).
    userStore: new WebStorageStateStore({ store: sessionStorage }),
    automaticSilentRenew: false,
    monitorSession: false,
    loadUserInfo: false,
  });
}

/** A user whose access token has at least {@link REFRESH_MARGIN_SECONDS} left, or null (sign in again). */
async function freshUser(manager: UserManager, forceRefresh = false): Promise<User | null> {
  const user = await manager.getUser();
  if (!user) return null;
  if (!forceRefresh && !user.expired && (user.expires_in ?? 0) > REFRESH_MARGIN_SECONDS) return user;
  if (!user.refresh_token) return null;
  try {
    return await manager.signinSilent();
  } catch {
    await manager.removeUser();
    return null;
  }
}

/** One verify call; a 401 gets one refresh and one more try (the API counted nothing). */
async function verify(
  manager: UserManager,
  config: AppConfig,
  parcelId: string,
  code: string,
): Promise<Screen> {
  for (const forceRefresh of [false, true]) {
    const user = await freshUser(manager, forceRefresh).catch(() => null);
    if (!user) return navigator.onLine ? { kind: 'signInAgain' } : OFFLINE;
    let response: Response;
    try {
      response = await fetch(`${config.apiUrl}${routePath(VERIFY_PATH, { parcelId })}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ code }),
        cache: 'no-store',
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
      });
    } catch {
      return OFFLINE;
    }
    const body: unknown = await response.json().catch(() => undefined);
    const screen = screenFor({
      status: response.status,
      body,
      retryAfter: response.headers.get('retry-after'),
    });
    if (screen.kind !== 'signInAgain' || forceRefresh) return screen;
  }
  return { kind: 'signInAgain' };
}

let retryTimer: ReturnType<typeof setInterval> | undefined;
/** Counts shown answers, so a test (or an assistive tool) can tell a new answer from the same one again. */
let answers = 0;

function showScreen(screen: Screen | undefined): void {
  clearInterval(retryTimer);
  ui.retry.disabled = false;
  if (!screen) {
    ui.result.hidden = true;
    ui.form.hidden = false;
    return;
  }
  const text = words.screen(screen, (iso) => timeFormat.format(new Date(iso)));
  ui.result.dataset.tone = text.tone;
  ui.result.dataset.screen = screen.kind;
  answers += 1;
  ui.result.dataset.answers = String(answers);
  ui.resultTitle.textContent = text.title;
  ui.resultBody.textContent = text.body;
  ui.result.hidden = false;
  // The form stays for another code or a retry; every other answer ends this parcel.
  const formStays = asksForAnotherCode(screen) || canRetry(screen);
  ui.form.hidden = !formStays;
  ui.retry.hidden = !canRetry(screen);
  ui.next.hidden = formStays || screen.kind === 'signInAgain';
  if (!canRetry(screen)) ui.code.value = '';
  if (screen.kind === 'tryAgain' && screen.retryAfterSeconds > 0) {
    let left = screen.retryAfterSeconds;
    ui.retry.disabled = true;
    ui.submit.disabled = true;
    ui.retry.textContent = words.retryIn(left);
    retryTimer = setInterval(() => {
      left -= 1;
      if (left > 0) {
        ui.retry.textContent = words.retryIn(left);
        return;
      }
      clearInterval(retryTimer);
      ui.retry.disabled = false;
      ui.submit.disabled = false;
      ui.retry.textContent = words.retry;
    }, 1000);
  } else {
    ui.retry.textContent = words.retry;
    ui.submit.disabled = false;
  }
  ui.result.focus();
}

function showSignedIn(user: User | null): void {
  ui.signInView.hidden = user !== null;
  ui.form.hidden = user === null;
  ui.signOut.hidden = user === null;
  ui.result.hidden = true;
  // Cognito names the user in `cognito:username`, other providers in `preferred_username`.
  const name = user?.profile['cognito:username'] ?? user?.profile.preferred_username ?? user?.profile.sub;
  ui.driver.textContent = user && typeof name === 'string' ? words.signedInAs(name) : '';
}

interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>;
}
type BarcodeDetectorConstructor = new (options?: { formats?: string[] }) => BarcodeDetectorLike;

/** Scans the label with the camera where the browser has barcode detection; typing works everywhere. */
function setUpScanning(): void {
  const Detector = (window as unknown as { BarcodeDetector?: BarcodeDetectorConstructor }).BarcodeDetector;
  if (!Detector || !navigator.mediaDevices?.getUserMedia) {
    ui.scan.hidden = true;
    ui.scanHint.textContent = words.scanUnavailable;
    return;
  }
  ui.scanHint.hidden = true;
  ui.scan.hidden = false;
  ui.scan.addEventListener('click', async () => {
    let stream: MediaStream | undefined;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
      ui.scanner.srcObject = stream;
      ui.scanner.hidden = false;
      await ui.scanner.play();
      const detector = new Detector({ formats: ['code_128', 'qr_code', 'data_matrix', 'ean_13'] });
      for (let frame = 0; frame < 300; frame++) {
        const [found] = await detector.detect(ui.scanner);
        if (found?.rawValue) {
          ui.parcelId.value = found.rawValue.trim();
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } catch {
      ui.scanHint.hidden = false;
      ui.scanHint.textContent = words.scanUnavailable;
    } finally {
      for (const track of stream?.getTracks() ?? []) track.stop();
      ui.scanner.hidden = true;
      ui.scanner.srcObject = null;
      ui.code.focus();
    }
  });
}

/**
 * End of shift: the refresh token is revoked, then the provider's session ends too (Cognito's `/logout`
 * with `client_id` and `logout_uri`; any other provider's `end_session_endpoint`), so nobody is signed
 * in when the next driver picks up the handheld.
 */
async function endShift(manager: UserManager, config: AppConfig): Promise<void> {
  const user = await manager.getUser();
  if (!user) {
    showSignedIn(null);
    return;
  }
  await manager.revokeTokens(['refresh_token']).catch(() => undefined);
  if (!config.authDomain) {
    // RP-initiated logout: the ID token names the session; back to the app's URL (post_logout_redirect_uri).
    // A provider without an end-session endpoint: the tokens are gone, its session is its own to end.
    await manager.signoutRedirect().catch(async () => {
      await manager.removeUser();
      showSignedIn(null);
    });
    return;
  }
  await manager.removeUser();
  const logout = new URL(`${config.authDomain}/logout`);
  logout.searchParams.set('client_id', config.clientId);
  logout.searchParams.set('logout_uri', new URL('./', location.href).href);
  location.assign(logout.href);
}

async function start(): Promise<void> {
  applyWords();
  showOnlineState();
  addEventListener('online', showOnlineState);
  addEventListener('offline', showOnlineState);
  if ('serviceWorker' in navigator) void navigator.serviceWorker.register('sw.js').catch(() => undefined);

  const config = parseConfig(await (await fetch('config.json', { cache: 'no-cache' })).json());
  const manager = managerFor(config);
  const query = new URLSearchParams(location.search);
  let linked = linkedParcel(location.search);
  if (query.has('code') || query.has('error')) {
    // Back from sign-in: take the tokens (and the parcel the link named).
    const user = await manager.signinRedirectCallback().catch(() => undefined);
    linked = (user?.state as { parcel?: string } | undefined)?.parcel ?? linked;
  } else if (query.has('state')) {
    // Back from the provider's end-session endpoint.
    await manager.signoutRedirectCallback().catch(() => undefined);
  }
  // The authorization code, the state and the parcel link leave the address bar.
  if (query.size > 0) history.replaceState(null, '', location.pathname);
  showSignedIn(await manager.getUser());
  if (linked) {
    ui.parcelId.value = linked;
    ui.code.focus();
  }
  setUpScanning();

  // A shared handheld: whoever signs in types their own credentials, even while the provider remembers
  // the previous driver (who may have closed the app without signing out). The parcel a link named rides
  // through sign-in in the OIDC state, as the app's own data.
  ui.signIn.addEventListener(
    'click',
    () => void manager.signinRedirect({ prompt: 'login', ...(linked ? { state: { parcel: linked } } : {}) }),
  );
  ui.signOut.addEventListener('click', () => void endShift(manager, config));
  ui.next.addEventListener('click', () => {
    ui.parcelId.value = '';
    ui.code.value = '';
    showScreen(undefined);
    ui.parcelId.focus();
  });
  ui.retry.addEventListener('click', () => ui.form.requestSubmit());
  ui.form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const parcelId = ui.parcelId.value.trim();
    const code = ui.code.value.replace(/\s+/g, '');
    const refused = invalidInput(parcelId, code);
    if (refused) {
      showScreen(refused);
      (refused.kind === 'invalidInput' && refused.field === 'parcelId' ? ui.parcelId : ui.code).focus();
      return;
    }
    ui.submit.disabled = true;
    ui.submit.textContent = words.checking;
    try {
      const screen = await verify(manager, config, parcelId, code);
      if (screen.kind === 'signInAgain') showSignedIn(await manager.getUser());
      showScreen(screen);
      if (asksForAnotherCode(screen)) ui.code.focus();
    } finally {
      ui.submit.textContent = words.handOver;
      if (!ui.retry.disabled) ui.submit.disabled = false;
    }
  });
  document.body.dataset.ready = 'true';
}

void start().catch(() => {
  ui.resultTitle.textContent = words.screen({ kind: 'unexpected', status: 0 }, String).title;
  ui.result.hidden = false;
  document.body.dataset.ready = 'true';
});
