// What the page knows: the session, the contract, cached roles and settings, the keys shown,
// and what the signed-in key may do (read off its permissions: the server checks again).

export const state = {
  session: null,
  contract: null,
  roles: null,
  settings: null,
  keys: [],
  total: 0,
  filtered: 0,
};
export const PAGE_SIZE = 25;
export const DAY = 86_400_000;
export const canEdit = (component) => state.session?.permissions?.[component] === "view_edit";
export const canView = (component) =>
  ["view", "view_edit"].includes(state.session?.permissions?.[component]);
