/* global sessionStorage */
/**
 * The API token the user pasted at login. Kept in sessionStorage: it lives as long as the tab, is not shared with
 * other tabs, and is removed on logout. It is only ever sent as a Bearer header to this origin.
 */

const KEY = "modelgate.token";

export function getToken() {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function setToken(token) {
  sessionStorage.setItem(KEY, token);
}

export function clearToken() {
  sessionStorage.removeItem(KEY);
}
